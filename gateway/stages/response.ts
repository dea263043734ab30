import { AsyncLocalStorage } from 'node:async_hooks';
import type { NextFunction, Request, Response } from 'express';
import type { GraphQLFormattedError } from 'graphql';
import { requestIdFrom } from '../../subgraphs/kit/context';
import { writeError } from '../../subgraphs/kit/errors';
import type { Identity } from '../../subgraphs/kit/identity';
import type { Logger } from '../../subgraphs/kit/logger';
import type { GatewayMetrics } from '../metrics';
import type { GatewayStage } from '../stage';

/**
 * The one exit point of the gateway. Every answer on `/graphql` (a result, a GraphQL error,
 * a refusal by any stage, a response-cache hit) leaves through here:
 * - the request id is fixed on arrival ({@link assignRequestId}) and sent as `x-request-id`;
 * - stages note what they learn in the request's {@link RequestRecord} (identity, operation,
 *   error codes, a cache hit) and refuse with {@link refuse}, the gateway's one error writer;
 * - when the response head is written (for a `multipart/mixed` answer of `@defer`: when its
 *   last part is), exactly once per request, the record becomes the
 *   single log line `graphql request` and the request metrics (`graphql_requests_total`,
 *   `graphql_request_duration_seconds`, `graphql_requests_in_flight`).
 * Requests Node's HTTP parser refuses never become requests; `server.ts` counts those.
 */

/** What the gateway learns about one request on its way through the pipeline. */
export interface RequestRecord {
  requestId: string;
  /** Who is calling, once the identity stage has run. */
  identity?: Identity;
  /** The operation's name: as resolved by GraphQL, or as sent for a cache hit. */
  operationName?: string | null;
  /** The codes of the errors the response carries, in order, without repeats. */
  errorCodes: string[];
  /** Why the request was refused: the first error's message, as the client reads it. */
  reason?: string;
  /** Answered from the response cache. */
  cached?: boolean;
  /** The stage whose handler ran last (`pipeline.ts` notes it): for a refusal, the stage that refused. */
  stage?: string;
  /** The id of the request's trace, when it is traced and sampled (`stages/tracing.ts`). */
  traceId?: string;
}

/** How a request ended, as the exit point saw it: what {@link ResponseObserver}s receive. */
export interface RequestEnd {
  /** The HTTP status; undefined when the client left before the answer (`aborted`). */
  status: number | undefined;
  outcome: 'ok' | 'error' | 'rejected' | 'aborted';
  /** From arrival to the response head (to the last part for `multipart/mixed`). */
  seconds: number;
  /** Bytes of the response body (all parts for `multipart/mixed`). */
  bytes: number;
}

/**
 * Called once per request at the exit point, after the log line (e.g. usage recording,
 * `stages/usage.ts`). Must be quick and must not throw: a throwing observer is logged and skipped.
 */
export type ResponseObserver = (record: RequestRecord, end: RequestEnd, res: Response) => void;

interface RecordLocals {
  record?: RequestRecord;
}

/** The record of the request `res` answers; made on first use. */
export function recordOf(res: Response): RequestRecord {
  const locals = res.locals as RecordLocals;
  locals.record ??= { requestId: requestIdFrom(res.req.headers), errorCodes: [] };
  return locals.record;
}

/**
 * First handler of both listeners: fixes the request id (the client's `x-request-id` when
 * well-formed, else a fresh one) and sets the response header, before anything can answer.
 */
export function assignRequestId(_req: Request, res: Response, next: NextFunction): void {
  res.set('x-request-id', recordOf(res).requestId);
  next();
}

/** Notes an error code (and, for the first error, the reason) in the record. */
export function noteError(record: RequestRecord, code: string, message: string): void {
  if (!record.errorCodes.includes(code)) record.errorCodes.push(code);
  record.reason ??= message;
}

/**
 * The gateway's error writer for answers outside Apollo Server: one coded error in the
 * GraphQL response shape, carrying the request id, noted in the record for the log line.
 */
export function refuse(res: Response, status: number, code: string, message: string): void {
  const record = recordOf(res);
  noteError(record, code, message);
  writeError(res, status, code, message, record.requestId, record.traceId);
}

// The record of the request Apollo Server is serving, for hooks that get no `res` (formatError).
const serving = new AsyncLocalStorage<RequestRecord>();

/**
 * Runs the rest of the request (Apollo Server's work) with its record in scope. Entered
 * after the body is read: the body parser calls `next` from a stream event, outside any scope.
 */
export function enterRequestScope(_req: Request, res: Response, next: NextFunction): void {
  serving.run(recordOf(res), next);
}

/** The record of the request Apollo Server is serving now, for plugins (undefined outside a request). */
export function servingRecord(): RequestRecord | undefined {
  return serving.getStore();
}

