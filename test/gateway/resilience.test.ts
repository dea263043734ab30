import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { type InProcessGateway, type InProcessGraph, startInProcessGraph } from '../support/gateway';
import { waitFor } from '../support/load';
import { freePort, graphql } from '../support/processes';
import { FaultProxy } from '../support/proxy';

// Gateway behaviour under subgraph failure, in-process: a fault proxy in front of the membership
// subgraph, and gateways pointed at ports where nothing listens. What needs processes (a subgraph
// killed under load, SIGTERM) is in test/e2e/gateway-resilience.test.ts. SQLite only: the
// behaviour does not depend on the database.

const TIMEOUT_MS = 800;

describe('the gateway under subgraph failure', () => {
  let graph: InProcessGraph;
  let proxy: FaultProxy;
  let gateway: InProcessGateway;

  beforeAll(async () => {
    graph = await startInProcessGraph();
    proxy = new FaultProxy(graph.subgraphs.membership!.url.replace(/\/graphql$/, ''));
    await proxy.up();
    gateway = await graph.startGateway({
      SUBGRAPH_MEMBERSHIP_URL: `${proxy.url}/graphql`,
      SUBGRAPH_MEMBERSHIP_TIMEOUT_MS: String(TIMEOUT_MS),
      CREDENTIAL_CACHE_TTL_SECONDS: '60',
    });
  });
  afterAll(async () => {
    await proxy?.down();
    await graph?.stop();
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
    await waitFor(() => proxy.abandoned > abandonedBefore, 10_000, 'the gateway hanging up');
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
    const split = await graph.startGateway({ SUBGRAPH_TOURISM_URL: `http://127.0.0.1:${await freePort()}/graphql` });
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
    const split = await graph.startGateway({ SUBGRAPH_MEMBERSHIP_URL: `http://127.0.0.1:${await freePort()}/graphql` });
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
    const split = await graph.startGateway({ SUBGRAPH_CONTENT_URL: `http://127.0.0.1:${await freePort()}/graphql` });
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
});
