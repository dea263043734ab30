import type http from 'node:http';
import { PassThrough } from 'node:stream';
import { SpanKind, context } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import {
  type Tracing,
  readTracingConfig,
  startRequestSpan,
  startTracing,
  traceIdLogFields,
} from '../../subgraphs/kit/tracing';
import { createLogger } from '../../subgraphs/kit/logger';
import { StartupError } from '../../subgraphs/kit/env';
import { type InProcessGraph, startInProcessGraph } from '../support/gateway';
import { ENGINES } from '../support/databases';
import { jsonPost, send } from '../support/http';

// OpenTelemetry traces (subgraphs/kit/tracing.ts, gateway/stages/tracing.ts): one request makes
// one trace across the gateway and the subgraphs it reaches, linked through `traceparent`.

/** Every service's tracer, exporting to one in-memory exporter, as `OTEL_*` would configure them. */
function inMemoryTracing() {
  const exporter = new InMemorySpanExporter();
  const tracers: Tracing[] = [];
  return {
    tracingFor: async (service: string): Promise<Tracing> => {
      const config = readTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector.invalid:4318' }, service)!;
      const tracing = await startTracing(config, { exporter });
      tracers.push(tracing);
      return tracing;
    },
    /** The ended spans of one trace. */
    spansOf: async (traceId: string): Promise<ReadableSpan[]> => {
      for (const tracing of tracers) await tracing.flush();
      return exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
    },
    shutdown: async () => {
      for (const tracing of tracers) await tracing.shutdown();
    },
  };
}

const service = (span: ReadableSpan) => span.resource.attributes['service.name'];
const parentOf = (spans: ReadableSpan[], span: ReadableSpan) =>
  spans.find((candidate) => candidate.spanContext().spanId === span.parentSpanContext?.spanId);

