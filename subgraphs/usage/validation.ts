import { badUserInput } from '../kit/errors';
import type { Granularity } from './entities';
import { LATENCY_BUCKETS } from './latency';
import {
  USAGE_LIMITS,
  USAGE_OUTCOMES,
  type UsageBatch,
  type UsageDocumentInput,
  type UsageOutcome,
  type UsageRowInput,
} from './wire';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COORDINATE = /^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/;

/** Widths of the buckets, in ms (days are UTC days). */
export const BUCKET_MS: Readonly<Record<Granularity, number>> = { MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 };
/** Most buckets one window may span. */
export const MAX_BUCKETS = 1500;

/** A usage window, widened to whole buckets: [start, end). */
export interface UsageWindow {
  granularity: Granularity;
  start: Date;
  end: Date;
}

/** The start of the bucket of width `granularity` containing `time`. */
export function bucketStart(time: number, granularity: Granularity): number {
  const width = BUCKET_MS[granularity];
  return Math.floor(time / width) * width;
}

/**
 * `from`/`to` of a usage query, widened to the buckets that overlap them, or BAD_USER_INPUT:
 * `from` must come before `to`, and the window may span at most {@link MAX_BUCKETS} buckets.
 */
export function usageWindow(from: Date, to: Date, granularity: Granularity): UsageWindow {
  if (!(from.getTime() < to.getTime())) throw badUserInput('from must be before to', 'from');
  const start = bucketStart(from.getTime(), granularity);
  const end = bucketStart(to.getTime() - 1, granularity) + BUCKET_MS[granularity];
  const buckets = (end - start) / BUCKET_MS[granularity];
  if (buckets > MAX_BUCKETS) {
    throw badUserInput(
      `the window spans ${buckets} ${granularity.toLowerCase()} buckets, more than ${MAX_BUCKETS}: narrow it or choose a wider granularity`,
      'to',
    );
  }
  return { granularity, start: new Date(start), end: new Date(end) };
}

/** A member id argument: a UUID (every id in the graph is one), lower-cased. */
export function memberId(value: string, field = 'memberId'): string {
  if (!UUID.test(value))
    throw badUserInput(`${field} must be a member id (a UUID), got "${value.slice(0, 60)}"`, field);
  return value.toLowerCase();
}

/** Most operations a monthly budget may allow. */
const MAX_MONTHLY_OPERATIONS = 1_000_000_000;

/** A monthly budget: null (none) or 1 to {@link MAX_MONTHLY_OPERATIONS}. */
export function monthlyOperations(value: number | null | undefined, field = 'monthlyOperations'): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isInteger(value) || value < 1 || value > MAX_MONTHLY_OPERATIONS)
    throw badUserInput(`${field} must be 1 to ${MAX_MONTHLY_OPERATIONS}, or null to remove the budget`, field);
  return value;
}

/** An optional name filter (operation or client): trimmed, non-empty, at most `max` characters. */
export function nameFilter(value: string | null | undefined, field: string, max: number): string | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  if (trimmed === '' || trimmed.length > max)
    throw badUserInput(`${field} must be 1-${max} characters, or be left out for all`, field);
  return trimmed;
}

/** Most operations one `operationUsage` answers. */
export const MAX_OPERATIONS = 100;

/** `first` of `operationUsage`: 1 to {@link MAX_OPERATIONS}, or BAD_USER_INPUT (never a silent clamp). */
export function operationCount(value: number | null | undefined, field = 'first'): number {
  if (value === null || value === undefined) return 10;
  if (!Number.isInteger(value) || value < 1 || value > MAX_OPERATIONS)
    throw badUserInput(`${field} must be 1 to ${MAX_OPERATIONS}`, field);
  return value;
}

/** A schema coordinate `Type.field`, or BAD_USER_INPUT with an example. */
export function coordinate(value: string, field = 'coordinate'): string {
  const trimmed = value.trim();
  if (trimmed.length > USAGE_LIMITS.coordinate || !COORDINATE.test(trimmed))
    throw badUserInput(
      `${field} must be a field as Type.field (e.g. Content.summary), got "${value.slice(0, 60)}"`,
      field,
    );
  return trimmed;
}

/** Raised for a batch that is not what the gateway sends; the endpoint answers 400 with the message. */
export class BatchError extends Error {
  override readonly name = 'BatchError';
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function count(value: unknown, what: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw new BatchError(`${what} must be a whole number ≥ 0`);
  return value as number;
}

function optionalString(value: unknown, what: string, max: number): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string' || value.length === 0 || value.length > max)
    throw new BatchError(`${what} must be null or a string of 1-${max} characters`);
  return value;
}

