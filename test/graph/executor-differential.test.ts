import { Kind, parse } from 'graphql';
import { loadExamples } from '../../examples/catalog';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { graphql } from '../support/processes';
import { FaultProxy } from '../support/proxy';
import { type InProcessGateway, type InProcessGraph, startInProcessGraph } from '../support/gateway';

/**
 * The gateway's own executor (GATEWAY_EXECUTOR=ours), with Apollo's planner and with Hive's
 * (GATEWAY_PLANNER=hive), against Apollo's executor on the seeded graph: the same operations
 * through three gateways on the same subgraphs must answer the same status, data and errors
 * (messages, paths, codes). Queries only: mutations would change what the next reads.
 */
const SECRETS = { member: DEV_CREDENTIALS.member.secret, admin: DEV_CREDENTIALS.admin.secret };

const queries = loadExamples()
  .filter((example) =>
    parse(example.document).definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && d.operation === 'query'),
  )
  .map((example) => ({
    name: example.name,
    document: example.document,
    variables: example.variables,
    headers: {
      ...example.headers,
      ...(example.credential === 'anonymous' ? {} : { authorization: `Bearer ${SECRETS[example.credential]}` }),
    } as Record<string, string>,
  }));

/** Operations the examples do not cover: aliases, fragments, @skip/@include, __typename, errors. */
const extra = [
  {
    name: 'aliases, fragments and __typename across subgraphs',
    document: `query ($slug: String!) {
      __typename
      a: attraction(slug: $slug) { __typename ...Names campaigns { __typename slug organizer { n: name } } }
      b: attraction(slug: "no-such-attraction") { name }
    }
    fragment Names on Attraction { name localName }`,
    variables: { slug: 'leshan-giant-buddha' },
    headers: {},
  },
  ...[true, false].map((flag) => ({
    name: `@skip and @include with ${flag}`,
    document: `query ($flag: Boolean!) {
      attraction(slug: "leshan-giant-buddha") {
        name @skip(if: $flag)
        campaigns @include(if: $flag) { slug }
        ... @include(if: $flag) { localName }
      }
    }`,
    variables: { flag },
    headers: {},
  })),
  {
    name: 'only root __typename (no subgraph to ask)',
    document: '{ __typename }',
    variables: {},
    headers: {},
  },
  {
    name: 'root introspection beside a subgraph field, in a fragment',
    document: '{ ...Meta alliance { name } } fragment Meta on Query { __type(name: "Attraction") { name kind } }',
    variables: {},
    headers: {},
  },
  {
    name: 'an admin-only field asked anonymously',
    document: '{ viewer { role } audit { id } }',
    variables: {},
    headers: {},
  },
];

/** A response without what differs by request: the request id. */
function comparable(response: Awaited<ReturnType<typeof graphql>>) {
  return {
    status: response.status,
    data: response.body.data,
    errors: response.body.errors?.map(({ extensions, ...error }) => {
      const { requestId: _requestId, ...rest } = extensions ?? {};
      return { ...error, extensions: rest };
    }),
  };
}

