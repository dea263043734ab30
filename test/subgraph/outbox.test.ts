import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { campaigns as campaignsSubgraph } from '../../subgraphs/campaigns/server';
import { createContentSubgraph } from '../../subgraphs/content/server';
import { type Database, openDatabase } from '../../subgraphs/kit/database';
import type { DeliveredEvent, EventType } from '../../subgraphs/kit/events/catalogue';
import { InProcessTransport } from '../../subgraphs/kit/events/in-process';
import { OutboxEvent } from '../../subgraphs/kit/events/OutboxEvent';
import { RedisStreamTransport, eventStreamKey } from '../../subgraphs/kit/events/redis';
import { OutboxRelay } from '../../subgraphs/kit/events/relay';
import type { EventSubscription, EventTransport } from '../../subgraphs/kit/events/transport';
import { stableId } from '../../subgraphs/kit/ids';
import { ANONYMOUS, type Identity } from '../../subgraphs/kit/identity';
import { createLogger } from '../../subgraphs/kit/logger';
import { membership as membershipSubgraph } from '../../subgraphs/membership/server';
import { ENGINES } from '../support/databases';
import { openSubgraph, type Result, type SubgraphHarness } from '../support/subgraph';

const ADMIN: Identity = { role: 'ADMIN', memberId: stableId('member', 'tianfu-daily'), keyId: null };
const AUTHOR: Identity = { role: 'MEMBER', memberId: stableId('member', 'chengdu-evening-news'), keyId: null };
const OTHER: Identity = { role: 'MEMBER', memberId: stableId('member', 'bayu-video'), keyId: null };
const PANDA_BASE = stableId('attraction', 'chengdu-research-base-of-giant-panda-breeding');
const LESHAN = stableId('attraction', 'leshan-giant-buddha');
const CONTENT_EVENTS: EventType[] = ['ContentPublished', 'ContentUpdated', 'ContentArchived'];
const silent = createLogger('test', 'silent');

/** The content subgraph with every referenced id accepted: these tests need no other subgraph. */
const contentSubgraph = createContentSubgraph(() => ({ missing: async () => [] }));

/** The next `count` events of a subscription. */
async function take(subscription: EventSubscription, count: number): Promise<DeliveredEvent[]> {
  const events: DeliveredEvent[] = [];
  while (events.length < count) {
    const next = await subscription.next();
    if (next.done) throw new Error(`subscription ended after ${events.length} of ${count} events`);
    events.push(next.value);
  }
  return events;
}

/** Waits until `check` holds (the test's timeout bounds the wait). */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
}

const outboxRows = (dataSource: DataSource) => dataSource.getRepository(OutboxEvent).find({ order: { id: 'ASC' } });

/** True once every outbox row of `dataSource` is marked published. */
const allPublished = async (dataSource: DataSource) =>
  (await outboxRows(dataSource)).every((row) => row.publishedAt !== null);

function expectNoErrors(result: Result): void {
  expect(result.errors).toBeUndefined();
}

