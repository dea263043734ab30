import { type DataSource, type EntityManager, In, LessThan } from 'typeorm';
import { serialized } from '../../kit/audit/mutations';
import { ReceivedBatch, UsageDocument, UsageDocumentField, UsageRow, type Granularity } from '../entities';
import { bucketStart } from '../validation';
import { type SeriesDimensions, type UsageTotals, addTotals, dimensionsOf, totalsColumns, totalsOf } from './rows';

/** The operations of one series in one bucket of the wider width, gathered from finer rows. */
interface Group {
  start: number;
  series: string;
  dimensions: SeriesDimensions;
  totals: UsageTotals;
}

const groupKey = (start: number, series: string) => `${start}|${series}`;

/** A sweep over the recorded documents starts at most this often: they outlive their last use by 400 days. */
export const DOCUMENT_SWEEP_MS = 3_600_000;

/** What one round of {@link RollupRepository.pruneDocuments} did. */
export interface DocumentPruning {
  /** Documents looked at. */
  examined: number;
  /** Documents deleted with their coordinates. */
  deleted: number;
  /** Coordinate rows deleted. */
  fields: number;
  /** Whether the sweep has documents left to look at (another round may follow at once). */
  more: boolean;
}

/** Gathers rows into groups of the wider width. */
function groupRows(rows: readonly UsageRow[], into: Granularity): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const row of rows) {
    const start = bucketStart(row.bucketStart.getTime(), into);
    const key = groupKey(start, row.series);
    let group = groups.get(key);
    if (!group) {
      group = {
        start,
        series: row.series,
        dimensions: dimensionsOf(row),
        totals: { ...totalsOf(row), operations: 0, errors: 0, errorCodes: {}, bytes: 0, latency: new Map() },
      };
      groups.set(key, group);
    }
    addTotals(group.totals, totalsOf(row));
  }
  return groups;
}

/**
 * Rolls minute rows into hour rows and hour rows into day rows, and prunes what is past its
 * keeping time; every method works in bounded batches, in one transaction each. Correct whenever
 * it runs: an operation is counted in an unrolled row of its width or in the wider row it was
 * merged into, and the API reads both (`usage.ts`).
 */
