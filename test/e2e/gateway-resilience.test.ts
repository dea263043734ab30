import { graphql } from '../support/processes';
import { type LoadOutcome, startLoad, waitFor } from '../support/load';
import { FaultProxy } from '../support/proxy';
import { startStack, type Stack } from '../support/stack';

// What gateway resilience needs real processes for: a subgraph killed (SIGKILL) and restarted
// under load, and the gateway's own SIGTERM. The rest runs in-process in
// test/gateway/resilience.test.ts. SQLite only.

describe('the gateway under subgraph failure, as processes', () => {
  let stack: Stack;
  let proxy: FaultProxy;

  beforeAll(async () => {
    stack = await startStack('sqlite');
    proxy = new FaultProxy(stack.membership.url);
    await proxy.up();
  });
  afterAll(async () => {
    await proxy?.down();
    await stack?.stop();
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
      await waitFor(() => load.outcomes.length >= 50, 30_000, '50 answers before the fault');
      const tourism = stack.subgraphs.tourism!;
      tourism.child.kill('SIGKILL');
      await tourism.stop(); // resolves once the killed process is gone
      const down = load.sent();
      await waitFor(() => load.outcomes.filter((o) => o.seq >= down).length >= 50, 30_000, '50 answers while down');
      const restarting = load.sent();
      await stack.restart('tourism');
      const up = load.sent();
      // Within seconds of the restart, only full answers: 50 in a row, from requests sent after it.
      await waitFor(
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
    await waitFor(() => proxy.received > 0 && proxy.mode.kind === 'delay', 10_000, 'the request reaching the subgraph');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const exit = draining.stop();
    const { body } = await inFlight;
    expect(body.data).toEqual({ members: { totalCount: 35 } });
    expect(await exit).toBe(0);
  });
});
