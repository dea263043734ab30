import { createHash, randomUUID } from 'node:crypto';
import type { GraphQLRequestListener } from '@apollo/server';
import {
  type DocumentNode,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  TypeInfo,
  getNamedType,
  print,
  separateOperations,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { LRUCache } from 'lru-cache';
// undici's fetch rather than the global one: see auth.ts.
import { fetch } from 'undici';
import { Counter, Gauge } from 'prom-client';
import {
  ANONYMOUS,
  ASSERTION_HEADER,
  type AssertionKey,
  IDENTITY_AUDIENCE,
  signAssertion,
} from '../../subgraphs/kit/identity';
import type { Logger } from '../../subgraphs/kit/logger';
import type { GatewayContext } from '../datasource';
import { latencyBucket } from '../../subgraphs/usage/latency';
import {
  USAGE_INGEST_PATH,
  USAGE_LIMITS,
  type UsageBatch,
  type UsageOutcome,
  type UsageRowInput,
} from '../../subgraphs/usage/wire';
import type { GatewayMetrics } from '../metrics';
import type { GatewayStage } from '../stage';
import { type RequestEnd, type RequestRecord, type ResponseObserver, servingRecord } from './response';

/**
 * Usage recording: for every answer the exit point (`response.ts`) sees, one count in an
 * in-memory row per minute and series (member, key, client name and version, operation name,
 * document hash, outcome, refusing stage), with error codes, a latency histogram
 * (`subgraphs/usage/latency.ts`) and bytes. Rows are sent in batches to the usage subgraph's
 * signed internal endpoint (`POST /internal/usage`), off the request path: a request only adds
 * to a row; nothing it waits for reads or writes the network.
 *
 * The document's hash (SHA-256 of the operation printed with its literals blanked, so spacing,
 * comments and literal values do not change it) and the schema coordinates it selects
 * (`Type.field` for each field of the operation and the fragments it spreads, `__` fields left
 * out) are computed once per parsed document, beside Apollo Server's document cache (a WeakMap
 * on the cached document), as the operation limits are.
 *
 * Flushing: every `USAGE_FLUSH_MS`, or as soon as `USAGE_FLUSH_ROWS` rows are held, in batches
 * of at most that many rows. A batch that fails (subgraph down, timeout, refusal) is kept and
 * sent again, oldest first, before newer rows; a batch id makes a retried batch count once. The
 * gateway holds at most `USAGE_BUFFER_ROWS` rows (unsent plus kept): when a new row would pass
 * the bound, the oldest kept batch is dropped whole; with no kept batch left, the new operation
 * itself is dropped (operations of series that already have a row this minute still add). What
 * is dropped is counted on `/metrics` (`usage_dropped_operations_total`); a failure never fails
 * a request.
 */

/** The gateway's usage settings (`gateway/config.ts`). */
export interface UsageSettings {
  /** `USAGE_RECORDING` (on by default); recording also needs the usage subgraph in the supergraph. */
  enabled: boolean;
  /** The subgraph batches go to (`USAGE_SUBGRAPH`, `usage`). */
  subgraph: string;
  flushMs: number;
  flushRows: number;
  bufferRows: number;
}

/** What one document contributes to every row of its operations. */
interface DocumentUsage {
  hash: string;
  coordinates: string[];
}

/** A row being counted: the wire row with its histogram as a map. */
interface Aggregate {
  row: Omit<UsageRowInput, 'latency'>;
  latency: Map<number, number>;
  document: DocumentUsage | undefined;
}

/** Per parsed document (Apollo Server's cache hands every request of a text the same node), per operation name. */
const usageOfDocuments = new WeakMap<DocumentNode, Map<string, DocumentUsage>>();
/** The document usage of each request, noted by the plugin for the exit point. */
const usageOfRequests = new WeakMap<RequestRecord, DocumentUsage>();

/**
 * Document usage by operation name and query text, for the answers the response cache gives
 * before GraphQL runs (no document is parsed for them): the text was resolved when its answer was
 * stored. Bounded; a hit whose text has gone counts without a document (no fields).
 */
const usageOfTexts = new LRUCache<string, { usage: DocumentUsage; operationName: string | null }>({ max: 2000 });
const textKey = (operationName: unknown, query: string) =>
  `${typeof operationName === 'string' ? operationName : ''}\u0000${query}`;

/** The operation `operationName` picks from `document` with the fragments it spreads. */
function operationDocument(document: DocumentNode, operationName: string | null): DocumentNode {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  if (operations.length <= 1) return document;
  return separateOperations(document)[operationName ?? ''] ?? document;
}

/** The hash and coordinates of one operation of a document, computed once per document. */
export function documentUsage(
  document: DocumentNode,
  operationName: string | null,
  schema: GraphQLSchema,
): DocumentUsage {
  let byName = usageOfDocuments.get(document);
  if (!byName) usageOfDocuments.set(document, (byName = new Map()));
  const known = byName.get(operationName ?? '');
  if (known) return known;
  const operation = operationDocument(document, operationName);
  const blanked = visit(operation, {
    StringValue: (node) => ({ ...node, value: '', block: false }),
    IntValue: (node) => ({ ...node, value: '0' }),
    FloatValue: (node) => ({ ...node, value: '0' }),
  });
  const coordinates = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    operation,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        if (!parent || node.name.value.startsWith('__')) return;
        const type = getNamedType(parent);
        if (type.name.startsWith('__')) return;
        coordinates.add(`${type.name}.${node.name.value}`);
      },
    }),
  );
  const usage = {
    hash: createHash('sha256').update(print(blanked)).digest('hex'),
    coordinates: [...coordinates].sort().slice(0, USAGE_LIMITS.coordinates),
  };
  byName.set(operationName ?? '', usage);
  return usage;
}

