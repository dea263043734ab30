import Redis from 'ioredis';

/**
 * The gateway's one way to reach Redis (`REDIS_URL`), shared by the rate limiter, the
 * persisted-query cache and the response cache. A command fails fast (one retry, no
 * offline queue) rather than waiting for Redis to come back: each caller treats a failure
 * as "no shared state this time" (the rate limiter allows, the caches miss).
 */
export function connectRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
}

export type { Redis };
