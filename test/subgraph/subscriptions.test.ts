import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { campaigns as campaignsSubgraph } from '../../subgraphs/campaigns/server';
import { createContentSubgraph } from '../../subgraphs/content/server';
import { DEFAULT_EVENTS_CONFIG } from '../../subgraphs/kit/config';
import { type Database, openDatabase } from '../../subgraphs/kit/database';
import type { BuiltSubgraph, Subgraph } from '../../subgraphs/kit/descriptor';
import type { EventType, PublishedEvent } from '../../subgraphs/kit/events/catalogue';
import { InProcessTransport } from '../../subgraphs/kit/events/in-process';
import { RedisStreamTransport, eventStreamKey } from '../../subgraphs/kit/events/redis';
import type { EventPositions, EventSubscription, EventTransport } from '../../subgraphs/kit/events/transport';
import { stableId } from '../../subgraphs/kit/ids';
import { ANONYMOUS, ASSERTION_HEADER, type Identity, signAssertion } from '../../subgraphs/kit/identity';
import { createLogger } from '../../subgraphs/kit/logger';
import { listen } from '../../subgraphs/kit/server';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/databases';
import { type Result, TEST_SECURITY } from '../support/subgraph';

const ADMIN: Identity = { role: 'ADMIN', memberId: stableId('member', 'tianfu-daily'), keyId: null };
const AUTHOR: Identity = { role: 'MEMBER', memberId: stableId('member', 'chengdu-evening-news'), keyId: null };
const OTHER: Identity = { role: 'MEMBER', memberId: stableId('member', 'bayu-video'), keyId: null };
const PANDA_BASE = stableId('attraction', 'chengdu-research-base-of-giant-panda-breeding');
const LESHAN = stableId('attraction', 'leshan-giant-buddha');

/** The content subgraph with every referenced id accepted: these tests need no other subgraph. */
const contentSubgraph = createContentSubgraph(() => ({ missing: async () => [] }));

/**
 * A transport (in-process by default) telling the test when the subgraph's subscriptions to it
 * read their streams and when they are closed.
 */
class WatchedTransport implements EventTransport {
  /** Subscriptions opened that do not read their streams yet. */
  private pending = 0;
  /** Subscriptions open now. */
  private live = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly draining: Array<{ live: number; resolve: () => void }> = [];

  constructor(private readonly inner: EventTransport = new InProcessTransport()) {}

  get kind(): string {
    return this.inner.kind;
  }

  publish(subgraph: string, events: readonly PublishedEvent[]): Promise<void> {
    return this.inner.publish(subgraph, events);
  }