/** A header's value cut to `max` characters, or null. */
function header(res: RequestEndResponse, names: readonly string[], max: number): string | null {
  for (const name of names) {
    const value = res.req.headers[name];
    if (typeof value === 'string' && value !== '') return value.slice(0, max);
  }
  return null;
}
type RequestEndResponse = Parameters<ResponseObserver>[2];

const CLIENT_NAME = ['apollographql-client-name', 'graphql-client-name'] as const;
const CLIENT_VERSION = ['apollographql-client-version', 'graphql-client-version'] as const;

/** Told when a flush begins and how it ended (the quota book, `quota.ts`). */
export interface FlushListener {
  flushBegins(): void;
  flushEnded(sent: boolean): Promise<void>;
}

/** Where and how batches are sent. */
export interface UsageTarget {
  /** The usage subgraph's GraphQL URL, once the supergraph names it; undefined turns recording off. */
  url: () => string | undefined;
  assertionKey: AssertionKey;
}

/**
 * The in-memory rows and their flushing. `record` is what a request pays; `flush` sends (tests
 * call it to see their traffic without waiting for the timer).
 */
export class UsageRecorder {
  private current = new Map<string, Aggregate>();
  /** Batches that failed, oldest first, sent again before newer rows. */
  private readonly kept: UsageBatch[] = [];
  private keptRows = 0;
  private flushing: Promise<void> | undefined;
  /** A flush asked for by the row count and not begun yet (reset when one begins): one is enough, however many requests pass the count. */
  private flushAsked = false;
  /** Told about every flush (the quota book). */
  listener: FlushListener | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly flushes: Counter<'outcome'>;
  private readonly dropped: Counter;
  private readonly buffered: Gauge;

  constructor(
    private readonly settings: UsageSettings,
    private readonly target: UsageTarget,
    metrics: GatewayMetrics,
    private readonly logger: Logger,
  ) {
    this.flushes = new Counter({
      name: 'usage_flushes_total',
      help: 'Usage batches sent to the usage subgraph, by outcome (ok, failed: kept and sent again).',
      labelNames: ['outcome'] as const,
      registers: [metrics.registry],
    });
    this.dropped = new Counter({
      name: 'usage_dropped_operations_total',
      help: 'Recorded operations dropped because USAGE_BUFFER_ROWS rows were held unsent.',
      registers: [metrics.registry],
    });
    this.buffered = new Gauge({
      name: 'usage_buffered_rows',
      help: 'Usage rows held in memory, unsent or kept after a failed flush.',
      registers: [metrics.registry],
      collect: () => this.buffered.set(this.current.size + this.keptRows),
    });
    this.timer = setInterval(() => void this.flush(), settings.flushMs);
    this.timer.unref();
  }

