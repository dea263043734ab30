import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { ENGINES } from '../support/databases';
import { freePort, graphql, runToExit, type RunningService } from '../support/processes';
import { startStack, type Stack } from '../support/stack';

describe.each(ENGINES)('the federated stack on %s, as real processes over HTTP', (engine) => {
  let stack: Stack;
  let gateway: RunningService;
  let membership: RunningService;

  beforeAll(async () => {
    stack = await startStack(engine);
    ({ gateway, membership } = stack);
  });
  afterAll(() => stack?.stop());

  it('answers the quickstart query through the gateway with 35 members and five nodes', async () => {
    const { status, body } = await graphql<{ members: { totalCount: number; nodes: unknown[] } }>(
      gateway.url,
      '{ members(first: 5) { totalCount nodes { id slug name kind } } }',
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data!.members.totalCount).toBe(35);
    expect(body.data!.members.nodes).toHaveLength(5);
  });

  it('forwards Accept-Language so that names come back in Chinese', async () => {
    const { body } = await graphql<{ member: { name: string } }>(
      gateway.url,
      '{ member(slug: "chengdu-evening-news") { name localName } }',
      {},
      { 'accept-language': 'zh-CN,zh;q=0.9' },
    );
    expect(body.data!.member).toEqual({ name: '成都晚报', localName: '成都晚报' });
  });

  it('answers members(first: 1000) with BAD_USER_INPUT and no internals', async () => {
    const { body } = await graphql(gateway.url, '{ members(first: 1000) { totalCount } }');
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|stacktrace|membership/);
  });

  it('counts SQL statements per subgraph, for tests and the benchmark, behind the gateway signature', async () => {
    const before = await stack.sqlStatements('membership');
    await graphql(gateway.url, '{ members(first: 3) { nodes { slug } } }');
    expect(await stack.sqlStatements('membership')).toBe(before + 1);
    expect((await fetch(`${membership.url}/internal/stats`)).status).toBe(401);
  });

  it('reports readiness of the gateway, with each subgraph on its operator listener only, and of each subgraph', async () => {
    const gatewayReady = await fetch(`${gateway.url}/readyz`);
    expect(gatewayReady.status).toBe(200);
    expect(await gatewayReady.json()).toEqual({ status: 'ready' });
    // Every subgraph present in this checkout, whichever have been built so far.
    const subgraphs = Object.fromEntries(Object.keys(stack.subgraphs).map((name) => [name, 'ready']));
    expect(subgraphs).toHaveProperty('membership');
    const detailed = await fetch(`${gateway.metricsUrl}/readyz`);
    expect(detailed.status).toBe(200);
    expect(await detailed.json()).toEqual({ status: 'ready', subgraphs });
    expect((await fetch(`${membership.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${membership.url}/healthz`)).status).toBe(200);
  });

  it('reloads a changed supergraph file and keeps the current one when the new file is invalid', async () => {
    const original = fs.readFileSync(stack.supergraphPath, 'utf8');
    const marker = `Reloaded ${randomBytes(3).toString('hex')}`;
    // The membership subgraph moves too: the gateway builds its client again (SUBGRAPH_MEMBERSHIP_URL
    // still points at the running one), and the one it replaces lets its connections go.
    const moved = 'MEMBERSHIP @join__graph(name: "membership", url: "http://membership.moved.invalid/graphql")';
    const changed = original
      .replace('"""The Sichuan Cultural and Tourism Promotion Alliance itself."""', `"""${marker}"""`)
      .replace(/MEMBERSHIP @join__graph\(name: "membership", url: "[^"]*"\)/, moved);
    expect(changed).toContain(marker);
    expect(changed).toContain(moved);
    const description = async () =>
      (await graphql<{ __type: { description: string } }>(gateway.url, '{ __type(name: "Alliance") { description } }'))
        .body.data?.__type.description;

    fs.writeFileSync(stack.supergraphPath, changed);
    await waitFor(async () => (await description()) === marker);

    fs.writeFileSync(stack.supergraphPath, 'type Broken {');
    await waitFor(async () => /new supergraph is invalid; keeping the current one/.test(gateway.output()));
    expect(await description()).toBe(marker);
    const { body } = await graphql<{ members: { totalCount: number } }>(gateway.url, '{ members { totalCount } }');
    expect(body.data!.members.totalCount).toBe(35);
  });

  it('keeps its data across a restart without seeding again, and stops cleanly on SIGTERM', async () => {
    const first = membership;
    membership = await stack.restartMembership();
    expect(first.child.exitCode).toBe(0);
    expect(first.output()).toMatch(/seeded sample data/);
    const { body } = await graphql<{ members: { totalCount: number } }>(gateway.url, '{ members { totalCount } }');
    expect(body.data!.members.totalCount).toBe(35);
    expect(membership.output()).not.toMatch(/seeded sample data/);
  });
});

describe('start-up failures', () => {
  it('stops with one clear line when DATABASE_URL has an unknown scheme', async () => {
    const { code, output } = await runToExit('subgraphs/membership/index.ts', {
      DATABASE_URL: 'postgres://root@127.0.0.1:5432',
      PORT: String(await freePort()),
    });
    expect(code).toBe(1);
    expect(output.trim().split('\n')).toEqual([
      'membership: DATABASE_URL has unsupported scheme "postgres" (use mysql://user:password@host:port, or unset it for embedded SQLite)',
    ]);
  });

  it('stops with one clear line when the database cannot be reached', async () => {
    const { code, output } = await runToExit('subgraphs/membership/index.ts', {
      DATABASE_URL: `mysql://root:pw@127.0.0.1:${await freePort()}`,
      PORT: String(await freePort()),
    });
    expect(code).toBe(1);
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^membership: cannot prepare MySQL mysql:\/\/root:\*\*\*@127\.0\.0\.1:\d+\/alliance_membership: .*ECONNREFUSED/,
    );
  });

  it('stops the gateway with one clear line when the supergraph file is missing', async () => {
    const { code, output } = await runToExit('gateway/index.ts', {
      SUPERGRAPH_PATH: '/nonexistent/supergraph.graphql',
      PORT: String(await freePort()),
    });
    expect(code).toBe(1);
    expect(output.trim()).toMatch(
      /^gateway: cannot read SUPERGRAPH_PATH \/nonexistent\/supergraph\.graphql \(ENOENT\)/,
    );
  });
});

async function waitFor(predicate: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