  subscribe(types: readonly EventType[], from?: EventPositions): EventSubscription {
    const subscription = this.inner.subscribe(types, from);
    this.live += 1;
    this.pending += 1;
    void subscription.ready.then(() => {
      this.pending -= 1;
      if (this.pending === 0) for (const resolve of this.waiting.splice(0)) resolve();
    });
    const close = subscription.close.bind(subscription);
    let closed = false;
    subscription.close = async () => {
      await close();
      if (closed) return;
      closed = true;
      this.live -= 1;
      for (const waiter of this.draining.filter((w) => this.live <= w.live)) waiter.resolve();
    };
    return subscription;
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** Resolves once every subscription opened so far reads its streams. */
  whenReading(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Resolves once at most `live` subscriptions are open. */
  whenLive(live: number): Promise<void> {
    if (this.live <= live) return Promise.resolve();
    return new Promise((resolve) => this.draining.push({ live, resolve }));
  }

  /** Subscriptions open now (the test's own included). */
  get open(): number {
    return this.live;
  }
}

/** A subgraph listening on a free port, as a process would run it. */
interface Served {
  built: BuiltSubgraph;
  transport: WatchedTransport;
  /** SQL statements the subgraph has sent (the outbox relay's not counted). */
  queries: Database['queries'];
  port: number;
  /** A mutation or query over HTTP, signed by the gateway for `viewer`. */
  post: (query: string, variables: Record<string, unknown>, viewer: Identity) => Promise<Result>;
  /** A graphql-ws client; by default authenticated as `viewer` through `connectionParams`. */
  connect: (viewer: Identity, how?: { params?: Record<string, unknown> }) => Client;
  close: () => Promise<void>;
}

async function serve(
  subgraph: Subgraph,
  engine: 'sqlite' | 'mysql',
  {
    subscriptionsPerConnection = DEFAULT_EVENTS_CONFIG.subscriptionsPerConnection,
    transport = new WatchedTransport(),
  } = {},
): Promise<Served> {
  const testDb: TestDatabase = await createTestDatabase(engine);
  const database: Database = await openDatabase({
    config: testDb.config,
    entities: subgraph.entities,
    migrations: subgraph.migrations,
  });
  await subgraph.seed(database.dataSource, { devCredentials: true });
  const built = await subgraph.build(database, createLogger('test', 'silent'), TEST_SECURITY, {
    transport,
    config: { ...DEFAULT_EVENTS_CONFIG, subscriptionsPerConnection },
  });
  const port = await listen(built.httpServer, 0, '127.0.0.1');
  const clients: Client[] = [];
  return {
    built,
    transport,
    queries: database.queries,
    port,
    post: async (query, variables, viewer) => {
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [ASSERTION_HEADER]: await signAssertion(viewer, TEST_SECURITY.assertionKey),
        },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as Result;
    },
    connect: (viewer, how = {}) => {
      const client = createClient({
        url: `ws://127.0.0.1:${port}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: async () =>
          how.params ?? { [ASSERTION_HEADER]: await signAssertion(viewer, TEST_SECURITY.assertionKey) },
      });
      clients.push(client);
      return client;
    },
    close: async () => {
      for (const client of clients) await client.dispose();
      await built.stop();
      built.httpServer.closeAllConnections();
      await new Promise((resolve) => built.httpServer.close(resolve));
      await transport.close();
      await database.dataSource.destroy();
      await testDb.drop();
    },
  };
}

/** A subscription as a test reads it: one result at a time. */
interface Subscriber {
  next: () => Promise<Result>;
  stop: () => Promise<void>;
}

/**
 * Starts `query` on `client` and waits until the subgraph takes what is published from then on.
 * graphql-ws acknowledges no subscription, but a connection's messages are taken in order, and
 * taking a subscription involves no I/O but its transport subscription's start: a query answered
 * on the same connection afterwards shows it was taken, and the transport then says when it reads.
 */
async function subscribe(
  served: Served,
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Subscriber> {
  const iterator = client.iterate({ query, variables });
  const first = iterator.next();
  // Read by the test's `next`, or never when the connection is closed first (the drain's test).
  first.catch(() => undefined);
  await client.iterate({ query: '{ __typename }' }).next();
  await served.transport.whenReading();
  let pending: Promise<IteratorResult<Result>> | null = first as Promise<IteratorResult<Result>>;
  return {
    next: async () => {
      const result = await (pending ?? iterator.next());
      pending = null;
      if (result.done) throw new Error('the subscription ended');
      return result.value;
    },
    stop: async () => {
      await iterator.return?.();
    },
  };
}

/** How the server closed a client's connection. */
function closeOf(client: Client): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    client.on('closed', (event) => {
      const { code, reason } = event as { code: number; reason: string };
      resolve({ code, reason });
    }),
  );
}

const PUBLISHED = `subscription($filter: ContentEventFilter) {
  contentPublished(filter: $filter) { id title status language tags author { id } attractions { id } }
}`;

interface Published {
  contentPublished: { id: string; title: string; status: string; language: string; tags: string[] };
}

const titleOf = (result: Result) => (result.data as unknown as Published).contentPublished.title;

describe.each(ENGINES)('subscriptions of the content subgraph on %s', (engine) => {
  let served: Served;

  beforeAll(async () => {
    served = await serve(contentSubgraph, engine, { subscriptionsPerConnection: 2 });
  });
  afterAll(() => served.close());

  /** Creates a draft by `author` over HTTP and returns its id. */
  async function draft(
    title: string,
    fields: Record<string, unknown> = {},
    author: Identity = AUTHOR,
  ): Promise<string> {
    const created = await served.post(
      `mutation($input: CreateContentInput!) { createContent(input: $input) { id } }`,
      { input: { kind: 'ARTICLE', title, language: 'zh-CN', ...fields } },
      author,
    );
    expect(created.errors).toBeUndefined();
    return (created.data as { createContent: { id: string } }).createContent.id;
  }
  async function publish(id: string, viewer: Identity = AUTHOR): Promise<void> {
    const result = await served.post(`mutation($id: ID!) { publishContent(id: $id) { id } }`, { id }, viewer);
    expect(result.errors).toBeUndefined();
  }
  async function archive(id: string, viewer: Identity = AUTHOR): Promise<void> {
    const result = await served.post(`mutation($id: ID!) { archiveContent(id: $id) { id } }`, { id }, viewer);
    expect(result.errors).toBeUndefined();
  }

  it('delivers contentPublished, with the piece as it is, to a subscriber authenticated by the gateway', async () => {
    const subscriber = await subscribe(served, served.connect(OTHER), PUBLISHED);
    const id = await draft('Pandas at dawn', { tags: ['Pandas', 'chengdu'], attractionIds: [PANDA_BASE, LESHAN] });
    await publish(id);
    expect(await subscriber.next()).toEqual({
      data: {
        contentPublished: {
          id,
          title: 'Pandas at dawn',
          status: 'PUBLISHED',
          language: 'zh-CN',
          tags: ['pandas', 'chengdu'],
          author: { id: AUTHOR.memberId },
          attractions: [{ id: PANDA_BASE }, { id: LESHAN }],
        },
      },
    });
    await subscriber.stop();
  });

  it('applies the filter: author, tag (any case), language, attraction and campaign', async () => {
    const campaignId = randomUUID();
    const client = served.connect(ANONYMOUS);
    const clientB = served.connect(ANONYMOUS);
    const clientC = served.connect(ANONYMOUS);
    const byFilter = {
      tag: await subscribe(served, client, PUBLISHED, { filter: { tag: ' RIVERS ' } }),
      language: await subscribe(served, client, PUBLISHED, { filter: { language: 'EN' } }),
      attraction: await subscribe(served, clientB, PUBLISHED, { filter: { attractionId: LESHAN } }),
      campaign: await subscribe(served, clientB, PUBLISHED, { filter: { campaignId } }),
      author: await subscribe(served, clientC, PUBLISHED, { filter: { authorId: OTHER.memberId, language: 'zh-CN' } }),
    };
    // Each subscriber's first delivery is the first piece meeting all its conditions.
    await publish(await draft('Plain', { tags: ['pandas'], attractionIds: [PANDA_BASE] }));
    await publish(await draft('Rivers', { tags: ['rivers'] }));
    await publish(await draft('In English', { language: 'en' }));
    await publish(await draft('At Leshan', { attractionIds: [PANDA_BASE, LESHAN] }));
    await publish(await draft('For the campaign', { campaignId }));
    await publish(await draft('Other in English', { language: 'en' }, OTHER), OTHER);
    await publish(await draft('Other in Chinese', {}, OTHER), OTHER);
    expect(titleOf(await byFilter.tag.next())).toBe('Rivers');
    expect(titleOf(await byFilter.language.next())).toBe('In English');
    expect(titleOf(await byFilter.language.next())).toBe('Other in English');
    expect(titleOf(await byFilter.attraction.next())).toBe('At Leshan');
    expect(titleOf(await byFilter.campaign.next())).toBe('For the campaign');
    expect(titleOf(await byFilter.author.next())).toBe('Other in Chinese');
    for (const subscriber of Object.values(byFilter)) await subscriber.stop();
  });

  it('refuses a malformed filter with BAD_USER_INPUT', async () => {
    const iterator = served.connect(ANONYMOUS).iterate({ query: PUBLISHED, variables: { filter: { language: 'xx' } } });
    const result = await iterator.next();
    expect(result.value?.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.language' });
  });

  it('never delivers a piece its author took back to another member or to anonymous; its author and admins get it', async () => {
    const subscribers = {
      other: await subscribe(served, served.connect(OTHER), PUBLISHED),
      anonymous: await subscribe(served, served.connect(ANONYMOUS), PUBLISHED),
      author: await subscribe(served, served.connect(AUTHOR), PUBLISHED),
      admin: await subscribe(served, served.connect(ADMIN), PUBLISHED),
    };
    // Published and archived again before the relay publishes: at delivery it is no longer public.
    const relay = served.built.events!.relay;
    await relay.stop();
    const hidden = await draft('Taken back');
    await publish(hidden);
    await archive(hidden);
    await publish(await draft('Public'));
    relay.start();
    // Events arrive in commit order, so a first delivery of the later piece means the earlier was skipped.
    expect(titleOf(await subscribers.other.next())).toBe('Public');
    expect(titleOf(await subscribers.anonymous.next())).toBe('Public');
    for (const viewer of [subscribers.author, subscribers.admin]) {
      expect((await viewer.next()).data).toMatchObject({
        contentPublished: { title: 'Taken back', status: 'ARCHIVED' },
      });
      expect(titleOf(await viewer.next())).toBe('Public');
    }
    for (const subscriber of Object.values(subscribers)) await subscriber.stop();
  });

  it('delivers an event published twice (at least once) only once', async () => {
    const subscriber = await subscribe(served, served.connect(OTHER), PUBLISHED);
    const watcher = served.transport.subscribe(['ContentPublished']);
    await publish(await draft('Once'));
    const first = await watcher.next();
    await watcher.close();
    expect(titleOf(await subscriber.next())).toBe('Once');
    // The relay publishes a batch again after a failure it could not tell from a loss.
    await served.transport.publish('content', [first.value!]);
    await publish(await draft('Next'));
    expect(titleOf(await subscriber.next())).toBe('Next');
    await subscriber.stop();
  });

  it('shares one transport subscription among its subscribers, and ends it after the last', async () => {
    // The earlier tests completed all theirs (graphql-ws completes on the server after the client).
    await served.transport.whenLive(0);
    const client = served.connect(OTHER);
    const otherClient = served.connect(ANONYMOUS);
    const completed = await subscribe(served, client, PUBLISHED);
    const kept = await subscribe(served, client, PUBLISHED, { filter: { language: 'en' } });
    const elsewhere = await subscribe(served, otherClient, PUBLISHED);
    expect(served.transport.open).toBe(1);
    await completed.stop();
    await publish(await draft('Shared', { language: 'en' }));
    expect(titleOf(await kept.next())).toBe('Shared');
    expect(titleOf(await elsewhere.next())).toBe('Shared');
    await client.dispose();
    expect(served.transport.open).toBe(1);
    await otherClient.dispose();
    await served.transport.whenLive(0);
  });

  it('reads a publication once however many subscribe: the statements do not grow with subscribers', async () => {
    const statementsFor = async (subscribers: number): Promise<number> => {
      const subscriptions: Subscriber[] = [];
      for (let i = 0; i < subscribers; i += 1)
        subscriptions.push(await subscribe(served, served.connect(OTHER), PUBLISHED));
      const statements = await served.queries.measure(async () => {
        await publish(await draft(`Read once by ${subscribers}`, { tags: ['Pandas'], attractionIds: [PANDA_BASE] }));
        for (const subscription of subscriptions) {
          expect(titleOf(await subscription.next())).toBe(`Read once by ${subscribers}`);
        }
      });
      for (const subscription of subscriptions) await subscription.stop();
      return statements;
    };
    const one = await statementsFor(1);
    expect(await statementsFor(8)).toBe(one);
  });

  it('refuses a connection without a valid gateway assertion with 4401', async () => {
    const unsigned = served.connect(ANONYMOUS, { params: {} });
    const forged = served.connect(ANONYMOUS, { params: { [ASSERTION_HEADER]: 'eyJhbGciOiJub25lIn0.e30.' } });
    const closes = [closeOf(unsigned), closeOf(forged)];
    for (const client of [unsigned, forged]) {
      const iterator = client.iterate({ query: PUBLISHED });
      await expect(iterator.next()).rejects.toMatchObject({ code: 4401 });
    }
    for (const close of closes) expect((await close).code).toBe(4401);
  });

  it('accepts the assertion on the upgrade request instead of in connectionParams', async () => {
    const token = await signAssertion(OTHER, TEST_SECURITY.assertionKey);
    const client = createClient({
      url: `ws://127.0.0.1:${served.port}/graphql`,
      retryAttempts: 0,
      webSocketImpl: class extends WebSocket {
        constructor(url: string, protocols: string | string[]) {
          super(url, protocols, { headers: { [ASSERTION_HEADER]: token } });
        }
      },
    });
    const subscriber = await subscribe(served, client, PUBLISHED);
    await publish(await draft('Header'));
    expect(titleOf(await subscriber.next())).toBe('Header');
    await subscriber.stop();
    await client.dispose();
  });

  it('answers a subscription over the per-connection cap with TOO_MANY_SUBSCRIPTIONS, and keeps the others', async () => {
    const client = served.connect(OTHER);
    const first = await subscribe(served, client, PUBLISHED);
    const second = await subscribe(served, client, PUBLISHED);
    // Refused with graphql-ws's `error` message, which the client's iterator throws.
    await expect(client.iterate({ query: PUBLISHED }).next()).rejects.toEqual([
      expect.objectContaining({ extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } }),
    ]);
    await publish(await draft('Still delivered'));
    expect(titleOf(await first.next())).toBe('Still delivered');
    expect(titleOf(await second.next())).toBe('Still delivered');
    await first.stop();
    await second.stop();
  });