  /** Counts one answered request (the exit point's observer). */
  readonly observe: ResponseObserver = (record, end, res) => {
    if (!this.target.url()) return;
    const identity = record.identity ?? ANONYMOUS;
    // A response-cache hit was never resolved: its document and operation name are those of its text.
    const cached = record.cached ? cachedDocumentUsage(res) : undefined;
    const document = usageOfRequests.get(record) ?? cached?.usage;
    const operationName = record.operationName ?? cached?.operationName;
    const now = Date.now();
    const minute = now - (now % 60_000);
    const outcome: UsageOutcome = end.outcome;
    const row = {
      minute,
      memberId: identity.memberId,
      keyId: identity.keyId,
      clientName: header(res, CLIENT_NAME, USAGE_LIMITS.clientName),
      clientVersion: header(res, CLIENT_VERSION, USAGE_LIMITS.clientVersion),
      operationName: operationName ? operationName.slice(0, USAGE_LIMITS.operationName) : null,
      documentHash: document?.hash ?? null,
      outcome,
      refusedStage: outcome === 'rejected' ? (record.stage ?? null) : null,
    };
    const key = `${minute}\u0000${row.memberId}\u0000${row.keyId}\u0000${row.clientName}\u0000${row.clientVersion}\u0000${row.operationName}\u0000${row.documentHash}\u0000${outcome}\u0000${row.refusedStage}`;
    let aggregate = this.current.get(key);
    if (!aggregate) {
      if (!this.makeRoom()) {
        this.dropped.inc();
        return;
      }
      aggregate = {
        row: { ...row, operations: 0, errors: 0, errorCodes: {}, bytes: 0, lastSeen: now },
        latency: new Map(),
        document,
      };
      this.current.set(key, aggregate);
    }
    add(aggregate, record, end, now);
    // After adding: a flush takes the rows as they are now.
    if (this.current.size >= this.settings.flushRows && !this.flushAsked) {
      this.flushAsked = true;
      void this.flush();
    }
  };

  /** Makes room for one more row within the bound: drops the oldest kept batch if needed. */
  private makeRoom(): boolean {
    while (this.current.size + this.keptRows >= this.settings.bufferRows) {
      const oldest = this.kept.shift();
      if (!oldest) return false;
      this.keptRows -= oldest.rows.length;
      this.dropped.inc(oldest.rows.reduce((sum, row) => sum + row.operations, 0));
    }
    return true;
  }

  /**
   * Sends what is held: kept batches first, then the current rows, in batches of at most
   * `USAGE_FLUSH_ROWS`. One flush at a time; a call during a flush waits for it and flushes again.
   */
  async flush(timeoutMs = 10_000): Promise<void> {
    while (this.flushing) await this.flushing;
    this.flushAsked = false;
    this.flushing = this.sendAll(timeoutMs).finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  private async sendAll(timeoutMs: number): Promise<void> {
    const url = this.target.url();
    if (!url) return;
    const rows = [...this.current.values()];
    this.current = new Map();
    for (let i = 0; i < rows.length; i += this.settings.flushRows) {
      this.kept.push(batchOf(rows.slice(i, i + this.settings.flushRows)));
      this.keptRows += Math.min(this.settings.flushRows, rows.length - i);
    }
    this.listener?.flushBegins();
    let sent = true;
    while (this.kept.length > 0) {
      const batch = this.kept[0]!;
      if (!(await this.send(url, batch, timeoutMs))) {
        sent = false;
        break;
      }
      // Dropped meanwhile (the bound) or sent: either way no longer held.
      if (this.kept[0] === batch) {
        this.kept.shift();
        this.keptRows -= batch.rows.length;
      }
    }
    await this.listener?.flushEnded(sent);
  }

  /** Sends one batch; false when it failed (it stays kept). */
  private async send(url: string, batch: UsageBatch, timeoutMs: number): Promise<boolean> {
    try {
      const response = await fetch(new URL(USAGE_INGEST_PATH, url), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [ASSERTION_HEADER]: await signAssertion(ANONYMOUS, this.target.assertionKey, IDENTITY_AUDIENCE),
        },
        body: JSON.stringify(batch),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`the usage subgraph answered ${response.status}`);
      this.flushes.inc({ outcome: 'ok' });
      return true;
    } catch (error) {
      this.flushes.inc({ outcome: 'failed' });
      this.logger.warn(
        { reason: error instanceof Error ? error.message : String(error), heldRows: this.current.size + this.keptRows },
        'usage flush failed; keeping the batch to send again',
      );
      return false;
    }
  }

