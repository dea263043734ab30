import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { freePort, graphql, type RunningService } from '../support/processes';
import { type LoadOutcome, startLoad, waitFor as waitUntil } from '../support/load';
import { FaultProxy } from '../support/proxy';
import { startStack, type Stack } from '../support/stack';

// Gateway behaviour under failure does not depend on the database; SQLite only.

const TIMEOUT_MS = 800;

describe('the gateway under subgraph failure', () => {
  let stack: Stack;
  let proxy: FaultProxy;
  let gateway: RunningService;

  beforeAll(async () => {
    stack = await startStack('sqlite');
    proxy = new FaultProxy(stack.membership.url);
    await proxy.up();
    gateway = await stack.startGateway({
      SUBGRAPH_MEMBERSHIP_URL: `${proxy.url}/graphql`,
      SUBGRAPH_MEMBERSHIP_TIMEOUT_MS: String(TIMEOUT_MS),
      CREDENTIAL_CACHE_TTL_SECONDS: '60',
    });
  });
  afterAll(async () => {
    await proxy?.down();
    await stack?.stop();
  });
  afterEach(() => {
    proxy.mode = { kind: 'pass' };
  });

  const members = () =>
    graphql<{ members: { totalCount: number } }>(gateway.url, '{ members(first: 1) { totalCount } }');

  it('cuts a subgraph that answers after its timeout, aborting the request, and says SUBGRAPH_UNAVAILABLE', async () => {
    proxy.mode = { kind: 'delay', ms: TIMEOUT_MS * 5 };
    const abandonedBefore = proxy.abandoned;
    const { status, body } = await members();
    expect(status).toBe(200);
    expect(body.data).toBeNull();
    expect(body.errors?.[0]).toMatchObject({ extensions: { code: 'SUBGRAPH_UNAVAILABLE' } });
    expect(body.errors?.[0]?.message).toMatch(/did not answer in time/);
    expect(JSON.stringify(body)).not.toMatch(/membership|127\.0\.0\.1/);
    // The gateway hung up on the slow subgraph instead of waiting for its answer.
    await waitFor(() => proxy.abandoned > abandonedBefore);
  });

  it('retries a query once when the connection drops, and succeeds', async () => {
    proxy.mode = { kind: 'reset-once' };
    const before = proxy.received;
    const { body } = await members();
    expect(body.data).toEqual({ members: { totalCount: 35 } });
    expect(proxy.received - before).toBe(2);
  });

  it('never retries a mutation', async () => {
    const admin = { authorization: `Bearer ${DEV_CREDENTIALS.admin.secret}` };
    // Check the credential first, so that the dropped connection hits the mutation itself.
    await graphql(gateway.url, '{ viewer { role } }', {}, admin);
    proxy.mode = { kind: 'reset-once' };
    const before = proxy.received;
    const { body } = await graphql(gateway.url, 'mutation { revokeApiKey(id: "no-such-key") { id } }', {}, admin);
    expect(body.errors?.[0]?.extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
    expect(proxy.received - before).toBe(1);
  });

  it('reports an unavailable subgraph in /readyz, keeps serving, and recovers by itself when it returns', async () => {
    await proxy.down();
    try {
      const ready = await fetch(`${gateway.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'degraded' });
      const detailed = await fetch(`${gateway.metricsUrl}/readyz`);
      expect(detailed.status).toBe(503);
      expect(await detailed.json()).toEqual({
        status: 'degraded',
        subgraphs: expect.objectContaining({ membership: 'unavailable' }),
      });
      const { body } = await members();
      expect(body.errors?.[0]?.extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
      expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    } finally {
      await proxy.up();
    }
    const { body } = await members();
    expect(body.data).toEqual({ members: { totalCount: 35 } });
    expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
  });

  it('answers with the data of healthy subgraphs and SUBGRAPH_UNAVAILABLE at the path of one that is down', async () => {
    const split = await stack.startGateway({ SUBGRAPH_TOURISM_URL: `http://127.0.0.1:${await freePort()}/graphql` });
    const { status, body } = await graphql<{ alliance: { name: string }; attraction: null }>(
      split.url,
      '{ alliance { name } attraction(slug: "mount-emei") { name } }',
    );
    expect(status).toBe(200);
    expect(body.data).toEqual({
      alliance: { name: 'Sichuan Cultural and Tourism Promotion Alliance' },
      attraction: null,
    });
    expect(body.errors).toEqual([
      expect.objectContaining({
        path: ['attraction'],
        extensions: expect.objectContaining({ code: 'SUBGRAPH_UNAVAILABLE' }),
      }),
    ]);
    const ready = await fetch(`${split.metricsUrl}/readyz`);
    expect(await ready.json()).toEqual({
      status: 'degraded',
      subgraphs: expect.objectContaining({ membership: 'ready', tourism: 'unavailable' }),
    });
  });

  it('keeps objects whose cross-subgraph fields are missing: contents without their authors while membership is down', async () => {
    const split = await stack.startGateway({ SUBGRAPH_MEMBERSHIP_URL: `http://127.0.0.1:${await freePort()}/graphql` });
    const { body } = await graphql<{ contents: { nodes: Array<{ title: string; author: null }> } }>(
      split.url,
      '{ contents(first: 3, filter: { status: PUBLISHED }) { nodes { title author { name } } } }',
    );
    expect(body.data!.contents.nodes).toHaveLength(3);
    for (const node of body.data!.contents.nodes) expect(node).toEqual({ title: expect.any(String), author: null });
    expect(body.errors?.[0]?.extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
    expect(body.errors?.[0]?.path?.[0]).toBe('contents');
  });

  it('keeps members when the content subgraph is down, with their contents null', async () => {
    const split = await stack.startGateway({ SUBGRAPH_CONTENT_URL: `http://127.0.0.1:${await freePort()}/graphql` });
    const { body } = await graphql<{ members: { nodes: Array<{ slug: string; contents: null }> } }>(
      split.url,
      '{ members(first: 2) { nodes { slug contents(first: 1) { totalCount } } } }',
    );
    expect(body.data!.members.nodes).toEqual([
      { slug: expect.any(String), contents: null },
      { slug: expect.any(String), contents: null },
    ]);
    expect(body.errors?.[0]?.extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
  });

  it('counts subgraph errors and timeouts in /metrics', async () => {
    const text = await (await fetch(`${gateway.metricsUrl}/metrics`)).text();
    expect(text).toMatch(/subgraph_fetch_errors_total\{subgraph="membership",kind="timeout"\} [1-9]/);
    expect(text).toMatch(/subgraph_fetch_errors_total\{subgraph="membership",kind="connection"\} [1-9]/);
  });

  it("under load, keeps answering with the other subgraphs' data while a subgraph is killed (SIGKILL), and full answers again once it is restarted", async () => {
    // Every answer must come from the subgraphs: no response cache, no rate limit.
    const faulted = await stack.startGateway({ RESPONSE_CACHE_ENTRIES: '0', RATE_LIMIT_ANONYMOUS_PER_MINUTE: '0' });
    const query = JSON.stringify({ query: '{ alliance { name } attraction(slug: "mount-emei") { name } }' });
    const kind = (o: LoadOutcome) => {
      const data = o.body?.data as { alliance?: { name?: string }; attraction?: { name?: string } | null } | undefined;
      if (o.error || o.status !== 200 || !data?.alliance?.name) return 'broken';
      if (data.attraction?.name && !o.body?.errors) return 'full';
      const [error, ...more] = o.body?.errors ?? [];
      const coded =
        data.attraction === null &&
        more.length === 0 &&
        JSON.stringify(error?.path) === '["attraction"]' &&
        error?.extensions?.code === 'SUBGRAPH_UNAVAILABLE';
      return coded ? 'partial' : 'broken';
    };
    const load = startLoad({ url: `${faulted.url}/graphql`, body: query, clients: 8 });
    try {
      await waitUntil(() => load.outcomes.length >= 50, 30_000, '50 answers before the fault');
      const tourism = stack.subgraphs.tourism!;
      tourism.child.kill('SIGKILL');
      await tourism.stop(); // resolves once the killed process is gone
      const down = load.sent();
      await waitUntil(() => load.outcomes.filter((o) => o.seq >= down).length >= 50, 30_000, '50 answers while down');
      const restarting = load.sent();
      await stack.restart('tourism');
      const up = load.sent();
      // Within seconds of the restart, only full answers: 50 in a row, from requests sent after it.
      await waitUntil(
        () => {
          const since = load.outcomes.filter((o) => o.seq >= up).sort((a, b) => a.seq - b.seq);
          return since.length >= 50 && since.slice(-50).every((o) => kind(o) === 'full');
        },
        15_000,
        '50 full answers in a row after the restart',
      );
      const outcomes = await load.stop();
      const tally = (from: number, to: number) =>
        outcomes
          .filter((o) => o.seq >= from && o.seq < to)
          .reduce<Record<string, number>>((counts, o) => ({ ...counts, [kind(o)]: (counts[kind(o)] ?? 0) + 1 }), {});
      // Every answer carries the other subgraphs' data; the only errors are the coded partial ones.
      expect(outcomes.filter((o) => kind(o) === 'broken')).toEqual([]);
      expect(tally(0, down).full).toBeGreaterThanOrEqual(50);
      // While tourism was gone, every answer said so at its path.
      const whileDown = tally(down, restarting);
      expect(whileDown).toEqual({ partial: expect.any(Number) });
      expect(whileDown.partial).toBeGreaterThanOrEqual(50);
      // The same gateway process served throughout, and logged no unexpected error.
      expect(faulted.child.exitCode).toBeNull();
      expect(faulted.output()).not.toMatch(/"level":50/);
    } finally {
      await load.stop();
    }
  });

  it('finishes an in-flight request on SIGTERM, then exits 0', async () => {
    const draining = await stack.startGateway({ SUBGRAPH_MEMBERSHIP_URL: `${proxy.url}/graphql` });
    proxy.mode = { kind: 'delay', ms: 1500 };
    const inFlight = graphql<{ members: { totalCount: number } }>(draining.url, '{ members(first: 1) { totalCount } }');
    await waitFor(() => proxy.received > 0 && proxy.mode.kind === 'delay');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const exit = draining.stop();
    const { body } = await inFlight;
    expect(body.data).toEqual({ members: { totalCount: 35 } });
    expect(await exit).toBe(0);
  });
});

async function waitFor(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
