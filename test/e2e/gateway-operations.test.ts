import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { processTree } from '../../bench/procfs';
import { operationId } from '../../gateway/operations';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { graphql, type RunningService } from '../support/processes';
import { startStack, type Stack } from '../support/stack';

// Gateway operations do not depend on the database behind the subgraphs; SQLite only.
// Shared state needs Redis: TEST_REDIS_URL (CI sets it) turns on the replica tests.
const REDIS = process.env.TEST_REDIS_URL;
const describeWithRedis = REDIS ? describe : describe.skip;

const ALLIANCE = '{ alliance { name } }';

describe('gateway operations', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('sqlite', { RATE_LIMIT_ANONYMOUS_PER_MINUTE: '3', RATE_LIMIT_MEMBER_PER_MINUTE: '5' });
  });
  afterAll(() => stack?.stop());

  it('limits anonymous callers per IP and members per key, answering 429 with Retry-After and RATE_LIMITED', async () => {
    const gateway = stack.gateway;
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
    const metrics = await (await fetch(`${gateway.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/rate_limit_refusals_total\{role="anonymous"\} 2/);
    expect(metrics).toMatch(/rate_limit_refusals_total\{role="MEMBER"\} 1/);
  });

  it('exposes request, latency, in-flight and subgraph series in /metrics, and logs JSON lines with the request id', async () => {
    const gateway = await stack.startGateway({});
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
    const metrics = await (await fetch(`${gateway.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/graphql_requests_total\{operation="AllianceName",outcome="ok"\} 1/);
    expect(metrics).toMatch(
      /graphql_request_duration_seconds_bucket\{le="[0-9.]+",operation="AllianceName",outcome="ok"\}/,
    );
    expect(metrics).toMatch(/graphql_requests_in_flight 0/);
    expect(metrics).toMatch(/subgraph_fetch_duration_seconds_count\{subgraph="membership",outcome="ok"\} [1-9]/);
    const line = gateway
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((entry) => entry.requestId === requestId);
    expect(line).toMatchObject({ operation: 'AllianceName', role: 'MEMBER', outcome: 'ok', msg: 'graphql request' });
    expect(typeof line!.durationMs).toBe('number');
    expect(gateway.output()).not.toContain('secret-variable-value');
    expect(gateway.output()).not.toContain(DEV_CREDENTIALS.member.secret);
  });

  it('caches parsed operations and query plans, and reports their hits, entries and size in /metrics', async () => {
    const gateway = await stack.startGateway({ DOCUMENT_CACHE_MB: '2', QUERY_PLAN_CACHE_MB: '2' });
    for (let i = 0; i < 3; i += 1) expect((await graphql(gateway.url, ALLIANCE)).status).toBe(200);
    expect((await graphql(gateway.url, '{ alliance { foundedOn } }')).status).toBe(200);
    const metrics = await (await fetch(`${gateway.metricsUrl}/metrics`)).text();
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

  it("serves through GATEWAY_WORKERS processes on one port, and a mutation through any clears every worker's cache", async () => {
    const gateway = await stack.startGateway({ GATEWAY_WORKERS: '2' });
    // The primary and its two workers.
    expect(processTree(gateway.child.pid!)).toHaveLength(3);
    const query =
      '{ attraction(slug: "dujiangyan-irrigation-system") { name localName category level worldHeritage inBaShuCorridor destination { id } location { latitude longitude } } }';
    type Attraction = Record<string, unknown> & { name: string; destination: { id: string } };
    // A new connection per request: the primary hands connections to its workers in turn, so both serve.
    const ask = async () => {
      const response = await postOnNewConnection(gateway.port, { query });
      return (response.data as { attraction: Attraction }).attraction;
    };
    const original = await ask();
    for (let i = 0; i < 8; i += 1) expect((await ask()).name).toBe(original.name);
    const cachedStatements = await stack.sqlStatements('tourism');
    for (let i = 0; i < 8; i += 1) await ask();
    // Both workers hold the response by now: nothing reaches the database.
    expect(await stack.sqlStatements('tourism')).toBe(cachedStatements);

    const { destination, ...rest } = original;
    const upsert = (name: string) =>
      postOnNewConnection(
        gateway.port,
        {
          query: 'mutation Rename($input: AttractionInput!) { upsertAttraction(input: $input) { name } }',
          variables: { input: { ...rest, slug: 'dujiangyan-irrigation-system', name, destinationId: destination.id } },
        },
        { authorization: `Bearer ${DEV_CREDENTIALS.admin.secret}` },
      );
    try {
      expect((await upsert('Dujiangyan (renamed by the workers test)')).errors).toBeUndefined();
      const names = new Set<string>();
      for (let i = 0; i < 8; i += 1) names.add((await ask()).name);
      // A worker that kept its cached response would still answer the old name.
      expect([...names]).toEqual(['Dujiangyan (renamed by the workers test)']);
    } finally {
      await upsert(original.name);
    }
  });

  it('supports automatic persisted queries: a hash alone runs once the gateway has seen the text', async () => {
    const gateway = await stack.startGateway({});
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
    let a: RunningService;
    let b: RunningService;

    beforeAll(async () => {
      const shared = {
        REDIS_URL: REDIS!,
        REDIS_KEY_PREFIX: `test-${randomBytes(4).toString('hex')}:`,
        RATE_LIMIT_ANONYMOUS_PER_MINUTE: '4',
      };
      [a, b] = await Promise.all([stack.startGateway(shared), stack.startGateway(shared)]);
    });

    it('shares one rate-limit budget between two gateway processes', async () => {
      // Warm both gateways (query plans, subgraph connections) on an admin key's own bucket,
      // so the anonymous burst below runs well inside the bucket's refill time (15 s a token).
      const admin = { authorization: `Bearer ${DEV_CREDENTIALS.admin.secret}` };
      for (const gateway of [a, b]) expect((await graphql(gateway.url, ALLIANCE, {}, admin)).status).toBe(200);
      const statuses: number[] = [];
      for (const gateway of [a, b, a, b, a, b]) statuses.push((await graphql(gateway.url, ALLIANCE)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    });

    it('shares the response cache between two gateway processes, and a mutation through either clears it', async () => {
      // A pair of its own: the pair above has spent its anonymous rate-limit budget.
      const shared = { REDIS_URL: REDIS!, REDIS_KEY_PREFIX: `test-${randomBytes(4).toString('hex')}:` };
      const [a, b] = await Promise.all([stack.startGateway(shared), stack.startGateway(shared)]);
      const query = `{ attraction(slug: "mount-emei") { name level worldHeritage } }`;
      const fresh = await post(a, { query });
      expect(fresh.data).toEqual({ attraction: { name: 'Mount Emei', level: 'AAAAA', worldHeritage: true } });
      const before = await stack.sqlStatements('tourism');
      expect((await post(b, { query })).data).toEqual(fresh.data);
      expect(await stack.sqlStatements('tourism')).toBe(before);
      // Any mutation through a gateway invalidates the shared cache, for every replica.
      await post(
        a,
        { query: 'mutation { revokeApiKey(id: "no-such-key") { id } }' },
        { authorization: `Bearer ${DEV_CREDENTIALS.admin.secret}` },
      );
      expect((await post(b, { query })).data).toEqual(fresh.data);
      expect(await stack.sqlStatements('tourism')).toBeGreaterThan(before);
    });

    it('shares persisted queries between two gateway processes', async () => {
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
  gateway: RunningService,
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

/** POSTs on a connection of its own (no keep-alive), so that cluster workers take turns. */
function postOnNewConnection(
  port: number,
  payload: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ data?: unknown; errors?: Array<{ extensions?: Record<string, unknown> }> }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/graphql',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', connection: 'close', ...headers },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve(JSON.parse(text) as never));
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify(payload));
  });
}