  /** Stops the timer and makes a last attempt to send what is held (2 s at most per batch: the process is stopping). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush(2000);
  }
}

/** The document usage and operation name of a response-cache hit, from its query text. */
function cachedDocumentUsage(
  res: RequestEndResponse,
): { usage: DocumentUsage; operationName: string | null } | undefined {
  const body = res.req.body as { query?: unknown; operationName?: unknown } | undefined;
  return typeof body?.query === 'string' ? usageOfTexts.get(textKey(body.operationName, body.query)) : undefined;
}

/** Adds one request to its row. */
function add(aggregate: Aggregate, record: RequestRecord, end: RequestEnd, now: number): void {
  const { row } = aggregate;
  row.operations += 1;
  if (end.outcome === 'error' || end.outcome === 'rejected') row.errors += 1;
  for (const code of record.errorCodes) {
    if (code in row.errorCodes || Object.keys(row.errorCodes).length < USAGE_LIMITS.codes) {
      const name = code.slice(0, USAGE_LIMITS.code);
      row.errorCodes[name] = (row.errorCodes[name] ?? 0) + 1;
    }
  }
  row.bytes += end.bytes;
  const bucket = latencyBucket(end.seconds * 1000);
  aggregate.latency.set(bucket, (aggregate.latency.get(bucket) ?? 0) + 1);
  row.lastSeen = now;
}

/** A batch of rows with the coordinates of the documents they name. */
function batchOf(aggregates: readonly Aggregate[]): UsageBatch {
  const documents = new Map<string, DocumentUsage>();
  for (const { document } of aggregates) if (document) documents.set(document.hash, document);
  return {
    id: randomUUID(),
    rows: aggregates.map(({ row, latency }) => ({ ...row, latency: [...latency.entries()] })),
    documents: [...documents.values()].map(({ hash, coordinates }) => ({ hash, coordinates })),
  };
}

/**
 * The usage stage: no handler of its own; a plugin notes each operation's document usage when
 * GraphQL has resolved it, and the exit point calls {@link UsageRecorder.observe} (`pipeline.ts`
 * wires it). Closing makes a last flush.
 */
export function usageStage(recorder: UsageRecorder): GatewayStage {
  // One listener for every request: it keeps nothing per request (the record is in scope), so
  // there is no need to build one per request on the hot path.
  const listener: GraphQLRequestListener<GatewayContext> = {
    async didResolveOperation({ document, operationName, schema, request }) {
      const record = servingRecord();
      if (!record) return;
      const usage = documentUsage(document, operationName ?? null, schema);
      usageOfRequests.set(record, usage);
      // Only queries may be answered from the response cache, and only anonymous ones.
      if (typeof request.query === 'string' && !record.identity?.role) {
        const key = textKey(request.operationName, request.query);
        if (!usageOfTexts.has(key)) usageOfTexts.set(key, { usage, operationName: operationName ?? null });
      }
    },
  };
  return {
    name: 'usage',
    plugins: [{ requestDidStart: async () => listener }],
    close: () => recorder.close(),
  };
}
