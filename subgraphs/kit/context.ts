import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { MutationRunner } from './audit/mutations';
import type { Identity } from './identity';
import type { DeliveredEvent, EventType } from './events/catalogue';
import { type Locale, negotiateLocale } from './locale';

/** What every subgraph knows about the request it serves. */
export interface RequestInfo {
  /** Correlates logs across the gateway and subgraphs (`x-request-id`). */
  requestId: string;
  /** The answer language negotiated from `Accept-Language`. */
  locale: Locale;
  /** Who is calling, as asserted by the gateway; anonymous when no credential was sent. */
  viewer: Identity;
}

/**
 * A subgraph's per-request context: request facts, the subgraph's repositories
 * (stateless, shared by all requests) and fresh DataLoaders (never shared).
 */
export interface SubgraphContext<Repos, Loaders> extends RequestInfo {
  repos: Repos;
  loaders: Loaders;
  /** Runs a mutation in one transaction together with its audit record. */
  mutate: MutationRunner;
  /**
   * Live events for subscription resolvers: set on operations over WebSocket only (read it with
   * `eventFeedOf`, `kit/subscriptions.ts`).
   */
  events?: EventFeed;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request id a client or the gateway sent, or a fresh one when none (or a malformed one) came. */
export function requestIdFrom(headers: IncomingHttpHeaders): string {
  const sent = headers['x-request-id'];
  return typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID();
}

/** Reads request facts from HTTP headers; `viewer` comes from the verified gateway assertion. */
export function requestInfoFromHeaders(headers: IncomingHttpHeaders, viewer: Identity): RequestInfo {
  const language = headers['accept-language'];
  return {
    requestId: requestIdFrom(headers),
    locale: negotiateLocale(typeof language === 'string' ? language : undefined),
    viewer,
  };
}

/**
 * The live events a subscription resolver reads (`ctx.events`, set for operations over
 * WebSocket only).
 */
export interface EventFeed {
  /**
   * Events of `types` published from now on, each once (delivery is at least once: an event
   * seen again is dropped by its sequence), in each subgraph's order. Before `select` sees an
   * event the context gets fresh loaders, so what it loads, and the fields executed for the
   * value it returns, read the data as it is at delivery. `select` returns null to deliver
   * nothing for the event (filtered out, or not for this caller's eyes).
   */
  subscribe: <T>(
    types: readonly EventType[],
    select: (event: DeliveredEvent) => Promise<T | null>,
  ) => AsyncIterableIterator<T>;
}
