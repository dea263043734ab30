import { createHash } from 'node:crypto';
import { type LatencyHistogram, decodeHistogram, encodeHistogram, mergeHistogram } from '../latency';
import type { Granularity, UsageRow } from '../entities';
import type { UsageRowInput } from '../wire';

// What every usage row carries, in memory: rows merge by adding their totals, whatever their width.

/** The dimensions that make a series: rows of one series and bucket merge into one. */
export interface SeriesDimensions {
  memberId: string | null;
  keyId: string | null;
  clientName: string | null;
  clientVersion: string | null;
  operationName: string | null;
  documentHash: string | null;
  outcome: string;
  refusedStage: string | null;
}

/** The figures of a row or of several merged. */
export interface UsageTotals {
  operations: number;
  errors: number;
  errorCodes: Record<string, number>;
  bytes: number;
  latency: LatencyHistogram;
  lastSeen: Date;
}

/** The series key stored with each row: a SHA-256 of its dimensions (so the index stays short on MySQL). */
export function seriesKey(d: SeriesDimensions): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        d.memberId,
        d.keyId,
        d.clientName,
        d.clientVersion,
        d.operationName,
        d.documentHash,
        d.outcome,
        d.refusedStage,
      ]),
    )
    .digest('hex');
}

export function emptyTotals(): UsageTotals {
  return { operations: 0, errors: 0, errorCodes: {}, bytes: 0, latency: new Map(), lastSeen: new Date(0) };
}

/** Adds `from` into `into`. */
export function addTotals(into: UsageTotals, from: UsageTotals): void {
  into.operations += from.operations;
  into.errors += from.errors;
  for (const [code, n] of Object.entries(from.errorCodes)) into.errorCodes[code] = (into.errorCodes[code] ?? 0) + n;
  into.bytes += from.bytes;
  mergeHistogram(into.latency, from.latency);
  if (from.lastSeen > into.lastSeen) into.lastSeen = from.lastSeen;
}

/** A stored row's totals (its columns as read). */
export function totalsOf(
  row: Pick<UsageRow, 'operations' | 'errors' | 'errorCodes' | 'bytes' | 'latency' | 'lastSeen'>,
): UsageTotals {
  return {
    operations: Number(row.operations),
    errors: Number(row.errors),
    errorCodes: JSON.parse(row.errorCodes) as Record<string, number>,
    bytes: Number(row.bytes),
    latency: decodeHistogram(row.latency),
    lastSeen: row.lastSeen,
  };
}

/** The columns a row stores for `totals`. */
export function totalsColumns(
  totals: UsageTotals,
): Pick<UsageRow, 'operations' | 'errors' | 'errorCodes' | 'bytes' | 'latency' | 'lastSeen'> {
  return {
    operations: totals.operations,
    errors: totals.errors,
    errorCodes: JSON.stringify(totals.errorCodes),
    bytes: totals.bytes,
    latency: encodeHistogram(totals.latency),
    lastSeen: totals.lastSeen,
  };
}

/** The dimensions of a row (stored or received). */
export function dimensionsOf(row: SeriesDimensions): SeriesDimensions {
  return {
    memberId: row.memberId,
    keyId: row.keyId,
    clientName: row.clientName,
    clientVersion: row.clientVersion,
    operationName: row.operationName,
    documentHash: row.documentHash,
    outcome: row.outcome,
    refusedStage: row.refusedStage,
  };
}

/** The minute row a received row becomes. */
export function minuteRow(input: UsageRowInput): Partial<UsageRow> {
  const dimensions = dimensionsOf(input);
  return {
    granularity: 'MINUTE' satisfies Granularity,
    bucketStart: new Date(input.minute),
    series: seriesKey(dimensions),
    ...dimensions,
    ...totalsColumns({
      operations: input.operations,
      errors: input.errors,
      errorCodes: input.errorCodes,
      bytes: input.bytes,
      latency: new Map(input.latency),
      lastSeen: new Date(input.lastSeen),
    }),
    rolled: false,
  };
}

/** A date column read raw: a Date from MySQL, `YYYY-MM-DD HH:MM:SS.SSS` (UTC) text from SQLite. */
export function storedDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  return new Date(`${String(value).replace(' ', 'T')}Z`);
}
