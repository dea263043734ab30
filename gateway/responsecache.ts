import { createHash } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import type { NextFunction, Request, Response } from 'express';
import Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { GatewayContext } from './datasource';

/** A stored response body, serialised once, and how long it may be served. */
interface Entry {
  body: string;
  maxAge: number;
}

/** The cache key of one operation: text, name, variables and language. */
function cacheKey(query: unknown, operationName: unknown, variables: unknown, language: string | undefined): string {
  return createHash('sha256')
    .update(JSON.stringify([query, operationName ?? null, variables ?? null, language ?? null]))
    .digest('base64url');
}

/** True when the client asked not to be served from a cache. */
function bypass(cacheControl: string | undefined): boolean {
  return /no-cache|no-store/i.test(cacheControl ?? '');
}

/** Where cached responses live: this process, or Redis shared by every replica. */
export interface ResponseStore {
  get(key: string): Promise<Entry | undefined>;
  set(key: string, entry: Entry, ttlMs: number): Promise<void>;
  clear(): Promise<void>;
  close(): void;
}

/** Responses in this process (the default). */
export class MemoryResponseStore implements ResponseStore {
  private readonly entries: LRUCache<string, Entry>;

  constructor(maxEntries: number) {
    this.entries = new LRUCache({ max: maxEntries, ttlAutopurge: false });
  }

  async get(key: string): Promise<Entry | undefined> {
    return this.entries.get(key);
  }
  async set(key: string, entry: Entry, ttlMs: number): Promise<void> {
    this.entries.set(key, entry, { ttl: ttlMs });
  }
  async clear(): Promise<void> {
    this.entries.clear();
  }
  close(): void {}
}

/**
 * Responses in one Redis hash shared by every gateway replica (`REDIS_URL`), so a
 * mutation through any replica clears them for all: clearing deletes the hash. Each
 * entry carries its expiry; the hash stops growing at `maxEntries` fields.
 */
export class RedisResponseStore implements ResponseStore {
  private readonly redis: Redis;
  private readonly key: string;

  constructor(
    url: string,
    prefix: string,
    private readonly maxEntries: number,
  ) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.key = `${prefix}responses`;
  }

  async get(key: string): Promise<Entry | undefined> {
    const raw = await this.redis.hget(this.key, key);
    if (!raw) return undefined;
    const stored = JSON.parse(raw) as Entry & { expiresAt: number };
    return stored.expiresAt > Date.now() ? { body: stored.body, maxAge: stored.maxAge } : undefined;
  }
  async set(key: string, entry: Entry, ttlMs: number): Promise<void> {
    if ((await this.redis.hlen(this.key)) >= this.maxEntries && !(await this.redis.hexists(this.key, key))) return;
    await this.redis
      .multi()
      .hset(this.key, key, JSON.stringify({ ...entry, expiresAt: Date.now() + ttlMs }))
      .pexpire(this.key, Math.max(ttlMs, 60_000))
      .exec();
  }
  async clear(): Promise<void> {
    await this.redis.unlink(this.key);
  }
  close(): void {
    this.redis.disconnect();
  }
}

/**
 * Cache of whole responses to anonymous queries, honouring the subgraphs' cache
 * hints: the gateway restricts each request's cache policy by every subgraph response's
 * `Cache-Control` header (subgraphs set it from `@cacheControl`), and only a PUBLIC
 * policy with a positive max age is stored, for that many seconds. Responses with errors
 * and responses to signed-in callers are never stored; a request with
 * `Cache-Control: no-cache` skips the cache. Hits are answered by {@link middleware} before
 * Apollo Server runs (after authentication and rate limits), from the serialised body.
 *
 * Invalidation: any mutation through the gateway clears the whole cache (and, with
 * `GATEWAY_WORKERS`, every worker's: see `onClear`). Subgraphs accept writes only through
 * the gateway, so the one staleness left is between replicas, bounded by the max age.
 */
export class ResponseCache {
  hits = 0;
  misses = 0;
  /** Called after a mutation cleared this cache, so other workers can clear theirs. */
  onClear: (() => void) | undefined;

  constructor(
    private readonly store: ResponseStore,
    private readonly logger?: { warn: (obj: object, msg: string) => void },
  ) {}

  /** Clears every stored response (with Redis, for every replica). */
  async clear(): Promise<void> {
    await this.store.clear().catch((error: unknown) => this.logger?.warn({ err: error }, 'response cache not cleared'));
  }

  close(): void {
    this.store.close();
  }

  /**
   * Express middleware, mounted after authentication and rate limits: answers an anonymous
   * POST whose operation is cached, from the stored body; anything else goes on to Apollo.
   */
  middleware(onHit: (requestId: string, operationName: string | undefined) => void) {
    return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
      const locals = res.locals as { identity?: { role: unknown }; requestId?: string };
      const body = req.body as { query?: unknown; operationName?: unknown; variables?: unknown } | undefined;
      if (
        req.method !== 'POST' ||
        locals.identity?.role !== null ||
        typeof body?.query !== 'string' ||
        bypass(req.headers['cache-control'])
      )
        return next();
      const language = req.headers['accept-language'];
      const key = cacheKey(body.query, body.operationName, body.variables, language?.slice(0, 256));
      // A cache that cannot be reached is a miss, never an outage.
      const entry = await this.store.get(key).catch(() => undefined);
      if (!entry) {
        this.misses += 1;
        return next();
      }
      this.hits += 1;
      onHit(locals.requestId ?? '', typeof body.operationName === 'string' ? body.operationName : undefined);
      res
        .status(200)
        .set({
          'content-type': 'application/graphql-response+json; charset=utf-8',
          'cache-control': `max-age=${entry.maxAge}, public`,
          'x-request-id': locals.requestId ?? '',
        })
        .send(entry.body);
    };
  }

  /** The Apollo Server plugin that fills the cache, and clears it after any mutation. */
  plugin(): ApolloServerPlugin<GatewayContext> {
    return {
      requestDidStart: async (start) => {
        const eligible =
          start.contextValue.identity?.role === null &&
          start.request.http?.method === 'POST' &&
          !bypass(start.request.http?.headers.get('cache-control'));
        return {
          willSendResponse: async (ctx) => {
            if (ctx.operation?.operation === 'mutation') {
              await this.clear();
              this.onClear?.();
              return;
            }
            if (!eligible || ctx.operation?.operation !== 'query' || typeof ctx.request.query !== 'string') return;
            if (ctx.response.body.kind !== 'single') return;
            const result = ctx.response.body.singleResult;
            if (result.errors?.length) return;
            const policy = ctx.overallCachePolicy.policyIfCacheable();
            if (!policy || policy.scope !== 'PUBLIC') return;
            const key = cacheKey(
              ctx.request.query,
              ctx.request.operationName,
              ctx.request.variables,
              ctx.contextValue.acceptLanguage,
            );
            await this.store
              .set(
                key,
                { body: `${JSON.stringify({ data: result.data })}\n`, maxAge: policy.maxAge },
                policy.maxAge * 1000,
              )
              .catch((error: unknown) => this.logger?.warn({ err: error }, 'response not cached'));
          },
        };
      },
    };
  }
}
