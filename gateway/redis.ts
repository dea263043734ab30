import type * as IORedis from 'ioredis';

type Redis = IORedis.Redis;

/**
 * The gateway's one way to reach Redis (`REDIS_URL`), shared by the rate limiter, the
 * persisted-query cache and the response cache. A command fails fast (one retry, no
 * offline queue) rather than waiting for Redis to come back: each caller treats a failure
 * as "no shared state this time" (the rate limiter allows, the caches miss).
 */
export function connectRedis(url: string): Redis {
  // Loaded on first use: a gateway without REDIS_URL never loads the client (about 1 MiB of heap).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Redis: Client } = require('ioredis') as typeof IORedis;
  return new Client(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    // How long `disconnect()` waits for the socket to close before destroying it. ioredis arms this
    // timer even when the socket is already gone (Redis down, a reconnect pending), and its 2 s
    // default then keeps a stopping gateway (and a test run) alive for nothing; Redis closes a
    // live connection at once.
    disconnectTimeout: 200,
  });
}

/** How long a starting gateway waits for Redis before it serves without shared state. */
export const REDIS_READY_WAIT_MS = 5_000;

/**
 * Resolves once `redis` is connected, or after `waitMs` (Redis down or slow): without the offline
 * queue, a command sent before the connection is ready fails, so a replica that served at once
 * would start with a rate-limit budget and caches of its own. It never rejects: a gateway serves
 * without Redis rather than not at all; whether it was reached is returned.
 */
export function redisReady(redis: Redis, waitMs: number = REDIS_READY_WAIT_MS): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), waitMs);
    timer.unref();
    redis.once('ready', onReady);
  });
}

export type { Redis };
