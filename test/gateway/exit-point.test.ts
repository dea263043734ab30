import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { type InProcessGateway, type InProcessGraph, startInProcessGraph } from '../support/gateway';
import { jsonPost, send } from '../support/http';
import { waitFor } from '../support/load';

// Every answer of /graphql leaves through one exit point (gateway/stages/response.ts): it
// carries x-request-id, is logged exactly once and is counted once in graphql_requests_total.

/** The sum of `graphql_requests_total` samples with this outcome. */
async function requestsCounted(gateway: InProcessGateway, outcome: string): Promise<number> {
  return (await gateway.metrics())
    .split('\n')
    .filter((line) => line.startsWith('graphql_requests_total{') && line.includes(`outcome="${outcome}"`))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

/** A subgraph stand-in that holds every GraphQL request until released; other requests get 200. */
async function stallingSubgraph(): Promise<{
  url: string;
  held: () => number;
  release: (body: string) => void;
  close: () => Promise<void>;
}> {
  const waiting: http.ServerResponse[] = [];
  let held = 0;
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (request.method !== 'POST') return void response.end('{}');
      held += 1;
      waiting.push(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`,
    held: () => held,
    release: (body) => {
      for (const response of waiting.splice(0)) response.setHeader('content-type', 'application/json').end(body);
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Sends headers larger than Node's limit, which its HTTP parser refuses before any request exists. */
function oversizedHeaders(port: number): Promise<{ status: number; requestId: string | undefined }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port, path: '/graphql', method: 'POST', headers: { 'x-padding': 'a'.repeat(20_000) } },
      (response) => {
        response.resume();
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, requestId: response.headers['x-request-id'] as string }),
        );
      },
    );
    request.on('error', reject);
    request.end();
  });
}

describe('one exit point: every /graphql answer carries x-request-id, one log line and one count', () => {
  let graph: InProcessGraph;
  let gateway: InProcessGateway;
  let limited: InProcessGateway;

  beforeAll(async () => {
    graph = await startInProcessGraph();
    gateway = graph.gateway;
    limited = await graph.startGateway({ RATE_LIMIT_ANONYMOUS_PER_MINUTE: '1' });
  });
  afterAll(() => graph?.stop());

  const cases: Array<[string, (id: string) => [InProcessGateway, RequestInit], number, string, string | undefined]> = [
    [
      'a result',
      (id) => [gateway, jsonPost({ query: '{ alliance { name } }' }, { 'x-request-id': id })],
      200,
      'ok',
      undefined,
    ],
    [
      'a GraphQL error in a 200',
      (id) => [gateway, jsonPost({ query: 'mutation { revokeApiKey(id: "x") { id } }' }, { 'x-request-id': id })],
      200,
      'error',
      'UNAUTHENTICATED',
    ],
    [
      'malformed JSON (edge)',
      (id) => [gateway, jsonPost('{"query": ', { 'x-request-id': id })],
      400,
      'rejected',
      'BAD_REQUEST',
    ],
    [
      'a parse error (GraphQL)',
      (id) => [gateway, jsonPost({ query: '{ alliance { ' }, { 'x-request-id': id })],
      400,
      'rejected',
      'GRAPHQL_PARSE_FAILED',
    ],
    [
      'an empty query (refused by Apollo Server before its plugins)',
      (id) => [gateway, jsonPost({ query: '' }, { 'x-request-id': id })],
      400,
      'rejected',
      'BAD_REQUEST',
    ],
    [
      'an operation over the limits',
      (id) => [gateway, jsonPost({ query: '{ members(first: 99999999) { totalCount } }' }, { 'x-request-id': id })],
      400,
      'rejected',
      'OPERATION_LIMIT_EXCEEDED',
    ],
    [
      'an untrusted persisted-query hash',
      (id) => [
        gateway,
        jsonPost(
          {
            query: '{ alliance { name } }',
            extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } },
          },
          { 'x-request-id': id },
        ),
      ],
      400,
      'rejected',
      'PERSISTED_QUERY_HASH_MISMATCH',
    ],
    [
      'a bad credential (401)',
      (id) => [gateway, jsonPost({ query: '{ alliance { name } }' }, { 'x-request-id': id, authorization: 'Basic x' })],
      401,
      'rejected',
      'UNAUTHENTICATED',
    ],
    [
      'a body over the limit (413)',
      (id) => [
        gateway,
        jsonPost({ query: `{ member(slug: "${'x'.repeat(2_200_000)}") { id } }` }, { 'x-request-id': id }),
      ],
      413,
      'rejected',
      'BAD_USER_INPUT',
    ],
    [
      'a charset other than UTF-8 (415)',
      (id) => [
        gateway,
        jsonPost(
          { query: '{ alliance { name } }' },
          { 'x-request-id': id, 'content-type': 'application/json; charset=latin1' },
        ),
      ],
      415,
      'rejected',
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a text/plain POST (CSRF prevention)',
      (id) => [
        gateway,
        {
          method: 'POST',
          headers: { 'content-type': 'text/plain', 'x-request-id': id },
          body: '{"query":"{ __typename }"}',
        },
      ],
      400,
      'rejected',
      'BAD_REQUEST',
    ],
  ];

  it.each(cases)('%s', async (_name, request, status, outcome, code) => {
    const requestId = `req-${randomBytes(6).toString('hex')}`;
    const [target, init] = request(requestId);
    const before = await requestsCounted(target, outcome);
    const reply = await send(target.url, init);
    expect(reply.status).toBe(status);
    expect(reply.headers.get('x-request-id')).toBe(requestId);
    if (code) expect(reply.body?.errors?.[0]?.extensions).toMatchObject({ code, requestId });
    const lines = target.requestLogs(requestId);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ status, outcome, ...(code ? { errorCodes: [code] } : {}) });
    expect(await requestsCounted(target, outcome)).toBe(before + 1);
  });

  it('a rate-limit refusal (429)', async () => {
    expect((await send(limited.url, jsonPost({ query: '{ alliance { name } }' }))).status).toBe(200);
    const before = await requestsCounted(limited, 'rejected');
    const reply = await send(
      limited.url,
      jsonPost({ query: '{ alliance { name } }' }, { 'x-request-id': 'req-limited-1' }),
    );
    expect([reply.status, reply.body?.errors?.[0]?.extensions]).toEqual([
      429,
      { code: 'RATE_LIMITED', requestId: 'req-limited-1' },
    ]);
    expect(reply.headers.get('x-request-id')).toBe('req-limited-1');
    expect(limited.requestLogs('req-limited-1')).toEqual([
      expect.objectContaining({ status: 429, outcome: 'rejected', errorCodes: ['RATE_LIMITED'] }),
    ]);
    expect(await requestsCounted(limited, 'rejected')).toBe(before + 1);
  });

  it('a response-cache hit', async () => {
    const query = `query CachedAttraction { attraction(slug: "mount-emei") { name } }`;
    expect((await send(gateway.url, jsonPost({ query, operationName: 'CachedAttraction' }))).status).toBe(200);
    const statements = graph.sqlStatements('tourism');
    const before = await requestsCounted(gateway, 'ok');
    const hit = await send(
      gateway.url,
      jsonPost({ query, operationName: 'CachedAttraction' }, { 'x-request-id': 'req-hit-1' }),
    );
    expect(hit.status).toBe(200);
    expect(hit.headers.get('x-request-id')).toBe('req-hit-1');
    expect(graph.sqlStatements('tourism')).toBe(statements);
    expect(gateway.requestLogs('req-hit-1')).toEqual([
      expect.objectContaining({ status: 200, outcome: 'ok', cached: true, operation: 'CachedAttraction' }),
    ]);
    expect(await requestsCounted(gateway, 'ok')).toBe(before + 1);
  });

  it('a client that leaves mid-request: one line marked aborted, none when the answer comes later', async () => {
    const tourism = await stallingSubgraph();
    try {
      const stalled = await graph.startGateway({ SUBGRAPH_TOURISM_URL: tourism.url });
      const inFlight = async () => Number(/^graphql_requests_in_flight (\S+)$/m.exec(await stalled.metrics())?.[1]);
      const idle = await inFlight();
      const body = JSON.stringify({ query: '{ attraction(slug: "mount-emei") { name } }' });
      const client = http.request({
        host: '127.0.0.1',
        port: stalled.port,
        path: '/graphql',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'req-aborted-1' },
      });
      client.on('error', () => undefined); // the socket is destroyed below, on purpose
      client.end(body);
      // The gateway is waiting for the subgraph: the client goes away.
      await waitFor(() => tourism.held() === 1, 10_000, 'the subgraph fetch');
      client.destroy();
      await waitFor(() => stalled.requestLogs('req-aborted-1').length > 0, 10_000, 'the aborted log line');
      expect(stalled.requestLogs('req-aborted-1')).toEqual([
        expect.objectContaining({ requestId: 'req-aborted-1', status: null, outcome: 'aborted' }),
      ]);
      expect(await inFlight()).toBe(idle);
      // The subgraph answers after all and the gateway writes its answer to nobody: no second line.
      tourism.release('{"data":{"attraction":{"name":"Mount Emei"}}}');
      const later = await send(
        stalled.url,
        jsonPost({ query: '{ alliance { name } }' }, { 'x-request-id': 'req-after-aborted' }),
      );
      expect(later.status).toBe(200);
      await waitFor(() => stalled.requestLogs('req-after-aborted').length > 0, 10_000, 'the later log line');
      expect(stalled.requestLogs('req-aborted-1')).toHaveLength(1);
    } finally {
      await tourism.close();
    }
  });

  it('headers over the limit (431): refused by the HTTP parser, with an id, logged once and counted', async () => {
    const before = await requestsCounted(gateway, 'rejected');
    const { status, requestId } = await oversizedHeaders(gateway.port);
    expect(status).toBe(431);
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(gateway.logs().filter((line) => line.requestId === requestId)).toEqual([
      expect.objectContaining({ status: 431, msg: 'refused malformed HTTP request' }),
    ]);
    expect(await requestsCounted(gateway, 'rejected')).toBe(before + 1);
  });
});
