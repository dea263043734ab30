import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

/** An error the graph answered, with its `extensions.code` (`BAD_USER_INPUT`, `FORBIDDEN`, ...). */
export class GraphQLRequestError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'GraphQLRequestError';
  }
}

/** How the client reaches the gateway. */
export interface ClientOptions {
  /** The gateway's GraphQL endpoint, e.g. `http://localhost:4000/graphql`. */
  url: string;
  /** An access token (browsers) or API key (servers); anonymous when omitted. */
  credential?: string;
  /** `Accept-Language`, e.g. `zh-CN` for Chinese names. */
  language?: string;
  /** A fetch implementation; the global one by default. */
  fetch?: typeof fetch;
}

/** Sends typed documents: the result and variables types follow from the document itself. */
export interface Client {
  request<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    ...variables: TVariables extends Record<string, never> ? [] : [TVariables]
  ): Promise<TResult>;
}

/** A minimal fetch-based GraphQL client, as a member platform's frontend would write it. */
export function createClient(options: ClientOptions): Client {
  const send = options.fetch ?? fetch;
  return {
    async request(document, ...[variables]) {
      const response = await send(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(options.credential ? { authorization: `Bearer ${options.credential}` } : {}),
          ...(options.language ? { 'accept-language': options.language } : {}),
        },
        body: JSON.stringify({ query: print(document), variables }),
      });
      const body = (await response.json()) as {
        data?: unknown;
        errors?: Array<{ message: string; extensions?: { code?: string } }>;
      };
      const error = body.errors?.[0];
      // Partial data is treated as failure here: a card with holes is worse than an error message.
      if (error || body.data == null)
        throw new GraphQLRequestError(
          error?.message ?? `HTTP ${response.status}`,
          error?.extensions?.code ?? 'UNKNOWN',
          response.status,
        );
      return body.data as never;
    },
  };
}
