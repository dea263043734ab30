import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Redis } from './redis';

/** A stored response body, serialised once, and how long it may be served. */
export interface Entry {
  body: string;
  maxAge: number;
}

/** The cache key of one operation: text, name, variables and language (its first 256 characters). */
export function responseCacheKey(
  query: unknown,
  operationName: unknown,
  variables: unknown,
  language: string | undefined,
): string {
  return hash(
    'sha256',
    JSON.stringify([query, operationName ?? null, variables ?? null, language?.slice(0, 256) ?? null]),
    'base64url',
  );
}

/** True when the client asked not to be served from a cache (`Cache-Control: no-cache` or `no-store`). */
function bypass(cacheControl: string | null | undefined): boolean {
  return /no-cache|no-store/i.test(cacheControl ?? '');
}

/** The request as the cache policy sees it. */
export interface CacheableRequest {
  method: string | undefined;
  /** The caller's role; `null` is anonymous. */
  role: string | null | undefined;
  cacheControl: string | null | undefined;
}

/** Only anonymous POSTs that did not ask to skip the cache are served from it, or stored. */
export function mayUseCache(request: CacheableRequest): boolean {
  return request.method === 'POST' && request.role === null && !bypass(request.cacheControl);
}

/** The response as the cache policy sees it, once GraphQL has answered. */
export interface CacheableResponse {
  operation: 'query' | 'mutation' | 'subscription' | undefined;
  errors: readonly unknown[] | undefined;
  /** The policy Apollo Server derived from every subgraph's `Cache-Control` (`policyIfCacheable()`). */
  policy: { maxAge: number; scope?: 'PUBLIC' | 'PRIVATE' } | null;
  data: unknown;
}

/**
 * What to store for a response to an eligible request: queries without errors whose
 * policy is PUBLIC with a positive max age, for that many seconds; nothing otherwise.
 */
export function entryToStore(response: CacheableResponse): Entry | undefined {
  if (response.operation !== 'query' || response.errors?.length) return undefined;
  if (!response.policy || response.policy.scope !== 'PUBLIC' || !(response.policy.maxAge > 0)) return undefined;
  return { body: `${JSON.stringify({ data: response.data })}\n`, maxAge: response.policy.maxAge };
}

/** Where cached responses live: this process, or Redis shared by every replica. */
export interface ResponseStore {
  get(key: string): Promise<Entry | undefined>;
  set(key: string, entry: Entry, ttlMs: number): Promise<void>;
  clear(): Promise<void>;
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
}

/**
 * Responses in one Redis hash shared by every gateway replica (`REDIS_URL`), so a
 * mutation through any replica clears them for all: clearing deletes the hash. Each
 * entry carries its expiry; the hash stops growing at `maxEntries` fields.
 */
export class RedisResponseStore implements ResponseStore {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly maxEntries: number,
  ) {
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
}

/**
 * Cache of whole responses to anonymous queries, honouring the subgraphs' cache hints: the
 * gateway restricts each request's cache policy by every subgraph response's `Cache-Control`
 * header (subgraphs set it from `@cacheControl`), and only a PUBLIC policy with a positive
 * max age is stored, for that many seconds ({@link entryToStore}). Responses with errors and
 * responses to signed-in callers are never stored; a request with `Cache-Control: no-cache`
 * skips the cache ({@link mayUseCache}). Hits are answered by the response-cache stage
 * (`stages/responsecache.ts`) before Apollo Server runs, from the serialised body.
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

  /** The stored response for `key`; a store that cannot be reached is a miss, never an outage. */
  async lookup(key: string): Promise<Entry | undefined> {
    const entry = await this.store.get(key).catch(() => undefined);
    if (entry) this.hits += 1;
    else this.misses += 1;
    return entry;
  }

  /** Stores `entry` for its max age; a failure is logged, never answered. */
  async save(key: string, entry: Entry): Promise<void> {
    await this.store
      .set(key, entry, entry.maxAge * 1000)
      .catch((error: unknown) => this.logger?.warn({ err: error }, 'response not cached'));
  }

  /** Clears every stored response (with Redis, for every replica). */
  async clear(): Promise<void> {
    await this.store.clear().catch((error: unknown) => this.logger?.warn({ err: error }, 'response cache not cleared'));
  }
}