/**
 * For Apollo Server's `formatError`: adds the request id (and the trace id, when traced) to an
 * error and notes its code.
 * Apollo Server formats every error it answers, those it refuses before any plugin runs
 * (no query, a non-string operationName, CSRF) included.
 */
export function noteFormattedError(error: GraphQLFormattedError): GraphQLFormattedError {
  const record = serving.getStore();
  if (!record) return error;
  noteError(record, String(error.extensions?.code ?? 'UNKNOWN'), error.message);
  const { requestId, traceId } = record;
  return { ...error, extensions: { ...error.extensions, requestId, ...(traceId ? { traceId } : {}) } };
}

/** Whether the response is written in parts (`multipart/mixed`: `@defer`'s incremental delivery). */
function isMultipart(res: Response): boolean {
  const type = res.getHeader('content-type');
  return typeof type === 'string' && type.startsWith('multipart/mixed');
}

/** Calls `hook` with the status just before the response head is written (Node writes it once). */
function beforeHead(res: Response, hook: (status: number) => void): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: Response, ...args: unknown[]) {
    hook(typeof args[0] === 'number' ? args[0] : this.statusCode);
    return (writeHead as (...a: unknown[]) => Response).apply(this, args);
  } as typeof res.writeHead;
}

/** Calls `count` with the size of each chunk written to `res` from now on. */
function countWrites(res: Response, count: (bytes: number) => void): void {
  const write = res.write;
  res.write = function (this: Response, chunk: unknown, ...rest: unknown[]) {
    if (typeof chunk === 'string') count(Buffer.byteLength(chunk));
    else if (chunk instanceof Uint8Array) count(chunk.byteLength);
    return (write as (...a: unknown[]) => boolean).apply(this, [chunk, ...rest]);
  } as typeof res.write;
}

/**
 * The response stage: mounted first on `/graphql` so that it sees every answer. Writes the
 * log line (operation, member, role, status, duration, outcome, codes, the trace id when
 * traced; never variables or credentials) and the metrics when the head is written, before the client can read a byte.
 */
export function responseStage(
  metrics: GatewayMetrics,
  logger: Logger,
  observers: readonly ResponseObserver[] = [],
): GatewayStage {
  return {
    name: 'response',
    onRequest: [
      (req, res, next) => {
        // A CORS preflight asks the browser's question, not a GraphQL one: neither logged nor counted.
        if (req.method === 'OPTIONS') return next();
        const record = recordOf(res);
        const started = process.hrtime.bigint();
        // Bytes of a multipart answer, counted as its parts are written (a whole answer has its length).
        let partBytes = 0;
        metrics.inFlight.inc();
        const finish = (status: number | undefined) => {
          metrics.inFlight.dec();
          const outcome =
            status === undefined ? 'aborted' : status >= 400 ? 'rejected' : record.errorCodes.length ? 'error' : 'ok';
          const operation = metrics.operationLabel(record.operationName);
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          if (status !== undefined) {
            metrics.requests.inc({ operation, outcome });
            metrics.requestDuration.observe({ operation, outcome }, seconds);
          }
          logger.info(
            {
              requestId: record.requestId,
              operation: record.operationName ?? null,
              member: record.identity?.memberId ?? null,
              role: record.identity?.role ?? null,
              status: status ?? null,
              durationMs: Math.round(seconds * 1000),
              outcome,
              ...(record.errorCodes.length ? { errorCodes: record.errorCodes } : {}),
              ...(outcome === 'rejected' && record.reason ? { reason: record.reason } : {}),
              ...(record.cached ? { cached: true } : {}),
              ...(record.traceId ? { traceId: record.traceId } : {}),
            },
            'graphql request',
          );
          if (observers.length === 0) return;
          const length = Number(res.getHeader('content-length'));
          const end = { status, outcome, seconds, bytes: Number.isFinite(length) ? length : partBytes } as const;
          for (const observe of observers) {
            try {
              observe(record, end, res);
            } catch (error) {
              logger.error({ err: error }, 'a response observer failed');
            }
          }
        };
        let ended = false;
        const end = (status: number | undefined) => {
          if (ended) return;
          ended = true;
          finish(status);
        };
        beforeHead(res, (status) => {
          // Incremental delivery (@defer): the answer ends with its last part, not with its head.
          if (isMultipart(res)) {
            if (observers.length > 0) countWrites(res, (n) => (partBytes += n));
            res.once('finish', () => end(status));
          } else end(status);
        });
        // A client that leaves before any answer (or before the last part) ends its request: logged as aborted.
        res.once('close', () => end(undefined));
        next();
      },
    ],
    plugins: [
      {
        async requestDidStart() {
          return {
            async didResolveOperation({ operationName }) {
              const record = serving.getStore();
              if (record) record.operationName = operationName;
            },
          };
        },
      },
    ],
  };
}
