import { runSubscriptionBench } from '../../bench/subscriptions';
import { stableId } from '../../subgraphs/kit/ids';
import { type InProcessGraph, startInProcessGraph } from '../support/gateway';
import { AUTHOR_KEY } from '../support/live';
import { graphql } from '../support/processes';

/** Scenario S5 of `npm run bench`, small: every subscriber gets every story published during the run. */
describe('the bench subscription scenario (S5)', () => {
  let graph: InProcessGraph;

  beforeAll(async () => {
    graph = await startInProcessGraph();
  });
  afterAll(() => graph?.stop());

  it('delivers each story published at the rate to every subscriber and measures each delivery', async () => {
    const mutate = async (query: string, variables: Record<string, unknown>) => {
      const { body } = await graphql(graph.gateway.url, query, variables, { authorization: `Bearer ${AUTHOR_KEY}` });
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data!;
    };
    const lines: string[] = [];
    const result = await runSubscriptionBench({
      gatewayUrl: graph.gateway.url,
      // The gateway runs in this process.
      gatewayPid: process.pid,
      subscribers: 5,
      ratePerSecond: 4,
      seconds: 1,
      createDraft: async (i) => {
        const data = await mutate('mutation($input: CreateContentInput!) { createContent(input: $input) { id } }', {
          input: {
            kind: 'ARTICLE',
            title: `Bench story ${i}`,
            language: 'en',
            attractionIds: [stableId('attraction', 'leshan-giant-buddha')],
          },
        });
        return (data as { createContent: { id: string } }).createContent.id;
      },
      publish: async (id) => {
        await mutate('mutation($id: ID!) { publishContent(id: $id) { id } }', { id });
      },
      log: (line) => void lines.push(line),
    });
    expect(result).toMatchObject({ subscribers: 5, published: 4, expected: 20, delivered: 20, errors: 0 });
    expect(result.latencies).toHaveLength(20);
    expect(result.latencies.every((latency) => latency > 0)).toBe(true);
    expect(lines.some((line) => line.includes('with 5 subscribers'))).toBe(true);
  });
});
