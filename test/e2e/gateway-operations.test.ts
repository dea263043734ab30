import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { processTree } from '../../bench/procfs';
import { operationId } from '../../gateway/operations';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { graphql, type RunningService } from '../support/processes';
import { startStack, type Stack } from '../support/stack';

// What needs real processes: GATEWAY_WORKERS, and replicas sharing Redis; the rest of the gateway's
// operations run in-process (test/gateway/operations.test.ts). SQLite only.
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
