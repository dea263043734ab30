import { randomBytes } from 'node:crypto';
import { MemoryRateLimiter, type RateLimiter, RedisRateLimiter } from '../../gateway/ratelimit';
import { connectRedis, type Redis } from '../../gateway/redis';

const REDIS = process.env.TEST_REDIS_URL;
const describeWithRedis = REDIS ? describe : describe.skip;

async function takeMany(limiter: RateLimiter, key: string, capacity: number, times: number) {
  const decisions = [];
  for (let i = 0; i < times; i += 1) decisions.push(await limiter.take(key, capacity));
  return decisions;
}

describe('the in-memory rate limiter (a token bucket per key, refilled at capacity per minute)', () => {
  afterEach(() => jest.useRealTimers());

  it('allows a burst of capacity, then refuses with the seconds until one token is back', async () => {
    const limiter = new MemoryRateLimiter();
    const decisions = await takeMany(limiter, 'ip:a', 3, 4);
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    // 3 per minute: one token every 20 s.
    expect(decisions[3]!.retryAfterSeconds).toBeGreaterThan(0);
    expect(decisions[3]!.retryAfterSeconds).toBeLessThanOrEqual(20);
  });

  it('keeps one bucket per key', async () => {
    const limiter = new MemoryRateLimiter();
    await takeMany(limiter, 'ip:a', 1, 1);
    expect((await limiter.take('ip:a', 1)).allowed).toBe(false);
    expect((await limiter.take('key:k1', 1)).allowed).toBe(true);
  });

  it('refills with time, never beyond capacity', async () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z'), doNotFake: ['nextTick', 'setImmediate'] });
    const limiter = new MemoryRateLimiter();
    expect((await takeMany(limiter, 'ip:a', 2, 3)).map((d) => d.allowed)).toEqual([true, true, false]);
    jest.setSystemTime(new Date('2026-01-01T00:00:30Z')); // half a minute: one token of two
    expect((await takeMany(limiter, 'ip:a', 2, 2)).map((d) => d.allowed)).toEqual([true, false]);
    jest.setSystemTime(new Date('2026-01-01T01:00:00Z')); // an hour: full again, and no more
    expect((await takeMany(limiter, 'ip:a', 2, 3)).map((d) => d.allowed)).toEqual([true, true, false]);
  });
});

describeWithRedis('the Redis rate limiter (one budget for every replica)', () => {
  let redis: Redis;
  let other: Redis;
  const prefix = `test-${randomBytes(4).toString('hex')}:`;

  beforeAll(async () => {
    redis = connectRedis(REDIS!);
    other = connectRedis(REDIS!);
    await Promise.all([redis, other].map((client) => new Promise((resolve) => client.once('ready', resolve))));
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    other.disconnect();
  });

  it('allows a burst of capacity, then refuses with Retry-After seconds', async () => {
    const decisions = await takeMany(new RedisRateLimiter(redis, prefix), 'ip:a', 3, 4);
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions[3]!.retryAfterSeconds).toBeGreaterThan(0);
    expect(decisions[3]!.retryAfterSeconds).toBeLessThanOrEqual(20);
  });

  it('shares the bucket between two limiters on two connections, as replicas do', async () => {
    const a = new RedisRateLimiter(redis, prefix);
    const b = new RedisRateLimiter(other, prefix);
    const allowed = [];
    for (const limiter of [a, b, a, b]) allowed.push((await limiter.take('key:shared', 3)).allowed);
    expect(allowed).toEqual([true, true, true, false]);
  });

  it('fails (so the gateway can let the request through) when Redis cannot be reached', async () => {
    const down = connectRedis('redis://127.0.0.1:1');
    down.on('error', () => undefined);
    await expect(new RedisRateLimiter(down, prefix).take('ip:a', 3)).rejects.toThrow();
    down.disconnect();
  });
});
