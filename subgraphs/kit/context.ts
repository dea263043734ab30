import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { type Locale, negotiateLocale } from './locale';

/** What every subgraph knows about the request it serves. */
export interface RequestInfo {
  /** Correlates logs across the gateway and subgraphs (`x-request-id`). */
  requestId: string;
  /** The answer language negotiated from `Accept-Language`. */
  locale: Locale;
}

/**
 * A subgraph's per-request context: request facts, the subgraph's repositories
 * (stateless, shared by all requests) and fresh DataLoaders (never shared).
 */
export interface SubgraphContext<Repos, Loaders> extends RequestInfo {
  repos: Repos;
  loaders: Loaders;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Reads request facts from HTTP headers, minting a request id when none (or a malformed one) came. */
export function requestInfoFromHeaders(headers: IncomingHttpHeaders): RequestInfo {
  const sent = headers['x-request-id'];
  const requestId = typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID();
  const language = headers['accept-language'];
  return { requestId, locale: negotiateLocale(typeof language === 'string' ? language : undefined) };
}