describe.each(ENGINES)('the outbox on %s', (engine) => {
  describe('content', () => {
    let subgraph: SubgraphHarness;
    let transport: EventTransport;
    const dataSource = () => subgraph.database.dataSource;
    const run = (query: string, variables: Record<string, unknown>, viewer: Identity) =>
      subgraph.execute(query, variables, { viewer });

    beforeAll(async () => {
      subgraph = await openSubgraph(contentSubgraph, engine);
      transport = subgraph.built.events!.transport;
    });
    afterAll(() => subgraph.close());

    /** A new draft by AUTHOR, with two tags and two attractions. */
    async function draft(title: string): Promise<string> {
      const created = await run(
        `mutation($input: CreateContentInput!) { createContent(input: $input) { id } }`,
        {
          input: {
            kind: 'ARTICLE',
            title,
            language: 'zh-CN',
            tags: ['pandas', 'chengdu'],
            attractionIds: [PANDA_BASE, LESHAN],
          },
        },
        AUTHOR,
      );
      expectNoErrors(created);
      return (created.data as { createContent: { id: string } }).createContent.id;
    }
    const publish = (id: string, viewer = AUTHOR) =>
      run(`mutation($id: ID!) { publishContent(id: $id) { status } }`, { id }, viewer);
    const archive = (id: string, viewer = AUTHOR) =>
      run(`mutation($id: ID!) { archiveContent(id: $id) { status } }`, { id }, viewer);
    const update = (id: string, input: Record<string, unknown>, viewer = AUTHOR) =>
      run(
        `mutation($id: ID!, $input: UpdateContentInput!) { updateContent(id: $id, input: $input) { id } }`,
        {
          id,
          input,
        },
        viewer,
      );

    it('writes ContentPublished with the publication, carrying what subscribers filter on', async () => {
      const id = await draft('Pandas at dawn');
      const before = (await outboxRows(dataSource())).length;
      expectNoErrors(await publish(id));
      const rows = await outboxRows(dataSource());
      expect(rows).toHaveLength(before + 1);
      const row = rows.at(-1)!;
      expect(row).toMatchObject({ type: 'ContentPublished', aggregateId: id });
      expect(JSON.parse(row.payload)).toEqual({
        contentId: id,
        authorId: AUTHOR.memberId,
        kind: 'ARTICLE',
        language: 'zh-CN',
        tags: ['pandas', 'chengdu'],
        attractionIds: [PANDA_BASE, LESHAN],
        campaignId: null,
        status: 'PUBLISHED',
        from: 'DRAFT',
        publishedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
    });

    it('writes no event for a refused or rejected change', async () => {
      const id = await draft('Not yet');
      const before = (await outboxRows(dataSource())).length;
      // Refused (anonymous; another member, to whom a draft looks missing), rejected (bad input),
      // and a published piece cannot be published again.
      expect((await publish(id, ANONYMOUS)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect((await publish(id, OTHER)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect((await update(id, { title: '' })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect((await outboxRows(dataSource())).length).toBe(before);
      expectNoErrors(await publish(id));
      expect((await publish(id)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect((await outboxRows(dataSource())).length).toBe(before + 1);
    });

    it('relays each event in commit order and marks it published', async () => {
      const id = await draft('In order');
      const subscription = transport.subscribe(CONTENT_EVENTS);
      await subscription.ready;
      expectNoErrors(await update(id, { title: 'In order, retitled', tags: ['order'] }));
      expectNoErrors(await publish(id));
      expectNoErrors(await archive(id));
      const events = await take(subscription, 3);
      await subscription.close();
      expect(events.map((event) => event.type)).toEqual(['ContentUpdated', 'ContentPublished', 'ContentArchived']);
      expect(events.every((event) => event.aggregateId === id && event.subgraph === 'content')).toBe(true);
      const sequences = events.map((event) => event.sequence);
      expect([...sequences].sort((a, b) => a - b)).toEqual(sequences);
      expect(events[0]!.payload).toEqual({
        contentId: id,
        authorId: AUTHOR.memberId,
        status: 'DRAFT',
        changed: ['title', 'tags'],
        tags: ['order'],
      });
      expect(events[1]!.payload).toMatchObject({ tags: ['order'], from: 'DRAFT' });
      expect(events[2]!.payload).toMatchObject({ from: 'PUBLISHED', status: 'ARCHIVED' });
      expect(events[0]!.id).toBe(`content:${events[0]!.sequence}`);
      await eventually(() => allPublished(dataSource()));
    });

    it('publishes what was committed while no relay ran once a relay starts on the database', async () => {
      // The crash between commit and publish, in process: the process's relay is gone, the
      // events are committed, and a relay started later (as after a restart) finds them.
      await subgraph.built.events!.relay.stop();
      const id = await draft('Committed during the outage');
      expectNoErrors(await publish(id));
      expectNoErrors(await archive(id));
      expectNoErrors(await publish(id));
      const pending = (await outboxRows(dataSource())).filter((row) => row.publishedAt === null);
      expect(pending.map((row) => row.type)).toEqual(['ContentPublished', 'ContentArchived', 'ContentPublished']);

      // On MySQL the new relay runs on a database connection of its own, as another process would.
      const restarted: Database =
        engine === 'mysql'
          ? await openDatabase({
              config: subgraph.database.config,
              entities: contentSubgraph.entities,
              migrations: contentSubgraph.migrations,
            })
          : subgraph.database;
      const fresh = new InProcessTransport();
      const subscription = fresh.subscribe(CONTENT_EVENTS, '0');
      // A batch smaller than the backlog: the relay goes on until nothing is left.
      const relay = new OutboxRelay({
        dataSource: restarted.dataSource,
        subgraph: 'content',
        transport: fresh,
        logger: silent,
        pollMs: 60_000,
        batchSize: 2,
      });
      relay.start();
      try {
        const events = await take(subscription, 3);
        expect(events.map((event) => [event.type, event.sequence])).toEqual(pending.map((row) => [row.type, row.id]));
        expect(events[1]!.payload).toMatchObject({ from: 'PUBLISHED' });
        expect(events[2]!.payload).toMatchObject({ from: 'ARCHIVED' });
        await eventually(() => allPublished(dataSource()));
      } finally {
        await relay.stop();
        await subscription.close();
        if (restarted !== subgraph.database) await restarted.dataSource.destroy();
      }
    });

    it('keeps a batch the transport refused unpublished and publishes it at a later round', async () => {
      await subgraph.built.events!.relay.stop();
      const bus = new InProcessTransport();
      let refusals = 0;
      // A transport that is down for the first attempt (as Redis during a restart).
      const flaky: EventTransport = {
        kind: 'flaky',
        publish: async (name, events) => {
          if (refusals === 0) {
            refusals += 1;
            throw new Error('transport down');
          }
          await bus.publish(name, events);
        },
        subscribe: (types, from) => bus.subscribe(types, from),
        close: () => bus.close(),
      };
      const subscription = flaky.subscribe(CONTENT_EVENTS);
      const relay = new OutboxRelay({
        dataSource: dataSource(),
        subgraph: 'content',
        transport: flaky,
        logger: silent,
        pollMs: 20,
        batchSize: 10,
      });
      try {
        const id = await draft('Refused once');
        expectNoErrors(await publish(id));
        relay.start();
        const [event] = await take(subscription, 1);
        expect(refusals).toBe(1);
        expect(event).toMatchObject({ type: 'ContentPublished', aggregateId: id });
        await eventually(() => allPublished(dataSource()));
      } finally {
        await relay.stop();
        await subscription.close();
      }
    });

    if (engine === 'mysql') {
      it('lets one relay of two replicas publish, so each event goes out once and in order', async () => {
        const second = await openDatabase({
          config: subgraph.database.config,
          entities: contentSubgraph.entities,
          migrations: contentSubgraph.migrations,
        });
        const shared = new InProcessTransport();
        const relays = [subgraph.database, second].map(
          (database) =>
            new OutboxRelay({
              dataSource: database.dataSource,
              subgraph: 'content',
              transport: shared,
              logger: silent,
              pollMs: 50,
              batchSize: 3,
            }),
        );
        const subscription = shared.subscribe(CONTENT_EVENTS);
        relays.forEach((relay) => relay.start());
        try {
          const id = await draft('Twice relayed');
          const edits = 12;
          for (let i = 0; i < edits; i += 1) expectNoErrors(await update(id, { title: `Edit ${i}` }));
          await eventually(() => allPublished(dataSource()));
          const events = await take(subscription, edits);
          const sequences = events.map((event) => event.sequence);
          expect(new Set(sequences).size).toBe(edits);
          expect([...sequences].sort((a, b) => a - b)).toEqual(sequences);
          expect(events.map((event) => (event.payload as { changed: string[] }).changed)).toEqual(
            Array.from({ length: edits }, () => ['title']),
          );
        } finally {
          for (const relay of relays) await relay.stop();
          await subscription.close();
          await second.dataSource.destroy();
        }
      });
    }

    if (process.env.TEST_REDIS_URL) {
      it('delivers through Redis streams to a subscriber, from now or from a position', async () => {
        const keyPrefix = `test:${randomBytes(4).toString('hex')}:`;
        const redis = new RedisStreamTransport({ url: process.env.TEST_REDIS_URL!, keyPrefix, maxLength: 1000 });
        const relay = new OutboxRelay({
          dataSource: dataSource(),
          subgraph: 'content',
          transport: redis,
          logger: silent,
          pollMs: 60_000,
          batchSize: 100,
        });
        // Earlier tests' events are all published (elsewhere), so the stream gets this test's only.
        await eventually(() => allPublished(dataSource()));
        const subscription = redis.subscribe(['ContentPublished']);
        const admin = new Redis(process.env.TEST_REDIS_URL!);
        try {
          await subscription.ready;
          relay.start();
          const id = await draft('Over Redis');
          expectNoErrors(await publish(id));
          expectNoErrors(await archive(id));
          expectNoErrors(await publish(id));
          const [first, second] = await take(subscription, 2);
          expect([first!.type, first!.aggregateId, second!.type]).toEqual(['ContentPublished', id, 'ContentPublished']);
          expect(first!.payload).toMatchObject({ contentId: id, from: 'DRAFT', tags: ['pandas', 'chengdu'] });
          expect(second!.sequence).toBeGreaterThan(first!.sequence);
          // From a position: what follows it, whatever its type (the archive comes between).
          const resumed = redis.subscribe(CONTENT_EVENTS, first!.position);
          const after = await take(resumed, 2);
          await resumed.close();
          expect(after.map((event) => event.type)).toEqual(['ContentArchived', 'ContentPublished']);
          expect(after[1]!.position).toBe(second!.position);
          expect(await admin.xlen(eventStreamKey(keyPrefix, 'content'))).toBe(3);
        } finally {
          await relay.stop();
          await subscription.close();
          await redis.close();
          await admin.del(eventStreamKey(keyPrefix, 'content'));
          admin.disconnect();
        }
      });
    }
  });

  describe('campaigns and membership', () => {
    let campaigns: SubgraphHarness;
    let membership: SubgraphHarness;

    beforeAll(async () => {
      campaigns = await openSubgraph(campaignsSubgraph, engine);
      membership = await openSubgraph(membershipSubgraph, engine);
    });
    afterAll(async () => {
      await campaigns.close();
      await membership.close();
    });

    it('emits CampaignStatusChanged and CampaignMetricsReported', async () => {
      const subscription = campaigns.built.events!.transport.subscribe([
        'CampaignStatusChanged',
        'CampaignMetricsReported',
      ]);
      const launched = await campaigns.execute(
        `mutation($input: LaunchCampaignInput!) { launchCampaign(input: $input) { id } }`,
        {
          input: {
            slug: 'outbox-test',
            name: 'Outbox test',
            localName: '测试活动',
            startsOn: '2025-05-01',
            endsOn: '2025-05-31',
            organizerId: ADMIN.memberId,
          },
        },
        { viewer: ADMIN },
      );
      expectNoErrors(launched);
      const id = (launched.data as { launchCampaign: { id: string } }).launchCampaign.id;
      const status = (to: string) =>
        campaigns.execute(
          `mutation { setCampaignStatus(id: "${id}", status: ${to}) { status } }`,
          {},
          { viewer: ADMIN },
        );
      expectNoErrors(await status('ACTIVE'));
      expect((await status('PLANNED')).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expectNoErrors(
        await campaigns.execute(`mutation { joinCampaign(campaignId: "${id}") { role } }`, {}, { viewer: AUTHOR }),
      );
      expectNoErrors(
        await campaigns.execute(
          `mutation($input: MetricReportInput!) { reportCampaignMetrics(input: $input) { role } }`,
          { input: { campaignId: id, date: '2025-05-02', impressions: 1000, engagements: 50, clicks: 5 } },
          { viewer: AUTHOR },
        ),
      );
      const events = await take(subscription, 2);
      await subscription.close();
      expect(events.map((event) => [event.type, event.payload])).toEqual([
        ['CampaignStatusChanged', { campaignId: id, from: 'PLANNED', to: 'ACTIVE' }],
        [
          'CampaignMetricsReported',
          {
            campaignId: id,
            memberId: AUTHOR.memberId,
            date: '2025-05-02',
            impressions: 1000,
            engagements: 50,
            clicks: 5,
          },
        ],
      ]);
    });

    it('emits MemberStatusChanged, and nothing for a refused change', async () => {
      const subscription = membership.built.events!.transport.subscribe(['MemberStatusChanged']);
      const set = (status: string, viewer: Identity) =>
        membership.execute(
          `mutation { setMemberStatus(id: "${OTHER.memberId}", status: ${status}, reason: "Sample: test") { status } }`,
          {},
          { viewer },
        );
      expect((await set('SUSPENDED', AUTHOR)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expectNoErrors(await set('SUSPENDED', ADMIN));
      expectNoErrors(await set('ACTIVE', ADMIN));
      const events = await take(subscription, 2);
      await subscription.close();
      expect(events.map((event) => event.payload)).toEqual([
        { memberId: OTHER.memberId, from: 'ACTIVE', to: 'SUSPENDED' },
        { memberId: OTHER.memberId, from: 'SUSPENDED', to: 'ACTIVE' },
      ]);
      expect((await outboxRows(membership.database.dataSource)).length).toBe(2);
    });
  });
});
