/**
 * Replicas with Redis, as real processes: two gateways over the same subgraphs, subscribers on
 * each; on MySQL also two content replicas sharing one database (gateway A subscribes through
 * replica A, gateway B through replica B), with publications committed on both. Every subscriber
 * receives every event exactly once, in commit order: one relay publishes (the MySQL lock holder),
 * each event enters the Redis stream once, and each subgraph subscription reads it once.
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { eventStreamKey } from '../../subgraphs/kit/events/redis';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { ENGINES } from '../support/databases';
import { type Collector, collectSubscription, publishStory, subgraphStats } from '../support/events';
import { waitFor } from '../support/load';
import { type RunningService, startService } from '../support/processes';
import { type Stack, startStack } from '../support/stack';

const AUTHOR = DEV_CREDENTIALS.member.secret;
/** Subscribers per gateway, and publications counted. */
const SUBSCRIBERS = 3;
const PUBLICATIONS = 20;

const describeWithRedis = process.env.TEST_REDIS_URL ? describe.each(ENGINES) : describe.skip.each(ENGINES);

describeWithRedis('subscriptions with two gateway replicas and Redis on %s', (engine) => {
  let stack: Stack;
  /** The content subgraph behind each gateway: the same process on SQLite, two replicas on MySQL. */
  let contents: RunningService[];
  let gateways: RunningService[];
  const keyPrefix = `e2e-replicas:${randomBytes(4).toString('hex')}:`;
  const redisEnv = { REDIS_URL: process.env.TEST_REDIS_URL!, REDIS_KEY_PREFIX: keyPrefix };
  const subscribers: Collector[] = [];

  beforeAll(async () => {
    stack = await startStack(engine, redisEnv);
    const contentA = await stack.restart('content', redisEnv);
    contents = [contentA, contentA];
    if (engine === 'mysql') {
      // A second replica on the same database, told where its peers listen as the first is.
      contents[1] = await startService('subgraphs/content/index.ts', {
        KEEP_ALIVE_TIMEOUT_MS: '1000',
        ...stack.databaseEnv,
        ...Object.fromEntries(
          Object.entries(stack.subgraphs).map(([name, service]) => [
            `SUBGRAPH_${name.toUpperCase()}_URL`,
            `${service.url}/graphql`,
          ]),
        ),
        ...redisEnv,
      });
    }
    gateways = [
      stack.gateway,
      await stack.startGateway({ ...redisEnv, SUBGRAPH_CONTENT_URL: `${contents[1]!.url}/graphql` }),
    ];
  });
  afterAll(async () => {
    for (const subscriber of subscribers) await subscriber.client.dispose();
    if (contents?.[1] !== contents?.[0]) await contents?.[1]?.stop();
    await stack?.stop();
    const admin = new Redis(process.env.TEST_REDIS_URL!);
    await admin.del(eventStreamKey(keyPrefix, 'content'));
    admin.disconnect();
  });

  it('delivers every event exactly once to every subscriber of either gateway, in commit order', async () => {
    for (const gateway of gateways) {
      for (let i = 0; i < SUBSCRIBERS; i += 1) subscribers.push(collectSubscription(gateway.url));
    }
    // Each client subscription is one subscription on the content subgraph behind its gateway.
    const wanted = new Map<RunningService, number>();
    for (const content of contents) wanted.set(content, (wanted.get(content) ?? 0) + SUBSCRIBERS);
    for (const [content, count] of wanted) {
      let receiving = 0;
      await waitFor(
        () => receiving === count,
        30_000,
        `${count} subscriptions reading the stream`,
        async () => {
          receiving = (await subgraphStats(content.url, stack.assertionKey)).subscriptionsReceiving;
        },
      );
    }

    // Committed through either gateway: on MySQL, half on the replica whose relay does not hold
    // the lock (the holder finds them at its next poll).
    const titles: string[] = [];
    for (let i = 0; i < PUBLICATIONS; i += 1) {
      titles.push(`Story ${i}`);
      await publishStory(gateways[i % 2]!.url, AUTHOR, `Story ${i}`);
    }
    await waitFor(
      () => subscribers.every((subscriber) => subscriber.results.length >= PUBLICATIONS),
      30_000,
      'every subscriber receiving every event',
    );
    // One more, delivered after anything a duplicate of the earlier ones could have come with.
    titles.push('Last');
    await publishStory(gateways[0]!.url, AUTHOR, 'Last');
    await waitFor(
      () => subscribers.every((subscriber) => subscriber.titles().includes('Last')),
      30_000,
      'the last event',
    );

    for (const subscriber of subscribers) {
      expect(subscriber.ended()).toBeUndefined();
      expect(subscriber.results.filter((result) => result.errors !== undefined)).toEqual([]);
      expect(subscriber.titles()).toEqual(titles);
    }
    // Each event entered the stream once: one relay published it, once.
    const admin = new Redis(process.env.TEST_REDIS_URL!);
    try {
      expect(await admin.xlen(eventStreamKey(keyPrefix, 'content'))).toBe(titles.length);
    } finally {
      admin.disconnect();
    }
    const holders = [...new Set(contents)].filter((content) =>
      content.output().includes('outbox relay holds the lock: publishing'),
    );
    expect(holders).toHaveLength(engine === 'mysql' ? 1 : 0);
  });

  if (engine === 'mysql') {
    it('hands the outbox lock to the other replica when the holder is killed (kill -9): still exactly once, in order', async () => {
      const [holder, standby] = contents as [RunningService, RunningService];
      // The previous test's subscriptions through the standby are still open: count from them.
      const before = (await subgraphStats(standby.url, stack.assertionKey)).subscriptionsReceiving;
      const viaStandby = Array.from({ length: SUBSCRIBERS }, () => collectSubscription(gateways[1]!.url));
      subscribers.push(...viaStandby);
      let receiving = 0;
      await waitFor(
        () => receiving === before + SUBSCRIBERS,
        30_000,
        'the subscriptions reading the stream',
        async () => {
          receiving = (await subgraphStats(standby.url, stack.assertionKey)).subscriptionsReceiving;
        },
      );
      expect(standby.output()).not.toMatch(/outbox relay holds the lock/);

      // Committed on the standby replica; the holder's relay publishes them, until it is killed.
      const titles: string[] = [];
      const killedAt = PUBLICATIONS / 2;
      for (let i = 0; i < PUBLICATIONS; i += 1) {
        if (i === killedAt) {
          const killed = new Promise((resolve) => holder.child.once('exit', (_code, signal) => resolve(signal)));
          holder.child.kill('SIGKILL');
          expect(await killed).toBe('SIGKILL');
        }
        titles.push(`Handover ${i}`);
        await publishStory(gateways[1]!.url, AUTHOR, `Handover ${i}`);
      }
      await waitFor(
        () => viaStandby.every((subscriber) => subscriber.titles().includes(`Handover ${PUBLICATIONS - 1}`)),
        30_000,
        'the last event through the standby',
      );
      // Its relay took the lock once the holder's session was gone.
      expect(standby.output()).toMatch(/outbox relay holds the lock: publishing/);
      for (const subscriber of viaStandby) {
        expect(subscriber.results.filter((result) => result.errors !== undefined)).toEqual([]);
        expect(subscriber.titles()).toEqual(titles);
      }
    });
  }
});
