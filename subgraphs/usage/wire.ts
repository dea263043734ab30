/**
 * What the gateway sends to `POST /internal/usage` (see `ingest-endpoint.ts`): one batch of rows
 * aggregated per minute and series, and the schema coordinates of each document the rows name.
 * Shared by the gateway's recorder (`gateway/stages/usage.ts`) and this subgraph's validation.
 */

/** Path of the ingest endpoint; not part of the public graph. */
export const USAGE_INGEST_PATH = '/internal/usage';
/** Path of the member budgets the gateway enforces (`quota-endpoint.ts`). */
export const USAGE_QUOTAS_PATH = '/internal/quotas';

/** Every member budget with this month's use, as the gateway reads it. */
export interface QuotaSnapshot {
  /** The month's first instant (UTC, ISO 8601). */
  month: string;
  /** The next month's first instant: when the counts start again. */
  resetsAt: string;
  quotas: Array<{ memberId: string; monthlyOperations: number; used: number }>;
}

/** How an operation ended: answered without errors, with errors, refused by a stage (HTTP 4xx/5xx), or left by the client. */
export type UsageOutcome = 'ok' | 'error' | 'rejected' | 'aborted';
export const USAGE_OUTCOMES: readonly UsageOutcome[] = ['ok', 'error', 'rejected', 'aborted'];

/** Longest strings a row may carry; the gateway cuts what it records to these. */
export const USAGE_LIMITS = {
  /** Rows in one batch. */
  rows: 5000,
  /** Documents in one batch. */
  documents: 5000,
  /** Coordinates of one document. */
  coordinates: 2000,
  id: 64,
  clientName: 100,
  clientVersion: 50,
  operationName: 200,
  documentHash: 64,
  stage: 32,
  code: 64,
  /** Distinct error codes of one row. */
  codes: 20,
  coordinate: 300,
} as const;

/** One aggregated row: the operations of one series in one minute. */
export interface UsageRowInput {
  /** The minute, as epoch milliseconds (a multiple of 60,000). */
  minute: number;
  memberId: string | null;
  keyId: string | null;
  clientName: string | null;
  clientVersion: string | null;
  operationName: string | null;
  documentHash: string | null;
  outcome: UsageOutcome;
  /** The pipeline stage that refused the operations (`rejected` only), e.g. `identity`. */
  refusedStage: string | null;
  operations: number;
  /** Operations with at least one error (or refused). */
  errors: number;
  /** Operations by error code. */
  errorCodes: Record<string, number>;
  bytes: number;
  /** Latency histogram (`latency.ts`): `[bucket, count]` pairs. */
  latency: Array<[number, number]>;
  /** The last operation's time, epoch milliseconds. */
  lastSeen: number;
}

/** The fields a document selects, as `Type.field`. */
export interface UsageDocumentInput {
  hash: string;
  coordinates: string[];
}

/** One batch; `id` makes a retried batch count once. */
export interface UsageBatch {
  id: string;
  rows: UsageRowInput[];
  documents: UsageDocumentInput[];
}