export class RollupRepository {
  /** Where the sweep over recorded documents stands (the last hash looked at), or null between sweeps. */
  private documentCursor: string | null = null;
  /** When the next sweep over recorded documents may start (epoch ms). */
  private nextDocumentSweep = 0;

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Runs `work` in a transaction. On SQLite the one connection is shared with the ingest endpoint
   * and the quota mutations: two transactions open at once on it would nest, and one's rollback
   * could undo the other's committed batch, so they queue (`serialized`).
   */
  private transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return serialized(this.dataSource, () => this.dataSource.transaction(work));
  }

  /**
   * Runs `work` unless another process is rolling up the same database: on MySQL, only the holder
   * of `GET_LOCK('usage_rollup_<database>')` (tried without waiting) works, since two replicas
   * merging the same minute rows would count them twice. SQLite runs one process per file.
   * Answers false when another holds the lock.
   */
  async exclusively(work: () => Promise<void>): Promise<boolean> {
    if (this.dataSource.options.type === 'better-sqlite3') {
      await work();
      return true;
    }
    const runner = this.dataSource.createQueryRunner('master');
    try {
      const name = "CONCAT('usage_rollup_', DATABASE())";
      const [answer] = (await runner.query(`SELECT GET_LOCK(${name}, 0) AS acquired`)) as Array<{
        acquired: number | string | null;
      }>;
      if (Number(answer?.acquired) !== 1) return false;
      try {
        await work();
      } finally {
        await runner.query(`SELECT RELEASE_LOCK(${name})`);
      }
      return true;
    } finally {
      await runner.release();
    }
  }

  /**
   * Merges up to `limit` unrolled minute rows of minutes that have ended before `before` into
   * their hour rows, and marks them rolled. A minute row that arrives late for an hour already
   * rolled into its day is merged into the day row too. Answers how many minute rows it rolled.
   */
  async rollMinutes(before: Date, limit: number): Promise<number> {
    return this.transaction(async (manager) => {
      const rows = await manager.find(UsageRow, {
        where: { granularity: 'MINUTE', rolled: false, bucketStart: LessThan(before) },
        order: { id: 'ASC' },
        take: limit,
      });
      if (rows.length === 0) return 0;
      const groups = groupRows(rows, 'HOUR');
      const rolledHours = await this.mergeInto(manager, groups, 'HOUR');
      // The late part of an hour that is already in its day goes into the day as well.
      const late = [...groups.values()].filter((group) => rolledHours.has(groupKey(group.start, group.series)));
      if (late.length > 0) {
        const days = new Map<string, Group>();
        for (const group of late) {
          const start = bucketStart(group.start, 'DAY');
          const key = groupKey(start, group.series);
          const day = days.get(key);
          if (day) addTotals(day.totals, group.totals);
          else days.set(key, { ...group, start, totals: { ...group.totals, latency: new Map(group.totals.latency) } });
        }
        await this.mergeInto(manager, days, 'DAY');
      }
      await manager.update(UsageRow, { id: In(rows.map((row) => row.id)) }, { rolled: true });
      return rows.length;
    });
  }

  /**
   * Merges up to `limit` unrolled hour rows of hours that ended before `before` into their day
   * rows and marks them rolled. Answers how many hour rows it rolled.
   */
  async rollHours(before: Date, limit: number): Promise<number> {
    return this.transaction(async (manager) => {
      const rows = await manager.find(UsageRow, {
        where: { granularity: 'HOUR', rolled: false, bucketStart: LessThan(new Date(before.getTime() - 3_600_000)) },
        order: { id: 'ASC' },
        take: limit,
      });
      if (rows.length === 0) return 0;
      await this.mergeInto(manager, groupRows(rows, 'DAY'), 'DAY');
      await manager.update(UsageRow, { id: In(rows.map((row) => row.id)) }, { rolled: true });
      return rows.length;
    });
  }

  /**
   * Adds each group to its row of width `granularity` (made when missing). Answers the keys of
   * the groups whose row was already rolled into the next width.
   */
  private async mergeInto(
    manager: EntityManager,
    groups: Map<string, Group>,
    granularity: Granularity,
  ): Promise<Set<string>> {
    const list = [...groups.values()];
    const existing = await manager.find(UsageRow, {
      where: {
        granularity,
        series: In([...new Set(list.map((group) => group.series))]),
        bucketStart: In([...new Set(list.map((group) => group.start))].map((start) => new Date(start))),
      },
    });
    const byKey = new Map(existing.map((row) => [groupKey(row.bucketStart.getTime(), row.series), row]));
    const rolled = new Set<string>();
    const fresh: Array<Partial<UsageRow>> = [];
    for (const [key, group] of groups) {
      const row = byKey.get(key);
      if (row) {
        const totals = totalsOf(row);
        addTotals(totals, group.totals);
        await manager.update(UsageRow, { id: row.id }, totalsColumns(totals));
        if (row.rolled) rolled.add(key);
      } else {
        fresh.push({
          granularity,
          bucketStart: new Date(group.start),
          series: group.series,
          ...group.dimensions,
          ...totalsColumns(group.totals),
          rolled: false,
        });
      }
    }
    for (let i = 0; i < fresh.length; i += 200) await manager.insert(UsageRow, fresh.slice(i, i + 200));
    return rolled;
  }

  /**
   * Deletes up to `limit` rows past their keeping time: rolled minute rows whose minute is before
   * `minutesBefore`, rolled hour rows and day rows before `rolledUpBefore`, and the ids of batches
   * received before `minutesBefore`. Answers how many rows it deleted.
   */
  async prune(minutesBefore: Date, rolledUpBefore: Date, limit: number): Promise<number> {
    return this.transaction(async (manager) => {
      const ids = (
        await manager
          .getRepository(UsageRow)
          .createQueryBuilder('r')
          .select('r.id')
          .where(
            "(r.granularity = 'MINUTE' AND r.rolled = 1 AND r.bucketStart < :minutesBefore)" +
              " OR (r.granularity = 'HOUR' AND r.rolled = 1 AND r.bucketStart < :rolledUpBefore)" +
              " OR (r.granularity = 'DAY' AND r.bucketStart < :rolledUpBefore)",
            { minutesBefore, rolledUpBefore },
          )
          .orderBy('r.id')
          .take(limit)
          .getMany()
      ).map((row) => row.id);
      if (ids.length > 0) await manager.delete(UsageRow, { id: In(ids) });
      const batches = (
        await manager.find(ReceivedBatch, {
          select: { id: true },
          where: { receivedAt: LessThan(minutesBefore) },
          take: limit,
        })
      ).map((batch) => batch.id);
      if (batches.length > 0) await manager.delete(ReceivedBatch, { id: In(batches) });
      return ids.length + batches.length;
    });
  }

  /**
   * One round of the sweep over recorded documents (`usage_document` and its coordinates,
   * `usage_document_field`, written once per document): looks at the next `limit` documents and
   * deletes those no usage row references any more (their rows were pruned). A sweep starts at
   * most every {@link DOCUMENT_SWEEP_MS} and goes on round by round, in hash order, until it has
   * looked at every document. Each transaction deletes at most `limit` coordinate rows (or one
   * document's, if it has more).
   *
   * Safe against an ingest of the same document at the same time, which stores its rows first,
   * then the document (insert-or-ignore), then its coordinates (`UsageRepository.ingest`). On
   * MySQL the deleting transaction locks the candidate documents (`FOR UPDATE`), then looks again
   * for rows at READ COMMITTED: an ingest that reached the document first holds a lock on it,
   * so the deletion waits until that ingest committed and then sees its rows and keeps the
   * document; an ingest that reaches the document after the lock waits until the deletion
   * committed and then writes the document and its coordinates anew. On SQLite the transactions
   * of both queue (one connection). Answers what the round did.
   */
  async pruneDocuments(limit: number, now = new Date()): Promise<DocumentPruning> {
    const done: DocumentPruning = { examined: 0, deleted: 0, fields: 0, more: false };
    if (this.documentCursor === null) {
      if (now.getTime() < this.nextDocumentSweep) return done;
      this.documentCursor = '';
    }
    const scanned = await this.dataSource
      .getRepository(UsageDocument)
      .createQueryBuilder('d')
      .select('d.documentHash', 'hash')
      .addSelect(
        'CASE WHEN EXISTS (SELECT 1 FROM usage_row r WHERE r.document_hash = d.document_hash) THEN 1 ELSE 0 END',
        'used',
      )
      .where('d.documentHash > :cursor', { cursor: this.documentCursor })
      .orderBy('d.documentHash')
      .limit(limit)
      .getRawMany<{ hash: string; used: number | string }>();
    done.examined = scanned.length;
    done.more = scanned.length === limit;
    if (done.more) this.documentCursor = scanned[scanned.length - 1]!.hash;
    else {
      this.documentCursor = null;
      this.nextDocumentSweep = now.getTime() + DOCUMENT_SWEEP_MS;
    }
    const unused = scanned.filter((row) => Number(row.used) === 0).map((row) => row.hash);
    if (unused.length === 0) return done;

    // Groups of documents with at most `limit` coordinate rows between them: bounded transactions.
    const counts = await this.dataSource
      .getRepository(UsageDocumentField)
      .createQueryBuilder('f')
      .select('f.documentHash', 'hash')
      .addSelect('COUNT(*)', 'n')
      .where('f.documentHash IN (:...unused)', { unused })
      .groupBy('f.documentHash')
      .getRawMany<{ hash: string; n: number | string }>();
    const fieldsOf = new Map(counts.map((row) => [row.hash, Number(row.n)]));
    const groups: string[][] = [];
    let size = Infinity;
    for (const hash of unused) {
      const n = fieldsOf.get(hash) ?? 0;
      if (size + n > limit) {
        groups.push([]);
        size = 0;
      }
      groups[groups.length - 1]!.push(hash);
      size += n;
    }
    for (const group of groups) {
      const { deleted, fields } = await this.deleteUnreferenced(group);
      done.deleted += deleted;
      done.fields += fields;
    }
    return done;
  }

  /** Deletes the documents of `hashes` that no usage row references, with their coordinates (see {@link pruneDocuments}). */
  private async deleteUnreferenced(hashes: string[]): Promise<{ deleted: number; fields: number }> {
    const mysql = this.dataSource.options.type !== 'better-sqlite3';
    const work = async (manager: EntityManager) => {
      if (mysql)
        await manager
          .createQueryBuilder(UsageDocument, 'd')
          .select('d.documentHash')
          .where('d.documentHash IN (:...hashes)', { hashes })
          .setLock('pessimistic_write')
          .getMany();
      const referenced = new Set(
        (
          await manager
            .createQueryBuilder(UsageRow, 'r')
            .select('DISTINCT r.documentHash', 'hash')
            .where('r.documentHash IN (:...hashes)', { hashes })
            .getRawMany<{ hash: string }>()
        ).map((row) => row.hash),
      );
      const gone = hashes.filter((hash) => !referenced.has(hash));
      if (gone.length === 0) return { deleted: 0, fields: 0 };
      const fields = await manager.delete(UsageDocumentField, { documentHash: In(gone) });
      await manager.delete(UsageDocument, { documentHash: In(gone) });
      return { deleted: gone.length, fields: fields.affected ?? 0 };
    };
    // READ COMMITTED: the second look for rows must see what committed while this waited for the locks.
    return mysql
      ? this.dataSource.transaction('READ COMMITTED', work)
      : serialized(this.dataSource, () => this.dataSource.transaction(work));
  }
}
