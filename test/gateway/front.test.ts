import { type InProcessGateway, type InProcessGraph, startInProcessGraph } from '../support/gateway';
import { jsonPost, send } from '../support/http';

// The public listener hands `/graphql` to the pipeline without Express's app and router, and
// everything else to Express (gateway/front.ts): a client sees the same answers either way.
describe('the public listener answers /graphql however it is spelled, and the rest as before', () => {
  let graph: InProcessGraph;
  let gateway: InProcessGateway;
  const QUERY = { query: 'query FrontMembers { members(first: 1) { totalCount } }' };

  beforeAll(async () => {
    graph = await startInProcessGraph();
    gateway = await graph.startGateway({ TRUST_PROXY: 'loopback', RATE_LIMIT_ANONYMOUS_PER_MINUTE: '2' });
  });
  afterAll(async () => {
    await graph?.stop();
  });

  it.each([
    ['/graphql', 1],
    ['/graphql?x=1', 2],
    ['/GraphQL', 3],
    ['/graphql/', 4],
  ])('POST %s: the same data, the request id echoed, one log line', async (path, n) => {
    const requestId = `front-request-000${n}`;
    const reply = await send(graph.gateway.url, { ...jsonPost(QUERY, { 'x-request-id': requestId }), path });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ data: { members: { totalCount: expect.any(Number) } } });
    expect(reply.headers.get('x-request-id')).toBe(requestId);
    expect(graph.gateway.requestLogs(requestId)).toEqual([
      expect.objectContaining({ operation: 'FrontMembers', status: 200, outcome: 'ok' }),
    ]);
  });

  it('GET /graphql?query=… runs the query; a browser without a query gets the explorer', async () => {
    const get = await send(graph.gateway.url, {
      path: `/graphql?query=${encodeURIComponent('{ __typename }')}`,
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(200);
    expect(get.body).toEqual({ data: { __typename: 'Query' } });
    const page = await fetch(`${graph.gateway.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    await page.text();
  });

  it('a body that is not JSON is a coded 400; an unknown path a coded 404', async () => {
    const bad = await send(graph.gateway.url, jsonPost('{"query": '));
    expect(bad.status).toBe(400);
    expect(bad.body?.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    const missing = await send(graph.gateway.url, { ...jsonPost(QUERY), path: '/graphqlx' });
    expect(missing.status).toBe(404);
    expect(missing.body?.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('rate limits by the client address behind a trusted proxy (X-Forwarded-For)', async () => {
    const from = (address: string) => send(gateway.url, jsonPost(QUERY, { 'x-forwarded-for': address }));
    expect((await from('203.0.113.7')).status).toBe(200);
    expect((await from('203.0.113.7')).status).toBe(200);
    const third = await from('203.0.113.7');
    expect(third.status).toBe(429);
    expect(third.body?.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect((await from('203.0.113.8')).status).toBe(200);
  });
});
