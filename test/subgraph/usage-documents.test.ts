import { randomUUID } from 'node:crypto';
import type { QueryRunner } from 'typeorm';
import { stableId } from '../../subgraphs/kit/ids';
import type { Identity } from '../../subgraphs/kit/identity';
import { DOCUMENT_SWEEP_MS, RollupRepository } from '../../subgraphs/usage/repositories/rollup';
import { UsageRepository } from '../../subgraphs/usage/repositories/usage';
import { rollUp } from '../../subgraphs/usage/rollup';
import { usage as usageSubgraph } from '../../subgraphs/usage/server';
import type { UsageDocumentInput, UsageRowInput } from '../../subgraphs/usage/wire';
import { ENGINES } from '../support/databases';
import { openSubgraph, type SubgraphHarness } from '../support/subgraph';
import { usageRow } from '../support/usage';

// The usage subgraph's recorded documents (usage_document, usage_document_field) are pruned by
// the rollup once no usage row references them, and never from under an ingest of the same document.

const ADMIN: Identity = { role: 'ADMIN', memberId: stableId('member', 'tianfu-daily'), keyId: null };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A row of `n` operations of `document` at `minute`. */
const row = (minute: number, document: string, n = 1): UsageRowInput =>
  usageRow(minute, n, { documentHash: document, bytes: 10, lastSeen: minute });

/** A document selecting `count` made-up coordinates `Doc<tag>.f0`, ... */
const doc = (hash: string, coordinates: string[]): UsageDocumentInput => ({ hash, coordinates });

