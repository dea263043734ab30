import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { jsonPost, send } from '../support/http';
import { type RunningService, runToExit, startService } from '../support/processes';

// Processes with OTEL_EXPORTER_OTLP_ENDPOINT send their spans there over OTLP/HTTP
// (docs/tracing.md); the in-process suite (test/gateway/tracing.test.ts) checks the spans in detail.

/** What this test reads of an OTLP/HTTP JSON export. */
interface OtlpTraces {
  resourceSpans: Array<{
    resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans: Array<{ spans: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string }> }>;
  }>;
}

/** An OTLP/HTTP collector stand-in that keeps every export it receives. */
async function collector(): Promise<{
  url: string;
  exports: Array<{ path?: string; type?: string; body: Buffer }>;
  close: () => void;
}> {
  const exports: Array<{ path?: string; type?: string; body: Buffer }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      exports.push({ path: req.url, type: req.headers['content-type'], body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports,
    close: () => server.close(),
  };
}

describe('traces from the gateway and subgraph processes', () => {
  it('are sent over OTLP/HTTP to the configured endpoint as one trace, with the trace id the client and the log read', async () => {
    const otlp = await collector();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'alliance-traces-'));
    const services: RunningService[] = [];
    try {
      const membership = await startService('subgraphs/membership/index.ts', {
        DATA_DIR: dataDir,
        SEED: 'if-empty',
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      });
      services.push(membership);
      const gateway = await startService('gateway/index.ts', {
        SUBGRAPH_MEMBERSHIP_URL: `${membership.url}/graphql`,
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        OTEL_SERVICE_NAME: 'edge-gateway',
      });
      services.push(gateway);
      const reply = await send(gateway.url, jsonPost({ query: '{ members(first: 2) { nodes { slug } } }' }));
      expect(reply.status).toBe(200);
      // The gateway writes the line with the response's head, but it reaches this process through
      // the child's stdout pipe, which the client's answer can overtake.
      const requestLine = () =>
        gateway
          .output()
          .split('\n')
          .find((text) => text.includes('"msg":"graphql request"'));
      for (let waited = 0; !requestLine() && waited < 10_000; waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const line = requestLine();
      const { traceId } = JSON.parse(line ?? '{}') as { traceId?: string };
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      // Spans are batched: the last ones are sent when the processes stop.
      for (const service of services.splice(0)) expect(await service.stop()).toBe(0);

      expect(otlp.exports.map(({ path, type }) => ({ path, type }))).toContainEqual({
        path: '/v1/traces',
        type: 'application/json',
      });
      // OTLP's JSON encoding: resource spans, each with its resource's attributes and its spans.
      const spans = otlp.exports
        .flatMap(({ body }) =>
          (JSON.parse(body.toString()) as OtlpTraces).resourceSpans.flatMap(({ resource, scopeSpans }) =>
            scopeSpans.flatMap((scope) =>
              scope.spans.map((span) => ({
                service: resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue,
                ...span,
              })),
            ),
          ),
        )
        .filter((span) => span.traceId === traceId);
      const root = spans.find((span) => span.service === 'edge-gateway' && !span.parentSpanId);
      const fetch = spans.find((span) => span.name === 'fetch membership');
      const served = spans.find((span) => span.service === 'membership' && span.name === 'POST /graphql');
      expect(root).toMatchObject({ name: 'POST /graphql' });
      expect(fetch).toMatchObject({ service: 'edge-gateway', parentSpanId: root?.spanId });
      expect(served).toMatchObject({ parentSpanId: fetch?.spanId });
      expect(spans.some((span) => span.service === 'membership' && span.name.startsWith('SELECT '))).toBe(true);
    } finally {
      for (const service of services) await service.stop();
      otlp.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a malformed setting at start-up with one line', async () => {
    const { code, output } = await runToExit('gateway/index.ts', { OTEL_TRACES_SAMPLER: 'sometimes' });
    expect(code).toBe(1);
    expect(output.trim()).toBe(
      'gateway: OTEL_TRACES_SAMPLER="sometimes" is not one of: always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio',
    );
  });
});
