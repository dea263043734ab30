import type { DataSource } from 'typeorm';
import { createContentSubgraph } from '../../subgraphs/content/server';
import { openDatabase } from '../../subgraphs/kit/database';
import type { DeliveredEvent } from '../../subgraphs/kit/events/catalogue';
import { InProcessTransport } from '../../subgraphs/kit/events/in-process';
import { OutboxEvent } from '../../subgraphs/kit/events/OutboxEvent';
import { pruneOutboxBatch } from '../../subgraphs/kit/events/prune';
import { OutboxRelay } from '../../subgraphs/kit/events/relay';
import { createLogger } from '../../subgraphs/kit/logger';
import { ENGINES } from '../support/databases';
import { openSubgraph, type SubgraphHarness } from '../support/subgraph';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const contentSubgraph = createContentSubgraph(() => ({ missing: async () => [] }));

/** Writes outbox rows directly, each `{ title, published }` with `published` an age in ms or null. */
async function writeRows(
  dataSource: DataSource,
  rows: Array<{ title: string; publishedAgo: number | null; createdAgo?: number }>,
): Promise<void> {
  const now = Date.now();
  for (const row of rows) {
    await dataSource.getRepository(OutboxEvent).insert({
      type: 'ContentUpdated',
      aggregateId: row.title,
      payload: JSON.stringify({ contentId: row.title, authorId: 'a', status: 'DRAFT', changed: ['title'] }),
      createdAt: new Date(now - (row.createdAgo ?? row.publishedAgo ?? 0)),
      publishedAt: row.publishedAgo === null ? null : new Date(now - row.publishedAgo),
    });
  }
}

/** What is left in the outbox: each row's aggregate id, and whether it is published. */
async function remaining(dataSource: DataSource): Promise<Array<[string, boolean]>> {
  const rows = await dataSource.getRepository(OutboxEvent).find({ order: { id: 'ASC' } });
  return rows.map((row) => [row.aggregateId, row.publishedAt !== null]);
}

describe.each(ENGINES)('outbox pruning on %s', (engine) => {
  let subgraph: SubgraphHarness;
  const dataSource = () => subgraph.database.dataSource;

  beforeAll(async () => {
    subgraph = await openSubgraph(contentSubgraph, engine);
    // These tests run relays of their own.
    await subgraph.built.events!.relay.stop();
  });
  afterAll(() => subgraph.close());
  beforeEach(() => dataSource().getRepository(OutboxEvent).clear());

  it('deletes published rows older than the cutoff in bounded batches, oldest first, and never an unpublished row', async () => {
    await writeRows(dataSource(), [
      { title: 'published 10 days ago', publishedAgo: 10 * DAY },
      { title: 'unpublished for 30 days', publishedAgo: null, createdAgo: 30 * DAY },
      { title: 'published 9 days ago', publishedAgo: 9 * DAY },
      { title: 'published 8 days ago', publishedAgo: 8 * DAY },
      { title: 'published an hour ago', publishedAgo: HOUR },
    ]);
    const publishedBefore = new Date(Date.now() - 7 * DAY);
    const batch = () => pruneOutboxBatch({ dataSource: dataSource(), publishedBefore, batchSize: 2 });
    expect(await batch()).toBe(2);
    expect(await remaining(dataSource())).toEqual([
      ['unpublished for 30 days', false],
      ['published 8 days ago', true],
      ['published an hour ago', true],
    ]);
    expect(await batch()).toBe(1);
    expect(await batch()).toBe(0);
    expect(await remaining(dataSource())).toEqual([
      ['unpublished for 30 days', false],
      ['published an hour ago', true],
    ]);
  });

  it('keeps the newest row however old, so that ids never go back', async () => {
    await writeRows(dataSource(), [
      { title: 'a month old', publishedAgo: 30 * DAY },
      { title: 'the newest, 20 days old', publishedAgo: 20 * DAY },
    ]);
    expect(await pruneOutboxBatch({ dataSource: dataSource(), publishedBefore: new Date() })).toBe(1);
    expect(await remaining(dataSource())).toEqual([['the newest, 20 days old', true]]);
  });

  it('the relay prunes past OUTBOX_RETENTION_HOURS after publishing, logs how many, and keeps what it has just published', async () => {
    const old = Array.from({ length: 5 }, (_, i) => ({ title: `old ${i}`, publishedAgo: 8 * DAY }));
    await writeRows(dataSource(), [
      ...old,
      { title: 'kept: 6 days', publishedAgo: 6 * DAY },
      { title: 'owed since last month', publishedAgo: null, createdAgo: 30 * DAY },
    ]);
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger('content', 'info', { write: (line: string) => void lines.push(JSON.parse(line)) });
    const transport = new InProcessTransport();
    const subscription = transport.subscribe(['ContentUpdated']);
    const relay = new OutboxRelay({
      dataSource: dataSource(),
      subgraph: 'content',
      transport,
      logger,
      pollMs: 20,
      batchSize: 100,
      retentionHours: 7 * 24,
      // Smaller than the backlog: the relay goes on over several batches.
      pruneBatchSize: 2,
    });
    relay.start();
    try {
      const owed = (await subscription.next()).value as DeliveredEvent;
      expect(owed.aggregateId).toBe('owed since last month');
      while (relay.pruned < old.length) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await remaining(dataSource())).toEqual([
        ['kept: 6 days', true],
        ['owed since last month', true],
      ]);
      const logged = lines.filter((line) => line.msg === 'outbox pruned published events');
      expect(logged.reduce((sum, line) => sum + (line.pruned as number), 0)).toBe(old.length);
      expect(logged[0]).toMatchObject({ retentionHours: 168 });
    } finally {
      await relay.stop();
      await subscription.close();
    }
  });

  if (engine === 'mysql') {
    it('of two replicas, only the relay holding the outbox lock prunes', async () => {
      await writeRows(dataSource(), [
        ...Array.from({ length: 4 }, (_, i) => ({ title: `old ${i}`, publishedAgo: 10 * DAY })),
        { title: 'newest', publishedAgo: HOUR },
      ]);
      const second = await openDatabase({
        config: subgraph.database.config,
        entities: contentSubgraph.entities,
        migrations: contentSubgraph.migrations,
      });
      const relays = [dataSource(), second.dataSource].map(
        (source) =>
          new OutboxRelay({
            dataSource: source,
            subgraph: 'content',
            transport: new InProcessTransport(),
            logger: createLogger('content', 'silent'),
            pollMs: 20,
            batchSize: 100,
            retentionHours: 7 * 24,
          }),
      );
      try {
        for (const relay of relays) relay.start();
        while (relays[0]!.pruned + relays[1]!.pruned < 4) await new Promise((resolve) => setTimeout(resolve, 20));
        // Several polls later, still one pruner (a standby never runs a round).
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(relays.map((relay) => relay.pruned).sort()).toEqual([0, 4]);
        expect(await remaining(dataSource())).toEqual([['newest', true]]);
      } finally {
        for (const relay of relays) await relay.stop();
        await second.dataSource.destroy();
      }
    });
  }

  it('a relay without a retention deletes nothing', async () => {
    await writeRows(dataSource(), [{ title: 'a year old', publishedAgo: 365 * DAY }]);
    const relay = new OutboxRelay({
      dataSource: dataSource(),
      subgraph: 'content',
      transport: new InProcessTransport(),
      logger: createLogger('content', 'silent'),
      pollMs: 20,
      batchSize: 100,
    });
    relay.start();
    await relay.stop();
    expect(relay.pruned).toBe(0);
    expect(await remaining(dataSource())).toEqual([['a year old', true]]);
  });
});