  it('answers a malformed or invalid operation with its code, and keeps the connection', async () => {
    const client = served.connect(OTHER);
    for (const [query, code] of [
      ['subscription {', 'GRAPHQL_PARSE_FAILED'],
      ['subscription { nope }', 'GRAPHQL_VALIDATION_FAILED'],
      [
        'subscription A { contentPublished { id } } subscription B { contentPublished { id } }',
        'OPERATION_RESOLUTION_FAILURE',
      ],
    ]) {
      await expect(client.iterate({ query: query! }).next()).rejects.toEqual([
        expect.objectContaining({ extensions: expect.objectContaining({ code }) }),
      ]);
    }
    const subscriber = await subscribe(served, client, PUBLISHED);
    await publish(await draft('After the errors'));
    expect(titleOf(await subscriber.next())).toBe('After the errors');
    await subscriber.stop();
  });

  it('answers a subscription sent over HTTP with BAD_REQUEST', async () => {
    const result = await served.post(PUBLISHED, {}, OTHER);
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
  });

  it('closes its WebSocket connections with 1001 when the drain begins, and takes no new ones', async () => {
    const client = served.connect(OTHER);
    await subscribe(served, client, PUBLISHED);
    const closed = closeOf(client);
    served.built.goingAway();
    expect((await closed).code).toBe(1001);
    const late = served.connect(OTHER);
    await expect(late.iterate({ query: PUBLISHED }).next()).rejects.toBeDefined();
  });
});

