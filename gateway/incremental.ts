import type { ApolloServerPlugin } from '@apollo/server';
import {
  type DirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLFormattedError,
  Kind,
  getVariableValues,
  visit,
} from 'graphql';
import Negotiator from 'negotiator';
import { type SubsequentPayload, defersAnything, takeSubsequentPayloads } from './execution';

/** The media type of incremental delivery the gateway writes (Apollo Router's and Apollo Client's). */
export const MULTIPART_DEFER = 'multipart/mixed; deferSpec=20220824';
/** The media types Apollo Server negotiates among for incremental delivery. */
const MULTIPART_TYPES = ['multipart/mixed', 'multipart/mixed; incrementalSpec=v0.2', MULTIPART_DEFER];

/** Whether each document seen has any `@defer` on a fragment (see {@link mayDefer}). */
const deferringDocuments = new WeakMap<DocumentNode, boolean>();

/**
 * Whether a document has `@defer` on any inline fragment or fragment spread, whatever its
 * condition: only then can {@link defersAnything} find something deferred. Worked out once per
 * document (Apollo Server's document cache gives every request with the same text the same
 * one), so that most requests skip coercing their variables for `@defer(if:)`.
 */
export function mayDefer(document: DocumentNode): boolean {
  let known = deferringDocuments.get(document);
  if (known === undefined) {
    let found = false;
    const check = {
      enter: (node: { directives?: readonly DirectiveNode[] }) =>
        void (found ||= node.directives?.some((directive) => directive.name.value === 'defer') ?? false),
    };
    visit(document, { InlineFragment: check, FragmentSpread: check });
    known = found;
    deferringDocuments.set(document, known);
  }
  return known;
}

/** Apollo Server's `formatError`, as the GraphQL stage configures it. */
type FormatError = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/** A formatted error as Apollo Server formats those of a result: code defaulted, `http` removed, then `formatError`. */
function formatOne(error: GraphQLError, formatError: FormatError): GraphQLFormattedError {
  try {
    const { http: _http, ...extensions } = error.extensions as Record<string, unknown>;
    return formatError(
      { ...error.toJSON(), extensions: { ...extensions, code: extensions.code ?? 'INTERNAL_SERVER_ERROR' } },
      error,
    );
  } catch {
    return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  }
}

/** The parts after the first, their errors formatted (masked, request id added) as they leave. */
async function* formatted(payloads: AsyncIterable<SubsequentPayload>, formatError: FormatError) {
  for await (const payload of payloads) {
    yield {
      ...(payload.incremental
        ? {
            incremental: payload.incremental.map(({ errors, ...item }) => ({
              ...item,
              ...(errors ? { errors: errors.map((error) => formatOne(error, formatError)) } : {}),
            })),
          }
        : {}),
      hasNext: payload.hasNext,
    };
  }
}

/**
 * Incremental delivery of `@defer` (with `GATEWAY_EXECUTOR=ours`, the only executor whose schema
 * knows `@defer`), inside Apollo Server:
 * - once the operation is resolved, an operation that defers something is refused unless the
 *   client accepts `multipart/mixed; deferSpec=20220824`: 406 `BAD_REQUEST`, as Apollo Server
 *   answers a client that does not accept incremental delivery (before anything is fetched);
 * - when the executor left deferred parts, the single result becomes an incremental one: Apollo
 *   Server writes it as `multipart/mixed; boundary="-"; deferSpec=20220824`, the first part with
 *   `hasNext: true`, then each deferred part (`{incremental: [{data, path, label?, errors?}],
 *   hasNext}`), its errors formatted by `formatError` like every other error.
 * The response stage logs the request once the last part is written.
 */
export function incrementalDeliveryPlugin<T extends object>(formatError: FormatError): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, operation, document, request }) {
          if (!operation || !mayDefer(document)) return;
          // `@defer(if: $v)` with the value execution will see (defaults applied); values that do not coerce are refused by the limits.
          const variables = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {});
          if (variables.errors) return;
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const definition of document.definitions) {
            if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
          }
          if (!defersAnything(operation, fragments, variables.coerced)) return;
          const accept = request.http?.headers.get('accept');
          const preferred = accept ? new Negotiator({ headers: { accept } }).mediaType(MULTIPART_TYPES) : undefined;
          if (preferred !== MULTIPART_DEFER) {
            throw new GraphQLError(
              `the operation uses @defer, which this gateway delivers as multipart/mixed in the deferSpec=20220824 format: send the header 'Accept: multipart/mixed;deferSpec=20220824, application/json'`,
              { extensions: { code: 'BAD_REQUEST', http: { status: 406 } } },
            );
          }
        },
        async willSendResponse({ response, contextValue }) {
          // Synchronously, before any other plugin reads the body (the response cache stores single results only).
          const payloads = takeSubsequentPayloads(contextValue);
          if (!payloads || response.body.kind !== 'single') return;
          response.body = {
            kind: 'incremental',
            initialResult: { ...response.body.singleResult, hasNext: true },
            subsequentResults: formatted(payloads, formatError),
          };
        },
      };
    },
  };
}
