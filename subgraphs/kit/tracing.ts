import type http from 'node:http';
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  type Tracer,
  context,
  createContextKey,
  trace,
} from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_SUMMARY,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVICE_NAME,
  DB_SYSTEM_NAME_VALUE_MARIADB,
  DB_SYSTEM_NAME_VALUE_MYSQL,
} from '@opentelemetry/semantic-conventions';
import type { DataSource, EntitySubscriberInterface, QueryRunner } from 'typeorm';
import { type Env, StartupError, envBool, envString } from './env';

/**
 * OpenTelemetry traces for the gateway and every subgraph, in one place: the configuration
 * (`OTEL_*` variables, read once at start-up), the tracer of a service, W3C `traceparent`
 * in and out, and the spans the kit makes itself (a subgraph's request, a DataLoader batch, an
 * SQL statement). The gateway's own spans are in `gateway/stages/tracing.ts`.
 *
 * Off unless `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set: then
 * the SDK is not even loaded, nothing is exported anywhere, and the request path pays one check
 * of a module flag ({@link activeTracing}). Spans are found through the request's context: a
 * service's request span carries its {@link Tracing}, so that code far from the server (loaders,
 * the database layer, the gateway's fetches) needs no tracer handed down, and several services in
 * one process (tests) each trace under their own `service.name`.
 */

/** How a service traces, from its environment; undefined when tracing is off. */
export interface TracingConfig {
  /** `service.name` (`OTEL_SERVICE_NAME`, else the service's own name). */
  serviceName: string;
  /** Where spans are sent: OTLP over HTTP (JSON encoding), the full `/v1/traces` URL. */
  tracesUrl: string;
  sampler: SamplerChoice;
}

/** The samplers of the OpenTelemetry specification (`OTEL_TRACES_SAMPLER`, with `OTEL_TRACES_SAMPLER_ARG`). */
export type SamplerChoice =
  | { kind: 'always_on' | 'always_off' | 'parentbased_always_on' | 'parentbased_always_off' }
  | { kind: 'traceidratio' | 'parentbased_traceidratio'; ratio: number };

const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

