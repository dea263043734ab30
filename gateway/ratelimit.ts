import { LRUCache } from 'lru-cache';
import type { Redis } from './redis';

/** The verdict on one request. */
export interface RateDecision {
  allowed: boolean;
  /** Seconds until one request's worth of tokens is back (for `Retry-After`). */
  retryAfterSeconds: number;
}

/** A token bucket store: each key holds `capacity` tokens, refilled at `capacity` per minute. */
export interface RateLimiter {
  take(key: string, capacity: number): Promise<RateDecision>;
  close(): Promise<void>;
}

function decide(tokens: number, perSecond: number): RateDecision {
  return tokens >= 1
    ? { allowed: true, retryAfterSeconds: 0 }
    : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perSecond)) };
}

/**
 * Token buckets in this process (the default: one gateway, or replicas with separate
 * budgets). Buckets of idle callers are evicted; a new bucket starts full.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new LRUCache<string, { tokens: number; at: number }>({ max: 100_000 });

  async take(key: string, capacity: number): Promise<RateDecision> {
    const now = Date.now();
    const perSecond = capacity / 60;
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    const tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    const decision = decide(tokens, perSecond);
    this.buckets.set(key, { tokens: decision.allowed ? tokens - 1 : tokens, at: now });
    return decision;
  }

  async close(): Promise<void> {}
}

/**
 * The same token bucket kept in Redis and updated atomically by a Lua script, so every
 * gateway replica draws from one budget per caller. Time comes from the Redis server,
 * so replicas' clocks need not agree.
 */
const TAKE = `
local capacity = tonumber(ARGV[1])
local per_ms = capacity / 60000
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + (now - at) * per_ms)
local allowed = 0
if tokens >= 1 then tokens = tokens - 1; allowed = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], 120000)
return { allowed, tostring(tokens) }
`;

/** The Redis bucket store; the connection is the gateway's (`redis.ts`), closed by its owner. */
export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.redis.defineCommand('takeToken', { numberOfKeys: 1, lua: TAKE });
  }

  async take(key: string, capacity: number): Promise<RateDecision> {
    const [allowed, tokens] = (await (
      this.redis as Redis & { takeToken(key: string, capacity: number): Promise<[number, string]> }
    ).takeToken(`${this.prefix}rate:${key}`, capacity)) as [number, string];
    if (allowed === 1) return { allowed: true, retryAfterSeconds: 0 };
    return decide(Number(tokens), capacity / 60);
  }

  async close(): Promise<void> {}
}