describe.each(ENGINES)('pruning recorded documents on %s', (engine) => {
  let harness: SubgraphHarness;
  let usage: UsageRepository;
  const now = Date.now();
  const minute = now - (now % 60_000);

  beforeAll(async () => {
    harness = await openSubgraph(usageSubgraph, engine);
    usage = new UsageRepository(harness.database.dataSource);
  });
  afterAll(async () => {
    harness.built.httpServer.close();
    await harness.close();
  });

  const ingest = (rows: UsageRowInput[], documents: UsageDocumentInput[]) =>
    usage.ingest({ id: randomUUID(), rows, documents });
  /** The coordinates stored for `hash`, sorted; null when the document is not stored. */
  const stored = async (hash: string): Promise<string[] | null> => {
    const ds = harness.database.dataSource;
    const documents = (await ds.query('SELECT document_hash FROM usage_document WHERE document_hash = ?', [
      hash,
    ])) as unknown[];
    const fields = (await ds.query('SELECT coordinate FROM usage_document_field WHERE document_hash = ?', [
      hash,
    ])) as Array<{ coordinate: string }>;
    if (documents.length === 0) {
      expect(fields).toEqual([]);
      return null;
    }
    return fields.map((f) => f.coordinate).sort();
  };
  const operationsOn = async (coordinate: string) => {
    const result = await harness.execute<{ fieldUsage: { operations: number } }>(
      'query($c: String!, $from: DateTime!, $to: DateTime!) { fieldUsage(coordinate: $c, from: $from, to: $to) { operations } }',
      { c: coordinate, from: new Date(now - 2 * HOUR).toISOString(), to: new Date(now + HOUR).toISOString() },
      { viewer: ADMIN },
    );
    expect(result.errors).toBeUndefined();
    return result.data!.fieldUsage.operations;
  };

  it('deletes documents whose rows are all pruned, in bounded rounds, and keeps those still referenced', async () => {
    const old = minute - 420 * DAY; // past the 400 days of hour and day rows
    const recent = minute - 3 * DAY;
    const many = Array.from({ length: 12 }, (_, i) => `Old.f${i}`); // more coordinates than a round's batch
    await ingest(
      [row(old, 'prune-old-a'), row(old, 'prune-old-b'), row(recent, 'prune-kept')],
      [doc('prune-old-a', ['Old.a', 'Query.feed']), doc('prune-old-b', many), doc('prune-kept', ['Kept.a'])],
    );
    // A document stored without rows: nothing references it either.
    await ingest([], [doc('prune-rowless', ['Rowless.a'])]);
    expect(await stored('prune-old-b')).toEqual([...many].sort());

    const repo = new RollupRepository(harness.database.dataSource);
    let documents = 0;
    for (let i = 0; i < 10; i += 1) documents += (await rollUp(repo, 5, new Date(now))).documents;
    expect(documents).toBe(3);
    expect(await stored('prune-old-a')).toBeNull();
    expect(await stored('prune-old-b')).toBeNull();
    expect(await stored('prune-rowless')).toBeNull();
    expect(await stored('prune-kept')).toEqual(['Kept.a']);
    const left = (await harness.database.dataSource.query(
      "SELECT COUNT(*) AS n FROM usage_document_field WHERE coordinate LIKE 'Old.%'",
    )) as Array<{ n: number | string }>;
    expect(Number(left[0]!.n)).toBe(0);

    // A sweep runs at most hourly: a document left unreferenced now goes at the next one.
    await ingest([row(old, 'prune-later')], [doc('prune-later', ['Later.a'])]);
    await rollUp(repo, 5, new Date(now + 60_000));
    expect(await stored('prune-later')).toEqual(['Later.a']);
    await rollUp(repo, 5, new Date(now + DOCUMENT_SWEEP_MS));
    expect(await stored('prune-later')).toBeNull();
  });

  it('keeps the coordinates of a document an ingest references while it is being pruned, whichever goes first', async () => {
    for (const [i, order] of (['ingest first', 'prune first'] as const).entries()) {
      const hash = `race-${i}`;
      await ingest([], [doc(hash, [`Race${i}.a`, `Race${i}.b`])]);
      const repo = new RollupRepository(harness.database.dataSource);
      const ingesting = () => ingest([row(minute, hash, 2)], [doc(hash, [`Race${i}.a`, `Race${i}.b`])]);
      const pruning = () => repo.pruneDocuments(100, new Date(now));
      await Promise.all(order === 'ingest first' ? [ingesting(), pruning()] : [pruning(), ingesting()]);
      expect(await stored(hash)).toEqual([`Race${i}.a`, `Race${i}.b`]);
      expect(await operationsOn(`Race${i}.a`)).toBe(2);
    }
  });

  if (engine !== 'mysql') return;

  describe('with the ingest held mid-transaction (MySQL locks)', () => {
    let blocker: QueryRunner;
    beforeEach(async () => {
      blocker = harness.database.dataSource.createQueryRunner('master');
      await blocker.startTransaction();
    });
    afterEach(async () => {
      if (blocker.isTransactionActive) await blocker.rollbackTransaction();
      await blocker.release();
    });

    /**
     * Waits until `count` statements of this suite's database (other suites may share the server)
     * have been running for over 200 ms, one of them matching `pattern`: statements that wait for a
     * lock. Read from the process list: MariaDB does not always list a waiting transaction in
     * INNODB_TRX (an INSERT IGNORE waiting on a duplicate key it does not).
     */
    const lockWaits = async (pattern: RegExp, count = 1) => {
      for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
        const waiting = (await harness.database.dataSource.query(
          "SELECT p.INFO AS query FROM information_schema.PROCESSLIST p WHERE p.DB = DATABASE() AND p.COMMAND = 'Query' AND p.ID <> CONNECTION_ID() AND p.INFO IS NOT NULL AND p.TIME_MS > 200",
        )) as Array<{ query: string | null }>;
        if (waiting.length >= count && waiting.some((w) => pattern.test(w.query ?? ''))) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`no transaction came to wait on ${pattern}`);
    };

    it('an ingest that has not reached the document yet writes it anew after the pruning deleted it', async () => {
      await ingest([], [doc('held-a', ['HeldA.a', 'HeldA.b'])]);
      // Another transaction holds a document the batch lists first: the ingest stops there,
      // its row of held-a written but not committed, before it touches held-a.
      await blocker.query('INSERT INTO usage_document (document_hash, first_seen) VALUES (?, ?)', [
        'held-a-blocker',
        new Date(),
      ]);
      const ingesting = ingest(
        [row(minute, 'held-a', 3)],
        [doc('held-a-blocker', ['Blocker.a']), doc('held-a', ['HeldA.a', 'HeldA.b'])],
      );
      await lockWaits(/INSERT.*usage_document\b/i);
      // The pruning does not see the uncommitted row: it deletes held-a, without waiting for the ingest.
      const pruned = await new RollupRepository(harness.database.dataSource).pruneDocuments(100, new Date(now));
      expect(pruned.deleted).toBeGreaterThanOrEqual(1);
      expect(await stored('held-a')).toBeNull();
      await blocker.rollbackTransaction();
      expect(await ingesting).toBe('stored');
      expect(await stored('held-a')).toEqual(['HeldA.a', 'HeldA.b']);
      expect(await operationsOn('HeldA.a')).toBe(3);
    });

    it('a pruning that reaches a document an ingest holds waits for it, then sees its rows and keeps it', async () => {
      await ingest([], [doc('held-b', ['HeldB.a', 'HeldB.b'])]);
      // The ingest stops at the coordinates of the batch's last document, after share-locking held-b.
      await blocker.query('INSERT INTO usage_document_field (coordinate, document_hash) VALUES (?, ?)', [
        'Blocker.b',
        'held-b-blocker',
      ]);
      const ingesting = ingest(
        [row(minute, 'held-b', 4)],
        [doc('held-b', ['HeldB.a', 'HeldB.b']), doc('held-b-blocker', ['Blocker.b'])],
      );
      await lockWaits(/INSERT.*usage_document_field/i);
      const pruning = new RollupRepository(harness.database.dataSource).pruneDocuments(100, new Date(now));
      // The pruning waits too (for the ingest's lock on held-b).
      await lockWaits(/./, 2);
      await blocker.rollbackTransaction();
      expect(await ingesting).toBe('stored');
      await pruning;
      expect(await stored('held-b')).toEqual(['HeldB.a', 'HeldB.b']);
      expect(await operationsOn('HeldB.b')).toBe(4);
    });
  });
});