/** An http(s) URL from `name`, or a one-line start-up error naming it. */
function endpointUrl(env: Env, name: string): URL | undefined {
  const value = envString(env, name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new StartupError(`${name}="${value}" is not a URL (expected e.g. http://collector:4318)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new StartupError(
      `${name}="${value}" must be an http:// or https:// URL (OTLP over HTTP, e.g. http://collector:4318)`,
    );
  return url;
}

/**
 * Reads the standard OpenTelemetry variables a service honours: tracing is on when
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is) or `OTEL_EXPORTER_OTLP_ENDPOINT` (`/v1/traces`
 * appended) is set, and neither `OTEL_SDK_DISABLED=true` nor `OTEL_TRACES_EXPORTER=none` says
 * otherwise. `OTEL_SERVICE_NAME` overrides `service`; `OTEL_TRACES_SAMPLER` (and `_ARG`) picks
 * the sampler, parent-based always-on by default. Throws a one-line {@link StartupError} when
 * malformed. (`OTEL_EXPORTER_OTLP_HEADERS` and the exporter's timeouts are read by the exporter.)
 */
export function readTracingConfig(env: Env, service: string): TracingConfig | undefined {
  const tracesEndpoint = endpointUrl(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const endpoint = endpointUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const exporter = envString(env, 'OTEL_TRACES_EXPORTER', 'otlp');
  if (exporter !== 'otlp' && exporter !== 'none')
    throw new StartupError(`OTEL_TRACES_EXPORTER="${exporter}" is not supported (use otlp, or none)`);
  const sampler = readSampler(env);
  if (envBool(env, 'OTEL_SDK_DISABLED', false) || exporter === 'none') return undefined;
  if (!tracesEndpoint && !endpoint) return undefined;
  let tracesUrl = tracesEndpoint?.toString();
  if (!tracesUrl && endpoint) {
    // The specification's rule for the signal-less variable: the path `v1/traces` is appended.
    endpoint.pathname = `${endpoint.pathname.replace(/\/$/, '')}/v1/traces`;
    tracesUrl = endpoint.toString();
  }
  return { serviceName: envString(env, 'OTEL_SERVICE_NAME', service), tracesUrl: tracesUrl!, sampler };
}

function readSampler(env: Env): SamplerChoice {
  const kind = envString(env, 'OTEL_TRACES_SAMPLER', 'parentbased_always_on');
  if (!(SAMPLERS as readonly string[]).includes(kind))
    throw new StartupError(`OTEL_TRACES_SAMPLER="${kind}" is not one of: ${SAMPLERS.join(', ')}`);
  if (kind !== 'traceidratio' && kind !== 'parentbased_traceidratio')
    return { kind: kind as Exclude<SamplerChoice['kind'], 'traceidratio' | 'parentbased_traceidratio'> };
  const arg = envString(env, 'OTEL_TRACES_SAMPLER_ARG', '1');
  const ratio = Number(arg);
  if (!/^\d*\.?\d+$/.test(arg) || ratio < 0 || ratio > 1)
    throw new StartupError(`OTEL_TRACES_SAMPLER_ARG="${arg}" must be a ratio between 0 and 1`);
  return { kind, ratio };
}

/** A service's tracer, and what its spans need to join a trace. */
export interface Tracing {
  readonly serviceName: string;
  readonly tracer: Tracer;
  /** W3C Trace Context (`traceparent`, `tracestate`). */
  readonly propagator: TextMapPropagator;
  /** Sends what was ended and not exported yet (tests read an in-memory exporter after it). */
  flush(): Promise<void>;
  /** Exports what is left and stops. */
  shutdown(): Promise<void>;
}

/** What {@link startTracing} may be given instead of the OTLP exporter (tests: an in-memory one). */
export interface TracingSeams {
  exporter?: SpanExporter;
}

// Set once any service of this process traces: until then every check below is this flag alone.
let tracingStarted = false;
const TRACING = createContextKey('alliance tracing');

/**
 * Loads the SDK and starts a service's tracer: spans batched and sent over OTLP/HTTP to the
 * configured endpoint (or to `seams.exporter`, e.g. in-memory, simply processed), with
 * `service.name`. The context of a request follows its async work (AsyncLocalStorage); the
 * global context manager is installed by the first service to trace in this process.
 */
export async function startTracing(config: TracingConfig, seams: TracingSeams = {}): Promise<Tracing> {
  // Loaded here, not at the top: a service that does not trace never loads the SDK.
  const sdk = await import('@opentelemetry/sdk-trace');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
  const processor = seams.exporter
    ? new sdk.SimpleSpanProcessor({ exporter: seams.exporter })
    : new sdk.BatchSpanProcessor({
        exporter: new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter({
          url: config.tracesUrl,
        }),
      });
  const choice = config.sampler;
  const root =
    choice.kind === 'always_off' || choice.kind === 'parentbased_always_off'
      ? new sdk.AlwaysOffSampler()
      : choice.kind === 'traceidratio' || choice.kind === 'parentbased_traceidratio'
        ? new sdk.TraceIdRatioBasedSampler(choice.ratio)
        : new sdk.AlwaysOnSampler();
  const sampler = choice.kind.startsWith('parentbased_') ? new sdk.ParentBasedSampler({ root }) : root;
  const provider = new sdk.TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName }),
    sampler,
    spanProcessors: [processor],
  });
  // False (and harmless) when another service of this process installed it first.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  tracingStarted = true;
  return {
    serviceName: config.serviceName,
    tracer: provider.getTracer('alliance'),
    propagator: new W3CTraceContextPropagator(),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/** The tracing of the request being served now, if it is traced; one flag check when tracing is off. */
export function activeTracing(): Tracing | undefined {
  if (!tracingStarted) return undefined;
  return context.active().getValue(TRACING) as Tracing | undefined;
}

/** The id of the trace being recorded now, for log lines and error extensions; undefined when none is. */
export function activeTraceId(): string | undefined {
  if (!tracingStarted) return undefined;
  return traceIdOf(trace.getSpan(context.active()));
}

/**
 * For `createLogger`: every line written while a traced request is served carries its `traceId`.
 * A new object each time: pino merges the line's own fields into it.
 */
export function traceIdLogFields(): object {
  const traceId = activeTraceId();
  return traceId ? { traceId } : {};
}

/** A span's trace id when the span is recorded (sampled): an id no trace backend holds is only noise. */
export function traceIdOf(span: Span | undefined): string | undefined {
  return span?.isRecording() ? span.spanContext().traceId : undefined;
}

/** Reads a request's headers for the propagator (Node's names are lower case already). */
const HEADERS: TextMapGetter<http.IncomingHttpHeaders> = {
  keys: (headers) => Object.keys(headers),
  get: (headers, key) => headers[key],
};

/** Writes an outgoing request's headers for the propagator. */
const OUTGOING: TextMapSetter<Record<string, string>> = {
  set: (headers, key, value) => {
    headers[key] = value;
  },
};

/** Adds `traceparent` (and `tracestate`) to the headers of an outgoing request made under `span`. */
export function injectTraceHeaders(tracing: Tracing, span: Span, headers: Record<string, string>): void {
  tracing.propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, OUTGOING);
}

