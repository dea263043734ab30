import { randomBytes } from 'node:crypto';
import { operationId } from '../../gateway/operations';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { type InProcessGateway, type InProcessGraph, startInProcessGraph } from '../support/gateway';
import { graphql } from '../support/processes';

// Gateway operations in-process (test/support/gateway.ts); what needs processes (workers,
// replicas sharing Redis) is in test/e2e/gateway-operations.test.ts.

// Shared state needs Redis: TEST_REDIS_URL (CI sets it) turns on the replica tests.
const REDIS = process.env.TEST_REDIS_URL;
const describeWithRedis = REDIS ? describe : describe.skip;

const ALLIANCE = '{ alliance { name } }';

describe('gateway operations', () => {
  let graph: InProcessGraph;

  beforeAll(async () => {
    graph = await startInProcessGraph({ RATE_LIMIT_ANONYMOUS_PER_MINUTE: '3', RATE_LIMIT_MEMBER_PER_MINUTE: '5' });
  });
  afterAll(() => graph?.stop());

  it('limits anonymous callers per IP and members per key, answering 429 with Retry-After and RATE_LIMITED', async () => {
    const gateway = graph.gateway;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await graphql(gateway.url, ALLIANCE)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: ALLIANCE }),
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await refused.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]!.extensions.code).toBe('RATE_LIMITED');
    // A member's key has a bucket of its own, sized for its role.
    const member = { authorization: `Bearer ${DEV_CREDENTIALS.member.secret}` };
    const memberStatuses: number[] = [];
    for (let i = 0; i < 6; i += 1) memberStatuses.push((await graphql(gateway.url, ALLIANCE, {}, member)).status);
    expect(memberStatuses).toEqual([200, 200, 200, 200, 200, 429]);
    const metrics = await gateway.metrics();
    expect(metrics).toMatch(/rate_limit_refusals_total\{role="anonymous"\} 2/);
    expect(metrics).toMatch(/rate_limit_refusals_total\{role="MEMBER"\} 1/);
  });

  it('exposes request, latency, in-flight and subgraph series in /metrics, and logs JSON lines with the request id', async () => {
    const gateway = await graph.startGateway({});
    const requestId = `req-${randomBytes(4).toString('hex')}`;
    await graphql(
      gateway.url,
      'query AllianceName($slug: String) { alliance { name } member(slug: $slug) { name } }',
      { slug: 'secret-variable-value' },
      {
        'x-request-id': requestId,
        authorization: `Bearer ${DEV_CREDENTIALS.member.secret}`,
      },
    );
    const metrics = await gateway.metrics();
    expect(metrics).toMatch(/graphql_requests_total\{operation="AllianceName",outcome="ok"\} 1/);
    expect(metrics).toMatch(
      /graphql_request_duration_seconds_bucket\{le="[0-9.]+",operation="AllianceName",outcome="ok"\}/,
    );
    expect(metrics).toMatch(/graphql_requests_in_flight 0/);
    expect(metrics).toMatch(/subgraph_fetch_duration_seconds_count\{subgraph="membership",outcome="ok"\} [1-9]/);
    const [line, ...more] = gateway.requestLogs(requestId);
    expect(more).toEqual([]);
    expect(line).toMatchObject({ operation: 'AllianceName', role: 'MEMBER', outcome: 'ok', msg: 'graphql request' });
    expect(typeof line!.durationMs).toBe('number');
    const output = JSON.stringify(gateway.logs());
    expect(output).not.toContain('secret-variable-value');
    expect(output).not.toContain(DEV_CREDENTIALS.member.secret);
  });

  it('caches parsed operations and query plans, and reports their hits, entries and size in /metrics', async () => {
    const gateway = await graph.startGateway({ DOCUMENT_CACHE_MB: '2', QUERY_PLAN_CACHE_MB: '2' });
    for (let i = 0; i < 3; i += 1) expect((await graphql(gateway.url, ALLIANCE)).status).toBe(200);
    expect((await graphql(gateway.url, '{ alliance { foundedOn } }')).status).toBe(200);
    const metrics = await gateway.metrics();
    const figure = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(metrics)?.[1]);
    // Two distinct operations: each planned once; the first one's plan reused twice.
    expect(figure('gateway_cache_lookups_total\\{cache="query_plan",result="miss"\\}')).toBe(2);
    expect(figure('gateway_cache_lookups_total\\{cache="query_plan",result="hit"\\}')).toBe(2);
    expect(figure('gateway_cache_entries\\{cache="query_plan"\\}')).toBe(2);
    expect(figure('gateway_cache_lookups_total\\{cache="document",result="hit"\\}')).toBeGreaterThanOrEqual(2);
    expect(figure('gateway_cache_entries\\{cache="document"\\}')).toBe(2);
    expect(figure('gateway_cache_bytes\\{cache="document"\\}')).toBeGreaterThan(0);
    expect(figure('gateway_cache_bytes\\{cache="query_plan"\\}')).toBeGreaterThan(0);
  });

  it('supports automatic persisted queries: a hash alone runs once the gateway has seen the text', async () => {
    const gateway = await graph.startGateway({});
    const query = '{ alliance { foundedOn } }';
    const persisted = { persistedQuery: { version: 1, sha256Hash: operationId(query) } };
    const unknown = await post(gateway, { extensions: persisted });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await post(gateway, { query, extensions: persisted })).data).toEqual({
      alliance: { foundedOn: '2024-12-07' },
    });
    expect((await post(gateway, { extensions: persisted })).data).toEqual({ alliance: { foundedOn: '2024-12-07' } });
  });

  describeWithRedis('with REDIS_URL, shared by replicas', () => {
    let a: InProcessGateway;
    let b: InProcessGateway;

    beforeAll(async () => {
      const shared = {
        REDIS_URL: REDIS!,
        REDIS_KEY_PREFIX: `test-${randomBytes(4).toString('hex')}:`,
        RATE_LIMIT_ANONYMOUS_PER_MINUTE: '4',
      };
      [a, b] = await Promise.all([graph.startGateway(shared), graph.startGateway(shared)]);
    });

    it('shares one rate-limit budget between two gateway replicas', async () => {
      // Warm both gateways (query plans, subgraph connections) on an admin key's own bucket,
      // so the anonymous burst below runs well inside the bucket's refill time (15 s a token).
      const admin = { authorization: `Bearer ${DEV_CREDENTIALS.admin.secret}` };
      for (const gateway of [a, b]) expect((await graphql(gateway.url, ALLIANCE, {}, admin)).status).toBe(200);
      const statuses: number[] = [];
      for (const gateway of [a, b, a, b, a, b]) statuses.push((await graphql(gateway.url, ALLIANCE)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    });

    it('shares the response cache between two gateway replicas, and a mutation through either clears it', async () => {
      // A pair of its own: the pair above has spent its anonymous rate-limit budget.
      const shared = { REDIS_URL: REDIS!, REDIS_KEY_PREFIX: `test-${randomBytes(4).toString('hex')}:` };
      const [a, b] = await Promise.all([graph.startGateway(shared), graph.startGateway(shared)]);
      const query = `{ attraction(slug: "mount-emei") { name level worldHeritage } }`;
      const fresh = await post(a, { query });
      expect(fresh.data).toEqual({ attraction: { name: 'Mount Emei', level: 'AAAAA', worldHeritage: true } });
      const before = graph.sqlStatements('tourism');
      expect((await post(b, { query })).data).toEqual(fresh.data);
      expect(graph.sqlStatements('tourism')).toBe(before);
      // Any mutation through a gateway invalidates the shared cache, for every replica.
      await post(
        a,
        { query: 'mutation { revokeApiKey(id: "no-such-key") { id } }' },
        { authorization: `Bearer ${DEV_CREDENTIALS.admin.secret}` },
      );
      expect((await post(b, { query })).data).toEqual(fresh.data);
      expect(graph.sqlStatements('tourism')).toBeGreaterThan(before);
    });

    it('shares persisted queries between two gateway replicas', async () => {
      const query = `{ alliance { name localName } }`;
      const extensions = { persistedQuery: { version: 1, sha256Hash: operationId(query) } };
      const viaA = await post(a, { query, extensions }, { authorization: `Bearer ${DEV_CREDENTIALS.admin.secret}` });
      expect(viaA.errors).toBeUndefined();
      const viaB = await post(b, { extensions }, { authorization: `Bearer ${DEV_CREDENTIALS.admin.secret}` });
      expect(viaB.data).toEqual(viaA.data);
    });
  });
});

async function post(
  gateway: InProcessGateway,
  payload: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ data?: unknown; errors?: Array<{ extensions?: Record<string, unknown> }> }> {
  const response = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(payload),
  });
  return (await response.json()) as never;
}
