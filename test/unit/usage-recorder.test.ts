import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Response } from 'express';
import { buildSchema, parse } from 'graphql';
import { GatewayMetrics } from '../../gateway/metrics';
import type { RequestEnd, RequestRecord } from '../../gateway/stages/response';
import { UsageRecorder, documentUsage } from '../../gateway/stages/usage';
import { readAssertionKey } from '../../subgraphs/kit/config';
import { createLogger } from '../../subgraphs/kit/logger';
import type { UsageBatch } from '../../subgraphs/usage/wire';

const SCHEMA = buildSchema(`
  type Query { stories(first: Int, tag: String): [Story!]! viewer: Viewer! }
  interface Node { id: ID! }
  type Story implements Node { id: ID! title: String! author: Member }
  type Member implements Node { id: ID! name: String! }
  type Viewer { role: String }
`);

describe('the usage record of a document', () => {
  it('lists the fields the chosen operation selects, fragments included, and hashes it without literals or spacing', () => {
    const document = parse(`
      query A { stories(first: 3, tag: "pandas") { ...Parts author { name } __typename } }
      query B { viewer { role } }
      fragment Parts on Node { id ... on Story { title } }
    `);
    const a = documentUsage(document, 'A', SCHEMA);
    expect(a.coordinates).toEqual(['Member.name', 'Node.id', 'Query.stories', 'Story.author', 'Story.title']);
    expect(documentUsage(document, 'B', SCHEMA).coordinates).toEqual(['Query.viewer', 'Viewer.role']);
    // Computed once per document and operation: the same object again.
    expect(documentUsage(document, 'A', SCHEMA)).toBe(a);
    const same = parse(`query A { stories(first: 10, tag: "x") { ...Parts author { name } __typename } }
      fragment Parts on Node { id ... on Story { title } }`);
    expect(documentUsage(same, 'A', SCHEMA).hash).toBe(a.hash);
    const other = parse('query A { stories { id } }');
    expect(documentUsage(other, 'A', SCHEMA).hash).not.toBe(a.hash);
  });
});

describe('the usage recorder', () => {
  let server: http.Server;
  let url: string;
  const received: UsageBatch[] = [];
  let failNext = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push(JSON.parse(body) as UsageBatch);
        if (failNext > 0) {
          failNext -= 1;
          res.writeHead(503).end('{}');
        } else res.writeHead(200, { 'content-type': 'application/json' }).end('{"stored":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const res = (headers: Record<string, string> = {}) => ({ req: { headers } }) as unknown as Response;
  const end = (outcome: RequestEnd['outcome'], ms = 12): RequestEnd => ({
    status: 200,
    outcome,
    seconds: ms / 1000,
    bytes: 50,
  });
  const record = (codes: string[] = []): RequestRecord => ({
    requestId: 'r',
    identity: { role: 'MEMBER', memberId: 'm-1', keyId: 'k-1' },
    operationName: 'Feed',
    errorCodes: codes,
  });

  it('aggregates per series and minute, and sends a failed batch again, with the same id, before newer rows', async () => {
    received.splice(0);
    const metrics = new GatewayMetrics();
    const recorder = new UsageRecorder(
      { enabled: true, subgraph: 'usage', flushMs: 600_000, flushRows: 1000, bufferRows: 10 },
      { url: () => url, assertionKey: readAssertionKey({}, 'test') },
      metrics,
      createLogger('test', 'silent'),
    );
    try {
      // One minute for all four, whenever the test runs.
      const clock = jest.spyOn(Date, 'now').mockReturnValue(Date.UTC(2026, 0, 1, 10, 0, 30));
      for (let i = 0; i < 3; i += 1) recorder.observe(record(), end('ok'), res({ 'graphql-client-name': 'app' }));
      recorder.observe(record(['NOT_FOUND']), end('error', 500), res({ 'graphql-client-name': 'app' }));
      clock.mockRestore();
      failNext = 1;
      await recorder.flush();
      expect(received).toHaveLength(1);
      const [failed] = received;
      expect(
        failed!.rows.map((row) => [row.outcome, row.operations, row.errors, row.errorCodes, row.clientName]),
      ).toEqual([
        ['ok', 3, 0, {}, 'app'],
        ['error', 1, 1, { NOT_FOUND: 1 }, 'app'],
      ]);
      recorder.observe(record(), end('ok'), res());
      await recorder.flush();
      // The kept batch first, unchanged; then the newer row.
      expect(received.slice(1).map((batch) => [batch.id, batch.rows.length])).toEqual([
        [failed!.id, 2],
        [expect.any(String), 1],
      ]);
      expect(received[2]!.id).not.toBe(failed!.id);
      const text = await metrics.registry.metrics();
      expect(text).toContain('usage_flushes_total{outcome="failed"} 1');
      expect(text).toContain('usage_flushes_total{outcome="ok"} 2');
      expect(text).toContain('usage_buffered_rows 0');
    } finally {
      await recorder.close();
    }
  });
});