/**
 * Starts the span of one incoming HTTP request (kind SERVER), continuing the caller's trace when
 * its `traceparent` is well-formed: with the default parent-based sampler, a trace the caller
 * sampled is recorded and one it did not is not (a client's or the gateway's choice is kept
 * through the graph). Answers the span and the context to run the request in.
 */
export function startRequestSpan(
  tracing: Tracing,
  name: string,
  req: http.IncomingMessage,
  attributes: Attributes = {},
): { span: Span; context: Context } {
  const parent = tracing.propagator.extract(ROOT_CONTEXT, req.headers, HEADERS);
  const span = tracing.tracer.startSpan(
    name,
    { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: req.method ?? 'GET', ...attributes } },
    parent,
  );
  return { span, context: trace.setSpan(parent, span).setValue(TRACING, tracing) };
}

/** Ends a request's span with the response's status (5xx: an error, as the HTTP conventions say). */
export function endRequestSpan(span: Span, status: number | undefined): void {
  if (status !== undefined) {
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  } else span.setAttribute(ATTR_ERROR_TYPE, 'aborted');
  span.end();
}

/**
 * Runs `serve` for a subgraph's request in a SERVER span of its own (`POST /graphql`), a child of
 * the gateway's fetch span when `traceparent` says so; the span ends when the response does.
 */
export function traceRequest(
  tracing: Tracing | undefined,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  serve: () => void,
): void {
  if (!tracing) return serve();
  const { span, context: requestContext } = startRequestSpan(tracing, `${req.method ?? 'GET'} /graphql`, req);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    endRequestSpan(span, res.writableFinished ? res.statusCode : undefined);
  };
  res.once('finish', end);
  res.once('close', end);
  // The request's stream events too: Express's body parser calls on from one.
  context.bind(requestContext, req);
  context.with(requestContext, serve);
}

/**
 * Runs a span `name` (kind INTERNAL) around `work`, as a child of the span active now and active
 * itself while `work` runs; a rejection marks it failed (its type only: messages may quote data).
 */