describe.each(ENGINES)('subscriptions of the campaigns subgraph on %s', (engine) => {
  let served: Served;

  beforeAll(async () => {
    served = await serve(campaignsSubgraph, engine);
  });
  afterAll(() => served.close());

  async function run(query: string, variables: Record<string, unknown>, viewer: Identity): Promise<Result> {
    const result = await served.post(query, variables, viewer);
    expect(result.errors).toBeUndefined();
    return result;
  }

  it('delivers campaignStatusChanged and campaignMetricsUpdated with the campaign as it is then', async () => {
    const launched = await run(
      `mutation($input: LaunchCampaignInput!) { launchCampaign(input: $input) { id } }`,
      {
        input: {
          slug: 'subscriptions-test',
          name: 'Subscriptions test',
          localName: '订阅测试',
          startsOn: '2025-05-01',
          endsOn: '2025-05-31',
          organizerId: ADMIN.memberId,
        },
      },
      ADMIN,
    );
    const campaignId = (launched.data as { launchCampaign: { id: string } }).launchCampaign.id;
    const client = served.connect(ANONYMOUS);
    const statuses = await subscribe(served, client, `subscription { campaignStatusChanged { id status } }`);
    const metrics = await subscribe(
      served,
      client,
      `subscription($id: ID!) { campaignMetricsUpdated(campaignId: $id) { id metrics { impressions clicks reports } } }`,
      { id: campaignId },
    );
    await run(
      `mutation($id: ID!) { setCampaignStatus(id: $id, status: ACTIVE) { status } }`,
      { id: campaignId },
      ADMIN,
    );
    expect((await statuses.next()).data).toEqual({ campaignStatusChanged: { id: campaignId, status: 'ACTIVE' } });

    await run(`mutation($id: ID!) { joinCampaign(campaignId: $id) { role } }`, { id: campaignId }, AUTHOR);
    const report = (date: string, impressions: number) =>
      run(
        `mutation($input: MetricReportInput!) { reportCampaignMetrics(input: $input) { role } }`,
        { input: { campaignId, date, impressions, engagements: 10, clicks: 2 } },
        AUTHOR,
      );
    await report('2025-05-02', 1000);
    expect((await metrics.next()).data).toEqual({
      campaignMetricsUpdated: { id: campaignId, metrics: { impressions: 1000, clicks: 2, reports: 1 } },
    });
    await report('2025-05-03', 500);
    expect((await metrics.next()).data).toEqual({
      campaignMetricsUpdated: { id: campaignId, metrics: { impressions: 1500, clicks: 4, reports: 2 } },
    });
    await statuses.stop();
    await metrics.stop();
  });

  it('refuses a campaignId that is not an id with BAD_USER_INPUT', async () => {
    const result = await served
      .connect(ANONYMOUS)
      .iterate({ query: `subscription { campaignMetricsUpdated(campaignId: "nope") { id } }` })
      .next();
    expect(result.value?.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

if (process.env.TEST_REDIS_URL) {
  describe('subscriptions fed by Redis streams', () => {
    const keyPrefix = `test:${randomUUID().slice(0, 8)}:`;
    let served: Served;

    beforeAll(async () => {
      const redis = new RedisStreamTransport({ url: process.env.TEST_REDIS_URL!, keyPrefix, maxLength: 1000 });
      served = await serve(contentSubgraph, 'sqlite', { transport: new WatchedTransport(redis) });
    });
    afterAll(async () => {
      await served.close();
      const admin = new Redis(process.env.TEST_REDIS_URL!);
      await admin.del(eventStreamKey(keyPrefix, 'content'));
      admin.disconnect();
    });

    it('delivers each publication once to each subscriber, on separate connections', async () => {
      const first = await subscribe(served, served.connect(OTHER), PUBLISHED);
      const second = await subscribe(served, served.connect(ANONYMOUS), PUBLISHED);
      for (const title of ['Over Redis', 'Then another']) {
        const created = await served.post(
          `mutation($input: CreateContentInput!) { createContent(input: $input) { id } }`,
          { input: { kind: 'ARTICLE', title, language: 'en' } },
          AUTHOR,
        );
        const id = (created.data as { createContent: { id: string } }).createContent.id;
        expect(
          (await served.post(`mutation { publishContent(id: "${id}") { id } }`, {}, AUTHOR)).errors,
        ).toBeUndefined();
      }
      for (const subscriber of [first, second]) {
        expect(titleOf(await subscriber.next())).toBe('Over Redis');
        expect(titleOf(await subscriber.next())).toBe('Then another');
        await subscriber.stop();
      }
    });
  });
}
