import { Brackets, type DataSource, type SelectQueryBuilder } from 'typeorm';
import { serialized } from '../../kit/audit/mutations';
import { type EntityRef, entityRef } from '../../kit/refs';
import { ReceivedBatch, UsageDocument, UsageDocumentField, UsageRow, type Granularity } from '../entities';
import { percentile } from '../latency';
import { type UsageWindow, bucketStart } from '../validation';
import type { UsageBatch } from '../wire';
import { type UsageTotals, addTotals, emptyTotals, minuteRow, storedDate, totalsOf } from './rows';

/** The figures of summed usage rows, as the API answers them for a bucket and for an operation. */
export interface UsageFigures {
  operations: number;
  errors: number;
  errorsByCode: Array<{ code: string; count: number }>;
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyP99Ms: number;
  bytes: number;
}

/** One bucket as the API answers it. */
export interface UsageBucketTotals extends UsageFigures {
  start: Date;
  /** Refused operations by the stage that refused them, most frequent first. */
  refusals: Array<{ stage: string; count: number }>;
}

/** One operation (name and document) summed over a window, as `operationUsage` answers it. */
export interface OperationUsageTotals extends UsageFigures {
  operationName: string | null;
  documentHash: string | null;
  clients: string[];
  lastSeen: Date;
}

/** What `operationUsage` orders by. */
export type OperationOrder = 'OPERATIONS' | 'ERRORS' | 'LATENCY_P95';