export async function inSpan<T>(
  tracing: Tracing,
  name: string,
  attributes: Attributes,
  work: () => Promise<T>,
  kind: SpanKind = SpanKind.INTERNAL,
): Promise<T> {
  const span = tracing.tracer.startSpan(name, { kind, attributes });
  try {
    return await context.with(trace.setSpan(context.active(), span), work);
  } catch (error) {
    failSpan(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Marks a span failed with the error's type (its class or code): never its message. */
export function failSpan(span: Span, error: unknown): void {
  const code = (error as { code?: unknown })?.code;
  const type = typeof code === 'string' ? code : error instanceof Error ? error.name : 'error';
  span.setAttribute(ATTR_ERROR_TYPE, type);
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/**
 * A DataLoader batch function that runs in a span `loader batch` (`loader.kind`, `loader.keys`)
 * when its request is traced: the batch's statements become its children. Untraced, it is
 * `batch` itself after one flag check.
 */
export function tracedBatch<K, V>(
  kind: string,
  batch: (keys: readonly K[]) => Promise<ReadonlyArray<V | Error>>,
): (keys: readonly K[]) => Promise<ReadonlyArray<V | Error>> {
  return (keys) => {
    const tracing = activeTracing();
    if (!tracing) return batch(keys);
    return inSpan(tracing, 'loader batch', { 'loader.kind': kind, 'loader.keys': keys.length }, () => batch(keys));
  };
}

/** Longest statement text put on a span: an `IN` list of a thousand placeholders says nothing more. */
const MAX_STATEMENT_CHARS = 2048;

/** The first keyword of a statement, and the table it names first (`FROM`, `INTO`, `UPDATE`, `JOIN`). */
const OPERATION = /^\s*(?:\/\*.*?\*\/\s*)?([A-Za-z]+)/s;
const TABLE = /\b(?:FROM|INTO|UPDATE|JOIN)\s+[`"]?([A-Za-z0-9_]+)[`"]?/i;

/** The statement's summary (`SELECT content`): the operation and its first table, as the conventions suggest. */
export function statementSummary(sql: string): { operation: string; table: string | undefined; summary: string } {
  const operation = (OPERATION.exec(sql)?.[1] ?? 'SQL').toUpperCase();
  const table = TABLE.exec(sql)?.[1];
  return { operation, table, summary: table ? `${operation} ${table}` : operation };
}

/**
 * Makes a span (kind CLIENT) of every SQL statement `dataSource` sends for a traced request:
 * `db.system.name`, `db.operation.name`, `db.collection.name`, `db.query.summary` and the
 * statement's text as TypeORM sends it, with `?` placeholders: bound parameter values are never
 * read. Statements outside a traced request (the outbox relay, migrations) make none. TypeORM's
 * `beforeQuery` and `afterQuery` events mark a statement's start and end; the statements of one
 * query runner (one connection) end in the order they started.
 */
export function traceStatements(dataSource: DataSource): void {
  const type = dataSource.options.type;
  const system =
    type === 'mariadb' ? DB_SYSTEM_NAME_VALUE_MARIADB : type === 'mysql' ? DB_SYSTEM_NAME_VALUE_MYSQL : 'sqlite';
  const open = new WeakMap<QueryRunner, Span[]>();
  const subscriber: EntitySubscriberInterface = {
    beforeQuery(event) {
      const tracing = activeTracing();
      if (!tracing) return;
      const { operation, table, summary } = statementSummary(event.query);
      const span = tracing.tracer.startSpan(summary, {
        kind: SpanKind.CLIENT,
        attributes: {
          [ATTR_DB_SYSTEM_NAME]: system,
          [ATTR_DB_OPERATION_NAME]: operation,
          ...(table ? { [ATTR_DB_COLLECTION_NAME]: table } : {}),
          [ATTR_DB_QUERY_SUMMARY]: summary,
          [ATTR_DB_QUERY_TEXT]: event.query.slice(0, MAX_STATEMENT_CHARS),
        },
      });
      const spans = open.get(event.queryRunner);
      if (spans) spans.push(span);
      else open.set(event.queryRunner, [span]);
    },
    afterQuery(event) {
      const span = open.get(event.queryRunner)?.shift();
      if (!span) return;
      if (!event.success) failSpan(span, event.error);
      span.end();
    },
  };
  dataSource.subscribers.push(subscriber);
}
