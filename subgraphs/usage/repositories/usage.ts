import type { DataSource, SelectQueryBuilder } from 'typeorm';
import { serialized } from '../../kit/audit/mutations';
import { type EntityRef, entityRef } from '../../kit/refs';
import { ReceivedBatch, UsageDocument, UsageDocumentField, UsageRow, type Granularity } from '../entities';
import { percentile } from '../latency';
import { type UsageWindow, bucketStart } from '../validation';
import type { UsageBatch } from '../wire';
import { type UsageTotals, addTotals, emptyTotals, minuteRow, storedDate, totalsOf } from './rows';

/** One bucket as the API answers it. */
export interface UsageBucketTotals {
  start: Date;
  operations: number;
  errors: number;
  errorsByCode: Array<{ code: string; count: number }>;
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyP99Ms: number;
  bytes: number;
}

/** Who selected a coordinate in a window. */
export interface FieldUsageTotals {
  coordinate: string;
  operations: number;
  members: EntityRef[];
  clients: string[];
  operationNames: string[];
  lastSeen: Date | null;
}

/** Narrows `usage` to a member, an operation name, a client name. */
export interface UsageFilter {
  memberId: string | null;
  operation: string | null;
  client: string | null;
}

/** Rows per INSERT: 19 columns each stay far below SQLite's limit of bound parameters. */
const INSERT_CHUNK = 200;

/**
 * The rows of a window at `granularity`, each operation once: rows of that width, and the rows
 * of finer widths not yet rolled up into it (`UsageRow.rolled`).
 */
function rowsOfWidth(query: SelectQueryBuilder<UsageRow>, granularity: Granularity): SelectQueryBuilder<UsageRow> {
  switch (granularity) {
    case 'MINUTE':
      return query.andWhere("r.granularity = 'MINUTE'");
    case 'HOUR':
      return query.andWhere("(r.granularity = 'HOUR' OR (r.granularity = 'MINUTE' AND r.rolled = 0))");
    case 'DAY':
      return query.andWhere("(r.granularity = 'DAY' OR (r.granularity IN ('HOUR', 'MINUTE') AND r.rolled = 0))");
  }
}

/** A bucket's figures as the API answers them (codes most frequent first, then by name). */
function bucketOf(start: Date, totals: UsageTotals): UsageBucketTotals {
  return {
    start,
    operations: totals.operations,
    errors: totals.errors,
    errorsByCode: Object.entries(totals.errorCodes)
      .map(([code, count]) => ({ code, count }))
      .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
    latencyP50Ms: percentile(totals.latency, 0.5),
    latencyP95Ms: percentile(totals.latency, 0.95),
    latencyP99Ms: percentile(totals.latency, 0.99),
    bytes: totals.bytes,
  };
}

/** Rows summed into buckets of `granularity`, oldest first. */
function bucketsOf(rows: readonly UsageRow[], granularity: Granularity): UsageBucketTotals[] {
  const byBucket = new Map<number, UsageTotals>();
  for (const row of rows) {
    const start = bucketStart(row.bucketStart.getTime(), granularity);
    let totals = byBucket.get(start);
    if (!totals) byBucket.set(start, (totals = emptyTotals()));
    addTotals(totals, totalsOf(row));
  }
  return [...byBucket.entries()].sort(([a], [b]) => a - b).map(([start, totals]) => bucketOf(new Date(start), totals));
}

