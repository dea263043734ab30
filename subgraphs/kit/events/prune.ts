import type { DataSource, QueryRunner } from 'typeorm';
import { OutboxEvent } from './OutboxEvent';

/** Rows deleted per statement: a bounded DELETE holds its locks (MySQL) or the writer (SQLite) briefly. */
export const PRUNE_BATCH_SIZE = 1_000;

/** What {@link pruneOutboxBatch} needs. */
export interface PruneOptions {
  dataSource: DataSource;
  /** Rows published before this instant may go. */
  publishedBefore: Date;
  /** Most rows deleted by this call. */
  batchSize?: number;
  /** MySQL: the connection to run on (the relay's, holding the outbox lock). */
  runner?: QueryRunner;
  /** A comment on the statements (the relay's, so that statement counters leave them out). */
  comment?: string;
}

/**
 * Deletes up to `batchSize` published outbox rows, the longest published first, whose `published_at` is
 * before `publishedBefore`; returns how many it deleted (fewer than `batchSize`: nothing older is
 * left). Unpublished rows are never deleted, whatever their age: they are events still owed; nor
 * is the newest row, so that ids never go back.
 *
 * Two statements (the ids, then a DELETE by id) rather than `DELETE ... LIMIT`: SQLite accepts a
 * LIMIT on DELETE only when compiled with an option, and MySQL refuses LIMIT in an IN subquery.
 * The DELETE repeats the conditions, so a row is deleted only if it still meets them.
 */
export async function pruneOutboxBatch(options: PruneOptions): Promise<number> {
  const { dataSource, publishedBefore, runner } = options;
  const batchSize = options.batchSize ?? PRUNE_BATCH_SIZE;
  const comment = options.comment ?? 'outbox prune';
  const rows = await dataSource
    .createQueryBuilder(OutboxEvent, 'e', runner)
    .comment(comment)
    .select('e.id', 'id')
    .where('e.published_at IS NOT NULL')
    .andWhere('e.published_at < :before', { before: publishedBefore })
    // The newest row stays, whatever its age: an empty table would let MySQL before 8.0 (and
    // MariaDB before 10.2.4) restart AUTO_INCREMENT from MAX(id) at a server restart, and reuse
    // ids that consumers have already handled (they drop ids not above the last one seen).
    .andWhere('e.id < (SELECT MAX(newest.id) FROM outbox_event newest)')
    // The index's order (published_at, id): a batch reads its rows off the index, never sorts
    // the whole backlog.
    .orderBy('e.published_at', 'ASC')
    .addOrderBy('e.id', 'ASC')
    .limit(batchSize)
    .getRawMany<{ id: number | string }>();
  if (rows.length === 0) return 0;
  const result = await dataSource
    .createQueryBuilder(runner)
    .comment(comment)
    .delete()
    .from(OutboxEvent)
    .where('id IN (:...ids)', { ids: rows.map((row) => Number(row.id)) })
    .andWhere('published_at IS NOT NULL')
    .andWhere('published_at < :before', { before: publishedBefore })
    .execute();
  return result.affected ?? rows.length;
}