/** Narrows `operationUsage` to a member, a client name. */
export interface OperationFilter {
  memberId: string | null;
  client: string | null;
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

/** Counts by name as a list, most frequent first, then by name. */
function countsOf(counts: Record<string, number>): Array<{ name: string; count: number }> {
  return Object.entries(counts)
    .map(([name, count]) => ({ name, count }))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}

/** Totals' figures as the API answers them (codes most frequent first, then by name). */
function figuresOf(totals: UsageTotals): UsageFigures {
  return {
    operations: totals.operations,
    errors: totals.errors,
    errorsByCode: countsOf(totals.errorCodes).map(({ name, count }) => ({ code: name, count })),
    latencyP50Ms: percentile(totals.latency, 0.5),
    latencyP95Ms: percentile(totals.latency, 0.95),
    latencyP99Ms: percentile(totals.latency, 0.99),
    bytes: totals.bytes,
  };
}

/** Rows summed into buckets of `granularity`, oldest first. */
function bucketsOf(rows: readonly UsageRow[], granularity: Granularity): UsageBucketTotals[] {
  const byBucket = new Map<number, { totals: UsageTotals; refusals: Record<string, number> }>();
  for (const row of rows) {
    const start = bucketStart(row.bucketStart.getTime(), granularity);
    let bucket = byBucket.get(start);
    if (!bucket) byBucket.set(start, (bucket = { totals: emptyTotals(), refusals: {} }));
    addTotals(bucket.totals, totalsOf(row));
    if (row.refusedStage !== null)
      bucket.refusals[row.refusedStage] = (bucket.refusals[row.refusedStage] ?? 0) + Number(row.operations);
  }
  return [...byBucket.entries()]
    .sort(([a], [b]) => a - b)
    .map(([start, { totals, refusals }]) => ({
      start: new Date(start),
      ...figuresOf(totals),
      refusals: countsOf(refusals).map(({ name, count }) => ({ stage: name, count })),
    }));
}

/**
 * The order of `operationUsage`: `difference` (a's measure minus b's) descending, then by
 * operation name and document hash (null first, then by code unit), so that ties always fall the same way.
 */
function byOrder(
  a: { operationName: string | null; documentHash: string | null },
  b: { operationName: string | null; documentHash: string | null },
  difference: number,
): number {
  if (difference !== 0) return -difference;
  const text = (x: string | null, y: string | null) =>
    x === y ? 0 : x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
  return text(a.operationName, b.operationName) || text(a.documentHash, b.documentHash);
}

/** A client as listed: `name/version`, or `name` without a version. */
const clientLabel = (name: string, version: string | null) => (version ? `${name}/${version}` : name);

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
        'r.refusedStage',
      ])
      .where('r.bucketStart >= :start AND r.bucketStart < :end', { start: window.start, end: window.end });
    return rowsOfWidth(query, window.granularity);
  }

  /**
   * The operations of a window (one per operation name and document), ordered by `order`, the
   * first `first`. Ordered by operations or errors: one statement sums each operation in the
   * database, and a second reads the rows of the chosen ones only, for their latency histograms,
   * error codes and clients (which the database cannot merge). Ordered by latency, every
   * operation's histogram is needed: one statement reads the rows of the window.
   */
  async operations(
    window: UsageWindow,
    filter: OperationFilter,
    order: OperationOrder,
    first: number,
  ): Promise<OperationUsageTotals[]> {
    const filtered = (query: SelectQueryBuilder<UsageRow>) => {
      let narrowed = rowsOfWidth(
        query.where('r.bucketStart >= :start AND r.bucketStart < :end', { start: window.start, end: window.end }),
        window.granularity,
      );
      if (filter.memberId !== null)
        narrowed = narrowed.andWhere('r.memberId = :memberId', { memberId: filter.memberId });
      if (filter.client !== null) narrowed = narrowed.andWhere('r.clientName = :client', { client: filter.client });
      return narrowed;
    };
    const key = (name: string | null, hash: string | null) => JSON.stringify([name, hash]);
    let chosen: Set<string> | undefined;
    // Raw rows: TypeORM's entity hydration costs more than the merge for a window of many rows.
    let detail = filtered(
      this.dataSource
        .getRepository(UsageRow)
        .createQueryBuilder('r')
        .select('r.operationName', 'operation_name')
        .addSelect('r.documentHash', 'document_hash')
        .addSelect('r.clientName', 'client_name')
        .addSelect('r.clientVersion', 'client_version')
        .addSelect('r.operations', 'operations')
        .addSelect('r.errors', 'errors')
        .addSelect('r.errorCodes', 'error_codes')
        .addSelect('r.bytes', 'bytes')
        .addSelect('r.latency', 'latency')
        .addSelect('r.lastSeen', 'last_seen'),
    );
    if (order !== 'LATENCY_P95') {
      const sums = await filtered(
        this.dataSource
          .getRepository(UsageRow)
          .createQueryBuilder('r')
          .select('r.operationName', 'operation_name')
          .addSelect('r.documentHash', 'document_hash')
          .addSelect('SUM(r.operations)', 'operations')
          .addSelect('SUM(r.errors)', 'errors'),
      )
        .groupBy('r.operationName')
        .addGroupBy('r.documentHash')
        .getRawMany<{
          operation_name: string | null;
          document_hash: string | null;
          operations: number | string;
          errors: number | string;
        }>();
      if (sums.length === 0) return [];
      const top = sums
        .map((row) => ({
          operationName: row.operation_name,
          documentHash: row.document_hash,
          operations: Number(row.operations),
          errors: Number(row.errors),
        }))
        .sort((a, b) => byOrder(a, b, order === 'ERRORS' ? a.errors - b.errors : a.operations - b.operations))
        .slice(0, first);
      chosen = new Set(top.map((t) => key(t.operationName, t.documentHash)));
      const hashes = [...new Set(top.map((t) => t.documentHash).filter((hash) => hash !== null))];
      const unhashed = top.some((t) => t.documentHash === null);
      detail = detail.andWhere(
        new Brackets((where) => {
          if (hashes.length === 0) where.where('r.documentHash IS NULL');
          else if (!unhashed) where.where('r.documentHash IN (:...hashes)', { hashes });
          else where.where('r.documentHash IN (:...hashes)', { hashes }).orWhere('r.documentHash IS NULL');
        }),
      );
    }
    const byOperation = new Map<
      string,
      { operationName: string | null; documentHash: string | null; totals: UsageTotals; clients: Set<string> }
    >();
    const rows = await detail.getRawMany<{
      operation_name: string | null;
      document_hash: string | null;
      client_name: string | null;
      client_version: string | null;
      operations: number | string;
      errors: number | string;
      error_codes: string;
      bytes: number | string;
      latency: string;
      last_seen: unknown;
    }>();
    for (const row of rows) {
      const k = key(row.operation_name, row.document_hash);
      // The rows of another operation on one of the chosen documents.
      if (chosen && !chosen.has(k)) continue;
      let operation = byOperation.get(k);
      if (!operation) {
        operation = {
          operationName: row.operation_name,
          documentHash: row.document_hash,
          totals: emptyTotals(),
          clients: new Set(),
        };
        byOperation.set(k, operation);
      }
      addTotals(
        operation.totals,
        totalsOf({
          operations: Number(row.operations),
          errors: Number(row.errors),
          errorCodes: row.error_codes,
          bytes: Number(row.bytes),
          latency: row.latency,
          lastSeen: storedDate(row.last_seen) ?? new Date(0),
        }),
      );
      if (row.client_name) operation.clients.add(clientLabel(row.client_name, row.client_version));
    }
    const answered = [...byOperation.values()].map(({ operationName, documentHash, totals, clients }) => ({
      operationName,
      documentHash,
      ...figuresOf(totals),
      clients: [...clients].sort(),
      lastSeen: totals.lastSeen,
    }));
    const measure = (a: OperationUsageTotals, b: OperationUsageTotals) =>
      order === 'LATENCY_P95'
        ? a.latencyP95Ms - b.latencyP95Ms
        : order === 'ERRORS'
          ? a.errors - b.errors
          : a.operations - b.operations;
    return answered.sort((a, b) => byOrder(a, b, measure(a, b))).slice(0, first);
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
      if (row.client_name) clients.add(clientLabel(row.client_name, row.client_version));
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