describe.each(ENGINES)('traces: one request, one trace across the gateway and the subgraphs, on %s', (engine) => {
  let graph: InProcessGraph;
  const traceparents: Array<string | undefined> = [];
  const { tracingFor, spansOf, shutdown } = inMemoryTracing();

  beforeAll(async () => {
    graph = await startInProcessGraph({}, {}, engine, { tracing: tracingFor });
    // What reaches the content subgraph, before it serves it.
    graph.subgraphs.content!.built.httpServer.prependListener('request', (req: http.IncomingMessage) => {
      if (req.url?.startsWith('/graphql')) traceparents.push(req.headers.traceparent as string | undefined);
    });
  });
  afterAll(async () => {
    await graph?.stop();
    await shutdown();
  });

  const query =
    'query MembersAndContents { members(first: 2) { nodes { id slug contents(first: 1) { totalCount } } } }';

  it.each([
    ['the first time (parsed and validated through Apollo Server)', true],
    ['again (the direct path, the document cached)', false],
  ])('links request → fetch → subgraph request → loader batch → SQL, %s', async (_when, parsed) => {
    traceparents.length = 0;
    const throughApollo = jest.spyOn(graph.gateway.built.apollo, 'executeHTTPGraphQLRequest');
    const reply = await send(graph.gateway.url, jsonPost({ query }));
    // The first time Apollo Server parses and validates; then the direct path answers (stages/direct.ts).
    expect(throughApollo).toHaveBeenCalledTimes(parsed ? 1 : 0);
    throughApollo.mockRestore();
    expect(reply.status).toBe(200);
    expect(reply.body?.errors).toBeUndefined();
    const requestId = reply.headers.get('x-request-id')!;
    const [line] = graph.gateway.requestLogs(requestId);
    const traceId = line?.traceId as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    const spans = await spansOf(traceId);
    const [root, ...others] = spans.filter((span) => !span.parentSpanContext);
    expect(others).toHaveLength(0);
    expect(root).toMatchObject({ name: 'POST /graphql', kind: SpanKind.SERVER });
    expect(service(root!)).toBe('gateway');
    expect(root!.attributes).toMatchObject({
      'graphql.operation.name': 'MembersAndContents',
      'graphql.operation.type': 'query',
      'http.response.status_code': 200,
      'alliance.request_id': requestId,
    });
    expect(spans.some((span) => span.name === 'graphql.plan' && parentOf(spans, span) === root)).toBe(true);
    for (const phase of ['graphql.parse', 'graphql.validate'])
      expect(spans.some((span) => span.name === phase && parentOf(spans, span) === root)).toBe(parsed);

    // The content subgraph's part: its fetch, its request span, a loader batch and its statement.
    const fetch = spans.find((span) => span.name === 'fetch content')!;
    expect(fetch).toMatchObject({ kind: SpanKind.CLIENT });
    expect(parentOf(spans, fetch)).toBe(root);
    const served = spans.find((span) => parentOf(spans, span) === fetch)!;
    expect(served).toMatchObject({ name: 'POST /graphql', kind: SpanKind.SERVER });
    expect(service(served)).toBe('content');
    expect(served.parentSpanContext?.isRemote).toBe(true);
    expect(traceparents).toContain(`00-${traceId}-${fetch.spanContext().spanId}-01`);
    const batch = spans.find((span) => span.name === 'loader batch' && parentOf(spans, span) === served)!;
    expect(batch.attributes['loader.keys']).toBe(2);
    const statement = spans.find((span) => parentOf(spans, span) === batch)!;
    expect(statement).toMatchObject({ kind: SpanKind.CLIENT });
    expect(statement.attributes).toMatchObject({ 'db.operation.name': 'SELECT' });
    expect(statement.attributes['db.system.name']).toEqual(
      engine === 'sqlite' ? 'sqlite' : expect.stringMatching(/^(mysql|mariadb)$/),
    );
    expect(statement.attributes['db.query.summary']).toMatch(/^SELECT \w+$/);

    // Every span of the trace is one of these services', and membership's statements are there too.
    expect(new Set(spans.map(service))).toEqual(new Set(['gateway', 'membership', 'content']));
    const statements = spans.filter((span) => span.attributes['db.system.name']);
    expect(statements.some((span) => service(span) === 'membership')).toBe(true);
    // Statements are recorded with their placeholders, never with the values bound to them.
    const ids = JSON.stringify(reply.body).match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? [];
    const slugs = (reply.body?.data as { members: { nodes: Array<{ slug: string }> } }).members.nodes.map(
      (n) => n.slug,
    );
    expect(ids).toHaveLength(2);
    for (const span of statements) {
      const text = String(span.attributes['db.query.text']);
      for (const value of [...ids, ...slugs]) expect(text).not.toContain(value);
    }
  });

  it("continues a client's sampled trace, and puts its id in the errors' extensions", async () => {
    const clientTrace = 'a'.repeat(31) + '1';
    const traceparent = `00-${clientTrace}-${'b'.repeat(16)}-01`;
    const reply = await send(
      graph.gateway.url,
      jsonPost({ query: '{ members(first: 1) { nodes { nope } } }' }, { traceparent }),
    );
    expect(reply.status).toBe(400);
    const errors = reply.body?.errors as Array<{ extensions: Record<string, unknown> }>;
    expect(errors[0]!.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', traceId: clientTrace });
    const [line] = graph.gateway.requestLogs(reply.headers.get('x-request-id')!);
    expect(line).toMatchObject({ traceId: clientTrace });
    const spans = await spansOf(clientTrace);
    const root = spans.find((span) => span.name === 'POST /graphql')!;
    expect(root.parentSpanContext).toMatchObject({ spanId: 'b'.repeat(16), isRemote: true });
    const validate = spans.find((span) => span.name === 'graphql.validate')!;
    expect(parentOf(spans, validate)).toBe(root);
    expect(validate.status.code).toBe(2);
    // Nothing of the document or the error's text in the spans.
    expect(JSON.stringify(spans.map((span) => span.attributes))).not.toContain('nope');
  });

  it('traces a refusal made before GraphQL runs, and puts the trace id in its error', async () => {
    const reply = await send(graph.gateway.url, jsonPost('{"query": '));
    expect(reply.status).toBe(400);
    const traceId = reply.body?.errors?.[0]?.extensions?.traceId as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const spans = await spansOf(traceId);
    expect(spans).toHaveLength(1);
    expect(spans[0]!.attributes).toMatchObject({
      'http.response.status_code': 400,
      'graphql.error.codes': ['BAD_REQUEST'],
      'alliance.refused_by': 'edge',
    });
  });

  it("does not record a trace the client's traceparent did not sample (parent-based)", async () => {
    const clientTrace = 'c'.repeat(31) + '1';
    const reply = await send(
      graph.gateway.url,
      jsonPost({ query: '{ alliance { name } }' }, { traceparent: `00-${clientTrace}-${'d'.repeat(16)}-00` }),
    );
    expect(reply.status).toBe(200);
    expect(await spansOf(clientTrace)).toHaveLength(0);
    const [line] = graph.gateway.requestLogs(reply.headers.get('x-request-id')!);
    expect(line?.traceId).toBeUndefined();
  });
});

describe('tracing in one service', () => {
  it('writes the trace id into every log line of a traced request, and nothing outside one', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger(
      'content',
      'info',
      { write: (line: string) => void lines.push(JSON.parse(line)) },
      traceIdLogFields,
    );
    const config = readTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector.invalid:4318' }, 'content')!;
    const tracing = await startTracing(config, { exporter: new InMemorySpanExporter() });
    const req = Object.assign(new PassThrough(), { method: 'POST', headers: {} }) as unknown as http.IncomingMessage;
    const { span, context: requestContext } = startRequestSpan(tracing, 'POST /graphql', req);
    await context.with(requestContext, async () => {
      await Promise.resolve();
      logger.warn('inside');
    });
    logger.warn({ subgraph: 'x' }, 'outside');
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'inside', traceId: span.spanContext().traceId }),
      expect.not.objectContaining({ traceId: expect.anything() }),
    ]);
    span.end();
    await tracing.shutdown();
  });
});