/** Usage rows: what the gateway sends, and what the API reads. */
export class UsageRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Stores a batch in one transaction: its minute rows and the coordinates of documents not seen
   * before. A batch whose id was stored already changes nothing (the gateway retries a batch whose
   * answer it missed); answers whether it was stored now. The rows go in before their documents:
   * the pruning of unreferenced documents relies on that order (`RollupRepository.pruneDocuments`).
   * On SQLite, queued with the rollup's transactions (one connection: they must not nest).
   */
  async ingest(batch: UsageBatch, now = new Date()): Promise<'stored' | 'duplicate'> {
    return serialized(this.dataSource, () => this.store(batch, now));
  }

  private store(batch: UsageBatch, now: Date): Promise<'stored' | 'duplicate'> {
    return this.dataSource.transaction(async (manager) => {
      if (await manager.existsBy(ReceivedBatch, { id: batch.id })) return 'duplicate';
      await manager.insert(ReceivedBatch, { id: batch.id, receivedAt: now });
      const rows = batch.rows.map(minuteRow);
      for (let i = 0; i < rows.length; i += INSERT_CHUNK)
        await manager.insert(UsageRow, rows.slice(i, i + INSERT_CHUNK));
      if (batch.documents.length > 0) {
        const documents = batch.documents.map((d) => ({ documentHash: d.hash, firstSeen: now }));
        const fields = batch.documents.flatMap((d) =>
          d.coordinates.map((coordinate) => ({ coordinate, documentHash: d.hash })),
        );
        // A document another batch (or another gateway) reported first keeps its rows. Its row in
        // usage_document is inserted or, when present, share-locked by the insert: what a
        // concurrent pruning of the document waits for.
        for (let i = 0; i < documents.length; i += INSERT_CHUNK)
          await manager
            .createQueryBuilder()
            .insert()
            .into(UsageDocument)
            .values(documents.slice(i, i + INSERT_CHUNK))
            .orIgnore()
            .execute();
        for (let i = 0; i < fields.length; i += INSERT_CHUNK)
          await manager
            .createQueryBuilder()
            .insert()
            .into(UsageDocumentField)
            .values(fields.slice(i, i + INSERT_CHUNK))
            .orIgnore()
            .execute();
      }
      return 'stored';
    });
  }

  /** The buckets of a window with at least one operation, oldest first (one statement). */
  async buckets(window: UsageWindow, filter: UsageFilter): Promise<UsageBucketTotals[]> {
    let query = this.windowRows(window);
    if (filter.memberId !== null) query = query.andWhere('r.memberId = :memberId', { memberId: filter.memberId });
    if (filter.operation !== null)
      query = query.andWhere('r.operationName = :operation', { operation: filter.operation });
    if (filter.client !== null) query = query.andWhere('r.clientName = :client', { client: filter.client });
    return bucketsOf(await query.getMany(), window.granularity);
  }

  /** {@link buckets} of each member in `memberIds` (one statement for all of them). */
  async bucketsByMember(window: UsageWindow, memberIds: readonly string[]): Promise<Map<string, UsageBucketTotals[]>> {
    const rows = await this.windowRows(window)
      .addSelect('r.memberId')
      .andWhere('r.memberId IN (:...memberIds)', { memberIds })
      .getMany();
    const byMember = new Map<string, UsageRow[]>(memberIds.map((id) => [id, []]));
    for (const row of rows) byMember.get(row.memberId!)?.push(row);
    return new Map([...byMember].map(([id, own]) => [id, bucketsOf(own, window.granularity)]));
  }

  /** The rows of a window (figures only), each operation once. */
  private windowRows(window: UsageWindow): SelectQueryBuilder<UsageRow> {
    const query = this.dataSource
      .getRepository(UsageRow)
      .createQueryBuilder('r')
      .select([
        'r.id',
        'r.bucketStart',
        'r.operations',
        'r.errors',
        'r.errorCodes',
        'r.bytes',
        'r.latency',
        'r.lastSeen',
      ])
      .where('r.bucketStart >= :start AND r.bucketStart < :end', { start: window.start, end: window.end });
    return rowsOfWidth(query, window.granularity);
  }

  /** Who selected `coordinate` in the hours of `window` (one statement, summed in the database). */
  async fieldUsage(coordinate: string, window: UsageWindow): Promise<FieldUsageTotals> {
    const query = rowsOfWidth(
      this.dataSource
        .getRepository(UsageRow)
        .createQueryBuilder('r')
        .select('r.memberId', 'member_id')
        .addSelect('r.clientName', 'client_name')
        .addSelect('r.clientVersion', 'client_version')
        .addSelect('r.operationName', 'operation_name')
        .addSelect('SUM(r.operations)', 'operations')
        .addSelect('MAX(r.lastSeen)', 'last_seen')
        .where(
          'r.documentHash IN (SELECT f.document_hash FROM usage_document_field f WHERE f.coordinate = :coordinate)',
          { coordinate },
        )
        .andWhere('r.bucketStart >= :start AND r.bucketStart < :end', { start: window.start, end: window.end }),
      window.granularity,
    )
      .groupBy('r.memberId')
      .addGroupBy('r.clientName')
      .addGroupBy('r.clientVersion')
      .addGroupBy('r.operationName');
    const rows = await query.getRawMany<{
      member_id: string | null;
      client_name: string | null;
      client_version: string | null;
      operation_name: string | null;
      operations: number | string;
      last_seen: unknown;
    }>();
    let operations = 0;
    let lastSeen: Date | null = null;
    const members = new Set<string>();
    const clients = new Set<string>();
    const names = new Set<string>();
    for (const row of rows) {
      operations += Number(row.operations);
      const seen = storedDate(row.last_seen);
      if (seen && (!lastSeen || seen > lastSeen)) lastSeen = seen;
      if (row.member_id) members.add(row.member_id);
      if (row.client_name)
        clients.add(row.client_version ? `${row.client_name}/${row.client_version}` : row.client_name);
      if (row.operation_name) names.add(row.operation_name);
    }
    return {
      coordinate,
      operations,
      members: [...members].sort().map((id) => entityRef(id)),
      clients: [...clients].sort(),
      operationNames: [...names].sort(),
      lastSeen,
    };
  }
}