function row(value: unknown, index: number): UsageRowInput {
  const at = `rows[${index}]`;
  if (!isObject(value)) throw new BatchError(`${at} must be an object`);
  const minute = count(value.minute, `${at}.minute`);
  if (minute % 60_000 !== 0) throw new BatchError(`${at}.minute must be a whole minute (epoch ms)`);
  const outcome = value.outcome as UsageOutcome;
  if (!USAGE_OUTCOMES.includes(outcome))
    throw new BatchError(`${at}.outcome must be one of ${USAGE_OUTCOMES.join(', ')}`);
  const operations = count(value.operations, `${at}.operations`);
  const errors = count(value.errors, `${at}.errors`);
  if (operations === 0 || errors > operations)
    throw new BatchError(`${at} must count 1 or more operations, errors at most as many`);
  if (!isObject(value.errorCodes)) throw new BatchError(`${at}.errorCodes must be an object`);
  const codes = Object.entries(value.errorCodes);
  if (codes.length > USAGE_LIMITS.codes)
    throw new BatchError(`${at}.errorCodes may hold at most ${USAGE_LIMITS.codes} codes`);
  const errorCodes: Record<string, number> = {};
  for (const [code, n] of codes) {
    if (code.length === 0 || code.length > USAGE_LIMITS.code)
      throw new BatchError(`${at}.errorCodes has a malformed code`);
    errorCodes[code] = count(n, `${at}.errorCodes.${code}`);
  }
  if (!Array.isArray(value.latency) || value.latency.length > LATENCY_BUCKETS)
    throw new BatchError(`${at}.latency must be a list of at most ${LATENCY_BUCKETS} [bucket, count] pairs`);
  const latency = value.latency.map((pair: unknown): [number, number] => {
    if (!Array.isArray(pair) || pair.length !== 2)
      throw new BatchError(`${at}.latency must hold [bucket, count] pairs`);
    const bucket = count(pair[0], `${at}.latency bucket`);
    if (bucket >= LATENCY_BUCKETS) throw new BatchError(`${at}.latency bucket must be below ${LATENCY_BUCKETS}`);
    return [bucket, count(pair[1], `${at}.latency count`)];
  });
  if (typeof value.bytes !== 'number' || !(value.bytes >= 0)) throw new BatchError(`${at}.bytes must be a number ≥ 0`);
  return {
    minute,
    memberId: optionalString(value.memberId, `${at}.memberId`, USAGE_LIMITS.id),
    keyId: optionalString(value.keyId, `${at}.keyId`, USAGE_LIMITS.id),
    clientName: optionalString(value.clientName, `${at}.clientName`, USAGE_LIMITS.clientName),
    clientVersion: optionalString(value.clientVersion, `${at}.clientVersion`, USAGE_LIMITS.clientVersion),
    operationName: optionalString(value.operationName, `${at}.operationName`, USAGE_LIMITS.operationName),
    documentHash: optionalString(value.documentHash, `${at}.documentHash`, USAGE_LIMITS.documentHash),
    outcome,
    refusedStage: optionalString(value.refusedStage, `${at}.refusedStage`, USAGE_LIMITS.stage),
    operations,
    errors,
    errorCodes,
    bytes: value.bytes,
    latency,
    lastSeen: count(value.lastSeen, `${at}.lastSeen`),
  };
}

function document(value: unknown, index: number): UsageDocumentInput {
  const at = `documents[${index}]`;
  if (!isObject(value)) throw new BatchError(`${at} must be an object`);
  const hash = optionalString(value.hash, `${at}.hash`, USAGE_LIMITS.documentHash);
  if (hash === null) throw new BatchError(`${at}.hash must be set`);
  if (!Array.isArray(value.coordinates) || value.coordinates.length > USAGE_LIMITS.coordinates)
    throw new BatchError(`${at}.coordinates must be a list of at most ${USAGE_LIMITS.coordinates}`);
  const coordinates = value.coordinates.map((c: unknown) => {
    if (typeof c !== 'string' || c.length > USAGE_LIMITS.coordinate || !COORDINATE.test(c))
      throw new BatchError(`${at}.coordinates must hold Type.field strings`);
    return c;
  });
  return { hash, coordinates: [...new Set(coordinates)] };
}

/** Checks a batch posted to the ingest endpoint; throws {@link BatchError} saying what is wrong. */
export function usageBatch(body: unknown): UsageBatch {
  if (!isObject(body)) throw new BatchError('the body must be a JSON object { id, rows, documents }');
  const id = optionalString(body.id, 'id', USAGE_LIMITS.id);
  if (id === null) throw new BatchError('id must be set');
  if (!Array.isArray(body.rows) || body.rows.length > USAGE_LIMITS.rows)
    throw new BatchError(`rows must be a list of at most ${USAGE_LIMITS.rows}`);
  if (!Array.isArray(body.documents) || body.documents.length > USAGE_LIMITS.documents)
    throw new BatchError(`documents must be a list of at most ${USAGE_LIMITS.documents}`);
  return { id, rows: body.rows.map(row), documents: body.documents.map(document) };
}