describe("the gateway's own executor answers as Apollo's on the seeded graph", () => {
  let graph: InProcessGraph;
  let ours: InProcessGateway;
  let hive: InProcessGateway;
  beforeAll(async () => {
    // No response cache: every request runs its query plan. The first gateway is the reference:
    // Apollo's executor over Apollo's planner.
    graph = await startInProcessGraph({ GATEWAY_EXECUTOR: 'apollo', RESPONSE_CACHE_ENTRIES: '0' });
    ours = await graph.startGateway({
      GATEWAY_EXECUTOR: 'ours',
      GATEWAY_PLANNER: 'apollo',
      RESPONSE_CACHE_ENTRIES: '0',
    });
    hive = await graph.startGateway({ GATEWAY_EXECUTOR: 'ours', GATEWAY_PLANNER: 'hive', RESPONSE_CACHE_ENTRIES: '0' });
  });
  afterAll(() => graph?.stop());

  it.each([...queries, ...extra].map((q) => [q.name, q] as const))('%s', async (_name, query) => {
    const apollo = await graphql(graph.gateway.url, query.document, query.variables, query.headers);
    const own = await graphql(ours.url, query.document, query.variables, query.headers);
    const hivePlanned = await graphql(hive.url, query.document, query.variables, query.headers);
    expect(comparable(own)).toEqual(comparable(apollo));
    expect(comparable(hivePlanned)).toEqual(comparable(apollo));
    expect(apollo.status).toBe(200);
  });

  it('answers a subgraph that breaks the schema with RESPONSE_VALIDATION_FAILED at the field, with either executor', async () => {
    const proxy = new FaultProxy(graph.subgraphs.tourism!.url.replace(/\/graphql$/, ''));
    await proxy.up();
    try {
      const env = { SUBGRAPH_TOURISM_URL: `${proxy.url}/graphql`, RESPONSE_CACHE_ENTRIES: '0' };
      const [apolloBroken, oursBroken] = await Promise.all([
        graph.startGateway({ ...env, GATEWAY_EXECUTOR: 'apollo' }),
        graph.startGateway({ ...env, GATEWAY_EXECUTOR: 'ours' }),
      ]);
      const document = '{ attraction(slug: "leshan-giant-buddha") { slug name } }';
      // A null, then a number, for the non-null String `Attraction.name`.
      for (const broken of ['null', '42']) {
        proxy.mode = { kind: 'rewrite', body: (text) => text.replace(/"name":"[^"]*"/g, `"name":${broken}`) };
        const apollo = await graphql(apolloBroken.url, document, {}, {});
        const own = await graphql(oursBroken.url, document, {}, {});
        expect(comparable(own)).toEqual(comparable(apollo));
        // Apollo's executor alone would report them in `extensions.valueCompletion`: the gateway moves them.
        expect(apollo.body).not.toHaveProperty('extensions');
        expect(own.body.data).toEqual({ attraction: null });
        expect(own.body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
          [['attraction', 'name'], 'RESPONSE_VALIDATION_FAILED'],
        ]);
      }
      // A subgraph error cannot borrow the gateway's code to get its message through the masking.
      const claimed = JSON.stringify({
        data: { attraction: null },
        errors: [
          { message: 'SELECT secret', path: ['attraction'], extensions: { code: 'RESPONSE_VALIDATION_FAILED' } },
        ],
      });
      proxy.mode = { kind: 'rewrite', body: () => claimed };
      const apollo = await graphql(apolloBroken.url, document, {}, {});
      const own = await graphql(oursBroken.url, document, {}, {});
      expect(comparable(own)).toEqual(comparable(apollo));
      expect(own.body.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([
        ['Internal server error', 'INTERNAL_SERVER_ERROR'],
      ]);
    } finally {
      await proxy.down();
    }
  });

  it('keeps partial data with SUBGRAPH_UNAVAILABLE at the same paths when a subgraph is down', async () => {
    await graph.subgraphs.campaigns!.stop();
    for (const query of queries.filter((q) => ['attraction-campaigns', 'member-campaigns'].includes(q.name))) {
      const apollo = await graphql(graph.gateway.url, query.document, query.variables, query.headers);
      const own = await graphql(ours.url, query.document, query.variables, query.headers);
      const hivePlanned = await graphql(hive.url, query.document, query.variables, query.headers);
      expect(comparable(own)).toEqual(comparable(apollo));
      expect(comparable(hivePlanned)).toEqual(comparable(apollo));
      expect(own.body.errors?.map((e) => e.extensions?.code)).toContain('SUBGRAPH_UNAVAILABLE');
    }
  });

  it('reports the same first 50 affected paths, in response order, when more entities are affected', async () => {
    await graph.subgraphs.campaigns!.stop();
    // 52 attractions and 35 members lose their campaigns: Apollo's planner fetches them in two
    // requests, Hive's in one batched request.
    const document = `{
      attractions(first: 100) { edges { node { slug campaigns { slug } } } }
      members(first: 100) { edges { node { slug campaigns { role } } } }
    }`;
    const apollo = await graphql(graph.gateway.url, document, {}, {});
    const own = await graphql(ours.url, document, {}, {});
    const hivePlanned = await graphql(hive.url, document, {}, {});
    expect(comparable(own)).toEqual(comparable(apollo));
    expect(comparable(hivePlanned)).toEqual(comparable(apollo));
    const attractions = (apollo.body.data as { attractions: { edges: unknown[] } }).attractions.edges;
    expect(attractions.length).toBeGreaterThan(50);
    expect(apollo.body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual(
      Array.from({ length: 50 }, (_, i) => [['attractions', 'edges', i, 'node'], 'SUBGRAPH_UNAVAILABLE']),
    );
  });
});
