import { connectRedis, redisReady } from '../../gateway/redis';
import { freePort } from '../support/processes';

const REDIS = process.env.TEST_REDIS_URL;

describe('the gateway waits for Redis at start-up, within a bound', () => {
  it('gives up after the bound when nothing answers, so the gateway still serves', async () => {
    const redis = connectRedis(`redis://127.0.0.1:${await freePort()}`);
    redis.on('error', () => undefined);
    try {
      await expect(redisReady(redis, 300)).resolves.toBe(false);
    } finally {
      redis.disconnect();
    }
  });

  (REDIS ? it : it.skip)('resolves once connected: the first command of a new replica reaches Redis', async () => {
    const redis = connectRedis(REDIS!);
    try {
      await expect(redisReady(redis, 5_000)).resolves.toBe(true);
      await expect(redis.ping()).resolves.toBe('PONG');
    } finally {
      redis.disconnect();
    }
  });
});
