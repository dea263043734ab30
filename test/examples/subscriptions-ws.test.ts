import { stableId } from '../../subgraphs/kit/ids';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { type InProcessGraph, startInProcessGraph } from '../support/gateway';
import { contentReceivers, publishStory, runExample, type RunningExample, until } from '../support/live';

const PANDA_BASE = stableId('attraction', 'chengdu-research-base-of-giant-panda-breeding');
const LESHAN = stableId('attraction', 'leshan-giant-buddha');

describe('examples/subscriptions/ws.ts: a live feed over WebSocket from Node', () => {
  let graph: InProcessGraph;
  const running: RunningExample[] = [];
  const run = (env: Record<string, string>) => {
    const example = runExample('examples/subscriptions/ws.ts', { GATEWAY_URL: `${graph.gateway.url}/graphql`, ...env });
    running.push(example);
    return example;
  };

  beforeAll(async () => {
    graph = await startInProcessGraph();
  });
  afterEach(async () => {
    for (const example of running.splice(0)) await example.stop();
  });
  afterAll(() => graph?.stop());

  it('prints each published story its filter picks, with the author and the attractions', async () => {
    const before = contentReceivers(graph);
    const feed = run({
      ALLIANCE_KEY: DEV_CREDENTIALS.admin.secret,
      FILTER: JSON.stringify({ attractionId: PANDA_BASE }),
    });
    await feed.printed(/subscribed to contentPublished/);
    await until(() => contentReceivers(graph) > before);

    await publishStory(graph.gateway.url, 'The Buddha at noon', [LESHAN]);
    const id = await publishStory(graph.gateway.url, 'Pandas at dawn', [PANDA_BASE, LESHAN]);
    await feed.printed(/published: "Pandas at dawn"/);
    expect(feed.output()).toMatch(
      new RegExp(`published: "Pandas at dawn" by Chengdu Evening News \\(.*Panda.*, Leshan.*\\) \\[${id}\\]`),
    );
    // Events come in commit order: the story outside the filter, published first, was left out.
    expect(feed.output()).not.toContain('The Buddha at noon');
  });

  it('says when the gateway refuses its key, and exits with 1', async () => {
    const feed = run({ ALLIANCE_KEY: 'not-a-key' });
    expect(await feed.exited).toBe(1);
    expect(feed.output()).toContain('the gateway refused the credential');
  });
});