describe('tracing configuration', () => {
  it('is off without an OTLP endpoint, or when turned off', () => {
    expect(readTracingConfig({}, 'gateway')).toBeUndefined();
    expect(
      readTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }, 'gateway'),
    ).toBeUndefined();
    expect(
      readTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }, 'gateway'),
    ).toBeUndefined();
  });

  it('reads the standard variables', () => {
    expect(readTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' }, 'content')).toEqual({
      serviceName: 'content',
      tracesUrl: 'http://c:4318/v1/traces',
      sampler: { kind: 'parentbased_always_on' },
    });
    expect(
      readTracingConfig(
        {
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://c/traces',
          OTEL_SERVICE_NAME: 'edge-gateway',
          OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
          OTEL_TRACES_SAMPLER_ARG: '0.25',
        },
        'gateway',
      ),
    ).toEqual({
      serviceName: 'edge-gateway',
      tracesUrl: 'https://c/traces',
      sampler: { kind: 'parentbased_traceidratio', ratio: 0.25 },
    });
  });

  it.each([
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, /OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318" must be an http/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://' }, /OTEL_EXPORTER_OTLP_ENDPOINT="http:\/\/" is not a URL/],
    [{ OTEL_TRACES_SAMPLER: 'sometimes' }, /OTEL_TRACES_SAMPLER="sometimes" is not one of/],
    [{ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' }, /between 0 and 1/],
    [{ OTEL_TRACES_EXPORTER: 'zipkin' }, /OTEL_TRACES_EXPORTER="zipkin" is not supported/],
  ])('refuses %j with one line', (env, message) => {
    expect(() => readTracingConfig(env, 'gateway')).toThrow(StartupError);
    expect(() => readTracingConfig(env, 'gateway')).toThrow(message);
  });
});
