/**
 * Durability of events across a crash, with real processes: the content subgraph commits a
 * publication whose event it cannot publish yet (its Redis is unreachable), is killed with
 * SIGKILL, and publishes the event after a restart; a client subscribed through the gateway over
 * WebSocket receives it once. Nothing in the services is special to the test: an unreachable
 * Redis is what a relay meets during a Redis outage, and a commit is what wakes a relay.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { RedisStreamTransport, eventStreamKey } from '../../subgraphs/kit/events/redis';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { ENGINES } from '../support/databases';
import {
  type Collector,
  TcpForwarder,
  collectSubscription,
  publishStory,
  subgraphStats,
  testRedisAddress,
} from '../support/events';
import { waitFor } from '../support/load';
import { freePort } from '../support/processes';
import { type Stack, startStack } from '../support/stack';

const AUTHOR = DEV_CREDENTIALS.member.secret;

/** The content subgraph's outbox rows not yet published, read from its database as an operator would. */
async function unpublished(engine: 'sqlite' | 'mysql', stack: Stack): Promise<Array<{ type: string }>> {
  const dataSource = new DataSource(
    engine === 'sqlite'
      ? { type: 'better-sqlite3', database: path.join(stack.databaseEnv.DATA_DIR!, 'content.sqlite'), readonly: true }
      : { type: 'mysql', url: stack.databaseEnv.CONTENT_DATABASE_URL! },
  );
  await dataSource.initialize();
  try {
    return (await dataSource.query('SELECT type FROM outbox_event WHERE published_at IS NULL ORDER BY id')) as Array<{
      type: string;
    }>;
  } finally {
    await dataSource.destroy();
  }
}

/** Waits until every outbox row is marked published (the relay marks a batch after the transport took it). */
async function allMarked(engine: 'sqlite' | 'mysql', stack: Stack): Promise<void> {
  let left = -1;
  await waitFor(
    () => left === 0,
    20_000,
    'every outbox row marked published',
    async () => {
      left = (await unpublished(engine, stack)).length;
    },
  );
}

const describeWithRedis = process.env.TEST_REDIS_URL ? describe.each(ENGINES) : describe.skip.each(ENGINES);

describeWithRedis('kill -9 of the content subgraph between commit and publish on %s', (engine) => {
  let stack: Stack;
  let redis: TcpForwarder;
  const keyPrefix = `e2e-crash:${randomBytes(4).toString('hex')}:`;
  const subscribers: Collector[] = [];

  beforeAll(async () => {
    stack = await startStack(engine);
    // Chosen now, listened on only once the test brings "Redis" back.
    redis = new TcpForwarder(await freePort(), testRedisAddress());
  });
  afterAll(async () => {
    for (const subscriber of subscribers) await subscriber.client.dispose();
    await redis?.down();
    await stack?.stop();
    const admin = new Redis(process.env.TEST_REDIS_URL!);
    await admin.del(eventStreamKey(keyPrefix, 'content'));
    admin.disconnect();
  });

  it('loses no event: after the restart the event is published and delivered once through the gateway', async () => {
    const contentEnv = {
      REDIS_URL: `redis://127.0.0.1:${redis.port}`,
      REDIS_KEY_PREFIX: keyPrefix,
      // Long, so that only a commit wakes the relay: the test decides when it publishes.
      OUTBOX_POLL_MS: '600000',
    };
    let content = await stack.restart('content', contentEnv);

    // Committed; the relay, woken by the commit, cannot reach Redis and keeps the row.
    await publishStory(stack.gateway.url, AUTHOR, 'Committed before the crash');
    await waitFor(() => content.output().includes('outbox relay could not publish'), 20_000, 'the failed publish');
    expect(await unpublished(engine, stack)).toEqual([{ type: 'ContentPublished' }]);

    const killed = new Promise((resolve) => content.child.once('exit', (_code, signal) => resolve(signal)));
    content.child.kill('SIGKILL');
    expect(await killed).toBe('SIGKILL');

    // The new process's first round finds the row and fails too: Redis is still down.
    content = await stack.restart('content', contentEnv);
    await waitFor(() => content.output().includes('outbox relay could not publish'), 20_000, 'the first round');
    expect(await unpublished(engine, stack)).toEqual([{ type: 'ContentPublished' }]);

    // Redis is back; a client subscribes through the gateway, and the subgraph reads its stream.
    await redis.up();
    const subscriber = collectSubscription(stack.gateway.url);
    subscribers.push(subscriber);
    let receiving = 0;
    await waitFor(
      () => receiving > 0,
      30_000,
      'the subscription reading the Redis stream',
      async () => {
        receiving = (await subgraphStats(content.url, stack.assertionKey)).subscriptionsReceiving;
      },
    );

    // The next commit wakes the relay: it publishes the owed event first, then the new one.
    await publishStory(stack.gateway.url, AUTHOR, 'Published after the restart');
    await waitFor(() => subscriber.results.length >= 2, 20_000, 'two events');
    await publishStory(stack.gateway.url, AUTHOR, 'And one more');
    await waitFor(() => subscriber.results.length >= 3, 20_000, 'three events');
    expect(subscriber.results.every((result) => result.errors === undefined)).toBe(true);
    expect(subscriber.titles()).toEqual(['Committed before the crash', 'Published after the restart', 'And one more']);
    expect(subscriber.results[0]!.data).toEqual({
      contentPublished: { title: 'Committed before the crash', author: { name: 'Chengdu Evening News' } },
    });
    await allMarked(engine, stack);
    expect(content.output()).toMatch(/outbox relay publishes again/);
  });

  it('with the default poll, the restarted process publishes the owed event by itself to a stream subscriber that outlived the crash', async () => {
    // A consumer reading the content stream all along, as a webhook dispatcher would.
    const stream = new RedisStreamTransport({ url: process.env.TEST_REDIS_URL!, keyPrefix, maxLength: 1000 });
    const subscription = stream.subscribe(['ContentPublished']);
    try {
      await subscription.ready;
      const unreachable = { REDIS_URL: `redis://127.0.0.1:${await freePort()}`, REDIS_KEY_PREFIX: keyPrefix };
      let content = await stack.restart('content', unreachable);
      const owed = await publishStory(stack.gateway.url, AUTHOR, 'Owed across a crash');
      await waitFor(() => content.output().includes('outbox relay could not publish'), 20_000, 'the failed publish');
      const killed = new Promise((resolve) => content.child.once('exit', (_code, signal) => resolve(signal)));
      content.child.kill('SIGKILL');
      expect(await killed).toBe('SIGKILL');

      // Restarted with Redis reachable: its first round publishes what the killed process owed.
      content = await stack.restart('content', { REDIS_URL: process.env.TEST_REDIS_URL!, REDIS_KEY_PREFIX: keyPrefix });
      const next = await publishStory(stack.gateway.url, AUTHOR, 'After the crash');
      const received: string[] = [];
      for await (const event of subscription) {
        received.push(event.aggregateId);
        if (event.aggregateId === next) break;
      }
      expect(received).toEqual([owed, next]);
      await allMarked(engine, stack);
    } finally {
      await subscription.close();
      await stream.close();
    }
  });
});
