import { processTree } from '../../bench/procfs';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { type Reply, rawPost } from '../support/http';
import { waitFor } from '../support/load';
import { startStack, type Stack } from '../support/stack';

// What needs real processes: GATEWAY_WORKERS (node:cluster). The rest of the gateway's operations,
// replicas sharing Redis included, run in-process (test/gateway/operations.test.ts). SQLite only.

describe('gateway operations across processes', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('sqlite');
  });
  afterAll(() => stack?.stop());

  it("serves through GATEWAY_WORKERS processes on one port, and a mutation through any clears every worker's cache", async () => {
    const gateway = await stack.startGateway({ GATEWAY_WORKERS: '2' });
    // The primary and its two workers.
    expect(processTree(gateway.child.pid!)).toHaveLength(3);
    // `/healthz` answers as soon as one worker listens; the connections below must reach both.
    const readyWorkers = () => gateway.output().match(/"msg":"gateway ready"/g)?.length ?? 0;
    await waitFor(() => readyWorkers() >= 2, 30_000, 'both workers listening');
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
});

/** POSTs on a connection of its own (no keep-alive), so that cluster workers take turns. */
async function postOnNewConnection(
  port: number,
  payload: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<NonNullable<Reply['body']>> {
  return (await rawPost(port, JSON.stringify(payload), headers, { newConnection: true })).body ?? {};
}
