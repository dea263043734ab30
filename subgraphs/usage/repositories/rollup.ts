import { type DataSource, type EntityManager, In, LessThan } from 'typeorm';
import { ReceivedBatch, UsageRow, type Granularity } from '../entities';
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
  constructor(private readonly dataSource: DataSource) {}

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
    return this.dataSource.transaction(async (manager) => {
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
    return this.dataSource.transaction(async (manager) => {
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
    return this.dataSource.transaction(async (manager) => {
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
}
