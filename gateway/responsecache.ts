import { createHash } from 'node:crypto';
import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import { LRUCache } from 'lru-cache';
import type { GatewayContext } from './datasource';

/** A stored result and how long it may be served. */
interface Entry {
  result: Record<string, unknown>;
  maxAge: number;
}

/**
 * In-memory cache of whole responses to anonymous queries, honouring the subgraphs' cache
 * hints: the gateway restricts each request's cache policy by every subgraph response's
 * `Cache-Control` header (subgraphs set it from `@cacheControl`), and only a PUBLIC
 * policy with a positive max age is stored, for that many seconds. Responses with errors
 * and responses to signed-in callers are never stored; a request with
 * `Cache-Control: no-cache` skips the cache.
 *
 * Invalidation: any mutation through the gateway clears the whole cache (and, with
 * `GATEWAY_WORKERS`, every worker's: see `onClear`). Subgraphs accept writes only through
 * the gateway, so the one staleness left is between replicas, bounded by the max age.
 */
export class ResponseCache {
  private readonly entries: LRUCache<string, Entry>;
  hits = 0;
  misses = 0;
  /** Called after a mutation cleared this cache, so other workers can clear theirs. */
  onClear: (() => void) | undefined;

  constructor(maxEntries: number) {
    this.entries = new LRUCache({ max: maxEntries, ttlAutopurge: false });
  }

  clear(): void {
    this.entries.clear();
  }

  /** The Apollo Server plugin that reads and fills the cache. */
  plugin(): ApolloServerPlugin<GatewayContext> {
    const keyOf = (ctx: GraphQLRequestContext<GatewayContext>) =>
      createHash('sha256')
        .update(
          JSON.stringify([
            ctx.source,
            ctx.request.operationName ?? null,
            ctx.request.variables ?? null,
            ctx.contextValue.acceptLanguage ?? null,
          ]),
        )
        .digest('base64url');
    return {
      requestDidStart: async (start) => {
        const eligible =
          start.contextValue.identity?.role === null &&
          !/no-cache|no-store/i.test(start.request.http?.headers.get('cache-control') ?? '');
        let key: string | undefined;
        let hit = false;
        return {
          responseForOperation: async (ctx) => {
            if (!eligible || ctx.operation.operation !== 'query') return null;
            key = keyOf(ctx);
            const entry = this.entries.get(key);
            if (!entry) {
              this.misses += 1;
              return null;
            }
            this.hits += 1;
            hit = true;
            return {
              http: {
                status: undefined,
                headers: new HeaderMap([['cache-control', `max-age=${entry.maxAge}, public`]]),
              },
              body: { kind: 'single', singleResult: entry.result },
            };
          },
          willSendResponse: async (ctx) => {
            if (ctx.operation?.operation === 'mutation') {
              this.clear();
              this.onClear?.();
              return;
            }
            if (!key || hit || ctx.response.body.kind !== 'single') return;
            const result = ctx.response.body.singleResult;
            if (result.errors?.length) return;
            const policy = ctx.overallCachePolicy.policyIfCacheable();
            if (!policy || policy.scope !== 'PUBLIC') return;
            this.entries.set(
              key,
              { result: { data: result.data }, maxAge: policy.maxAge },
              { ttl: policy.maxAge * 1000 },
            );
          },
        };
      },
    };
  }
}
