import { composeServices } from '@apollo/composition';
import type { GraphQLDataSource } from '@apollo/gateway';
import type { GatewayGraphQLRequestContext, GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError, type GraphQLSchema, execute, parse } from 'graphql';
import {
  type LoadedSupergraph,
  createPlanExecutor,
  executeQueryPlan,
  loadSupergraph,
} from '../../../gateway/execution';
import { planningDocument, toExecutablePlan } from '../../../gateway/execution/planners/hive';
import { selectRepresentation } from '../../../gateway/execution/rewrites';
import { createLogger } from '../../../subgraphs/kit/logger';

const LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@requires", "@external", "@interfaceObject"])';

const PEOPLE_SDL = `${LINK}
  type Query { me: User featured: User users: [User!]! node(id: ID!): Node picks: [Pick!]! }
  type Pick { user: User! }
  interface Node @key(fields: "id") { id: ID! }
  type User implements Node @key(fields: "id") { id: ID! name: String! }
  type Place implements Node @key(fields: "id") { id: ID! city: String! }
`;
const REVIEWS_SDL = `${LINK}
  type User @key(fields: "id") {
    id: ID!
    name: String! @external
    reviews: [String!]!
    nameLength: Int! @requires(fields: "name")
  }
`;
// An @interfaceObject subgraph: its representations are rewritten to `__typename: "Node"`.
const RANKS_SDL = `${LINK}
  type Node @key(fields: "id") @interfaceObject { id: ID! rank: Int! }
`;

const users = [
  { id: '1', name: 'Li Bai' },
  { id: '2', name: 'Du Fu' },
];

const SCHEMAS: Record<string, GraphQLSchema> = {
  people: buildSubgraphSchema([
    {
      typeDefs: parse(PEOPLE_SDL),
      resolvers: {
        Query: {
          me: () => users[0],
          featured: () => users[1],
          users: () => users,
          picks: () => users.slice(0, 1).map((user) => ({ user })),
          node: (_: unknown, { id }: { id: string }) =>
            id === 'p1'
              ? { __typename: 'Place', id, city: 'Chengdu' }
              : { __typename: 'User', ...users.find((u) => u.id === id) },
        },
        Node: { __resolveType: (node: { __typename: string }) => node.__typename },
        User: { __resolveReference: (ref: { id: string }) => users.find((u) => u.id === ref.id) },
      },
    },
  ]),
  reviews: buildSubgraphSchema([
    {
      typeDefs: parse(REVIEWS_SDL),
      resolvers: {
        User: {
          __resolveReference: (ref: { id: string; name?: string }) => ref,
          reviews: (user: { id: string }) => {
            if (user.id === '2')
              throw new GraphQLError('reviews are being moderated', { extensions: { code: 'MODERATION' } });
            return [`review of ${user.id}`];
          },
          nameLength: (user: { name: string }) => user.name.length,
        },
      },
    },
  ]),
  ranks: buildSubgraphSchema([
    {
      typeDefs: parse(RANKS_SDL),
      resolvers: {
        Node: {
          __resolveReference: (ref: { __typename: string; id: string }) => ({
            ...ref,
            rank: Number(ref.id.replace('p', '')) * 10,
          }),
        },
      },
    },
  ]),
};

/** The requests each in-process subgraph got, to see how a plan fetched. */
let calls: Array<{ subgraph: string; variables: Record<string, unknown> | undefined }> = [];

function inProcess(subgraph: string): GraphQLDataSource {
  return {
    async process({ request }) {
      calls.push({ subgraph, variables: request.variables });
      const result = await execute({
        schema: SCHEMAS[subgraph]!,
        document: parse(request.query!),
        variableValues: request.variables,
      });
      return JSON.parse(JSON.stringify(result)) as GatewayGraphQLResponse;
    },
  };
}

const composed = composeServices(
  Object.entries({ people: PEOPLE_SDL, reviews: REVIEWS_SDL, ranks: RANKS_SDL }).map(([name, sdl]) => ({
    name,
    url: `http://${name}.invalid/graphql`,
    typeDefs: parse(sdl),
  })),
);
if (!composed.supergraphSdl)
  throw new Error(`composition failed: ${composed.errors?.map((e) => e.message).join('; ')}`);
const supergraphSdl = composed.supergraphSdl;

function executorOf(loaded: LoadedSupergraph) {
  const executor = createPlanExecutor(
    () => loaded,
    (name) => (SCHEMAS[name] ? inProcess(name) : undefined),
    createLogger('test', 'silent'),
  );
  return async (query: string, variables?: Record<string, unknown>) => {
    const requestContext = { request: { query, variables }, document: parse(query), queryHash: query, context: {} };
    const result = await executor(requestContext as unknown as GatewayGraphQLRequestContext);
    return JSON.parse(JSON.stringify(result)) as {
      data?: unknown;
      errors?: Array<{ message: string; path?: unknown; extensions?: Record<string, unknown> }>;
    };
  };
}

const hive = executorOf(loadSupergraph(supergraphSdl, 'hive'));
const apollo = executorOf(loadSupergraph(supergraphSdl, 'apollo'));

beforeEach(() => {
  calls = [];
});

describe("Hive's planner behind the planner seam", () => {
  it('fetches the entities of several paths in one batched request, each alias merged at its paths', async () => {
    const result = await hive('{ me { name reviews nameLength } featured { reviews } }');
    expect(result.data).toEqual({
      me: { name: 'Li Bai', reviews: ['review of 1'], nameLength: 6 },
      featured: null,
    });
    expect(calls.map((c) => c.subgraph)).toEqual(['people', 'reviews']);
    // The second user's reviews fail: the error is at the client's path of that entity.
    expect(result.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['featured', 'reviews'], 'MODERATION']]);
  });

  it('sends each distinct representation of a batch once, and answers every path it stands for', async () => {
    // User 1 is at `me` and `picks.0.user`, user 2 at `featured` and `node`; user 2's reviews fail.
    const query =
      '{ me { reviews } picks { user { reviews } } featured { reviews } node(id: "2") { ... on User { reviews } } }';
    const result = await hive(query);
    const sent = calls.filter((c) => c.subgraph === 'reviews').flatMap((c) => Object.values(c.variables ?? {}));
    // Each representations variable lists each user once: two users, two representations.
    expect(sent.length).toBeGreaterThan(0);
    for (const representations of sent) {
      const printed = (representations as unknown[]).map((r) => JSON.stringify(r));
      expect(printed).toEqual([...new Set(printed)]);
    }
    expect(sent.flat()).toHaveLength(2);
    expect(result.data).toEqual({
      me: { reviews: ['review of 1'] },
      picks: [{ user: { reviews: ['review of 1'] } }],
      featured: null,
      node: null,
    });
    const byPath = (r: typeof result) => (r.errors ?? []).map((e) => [e.path, e.extensions?.code]).sort();
    expect(byPath(result)).toEqual([
      [['featured', 'reviews'], 'MODERATION'],
      [['node', 'reviews'], 'MODERATION'],
    ]);
    // Apollo's planner fetches each path on its own: the same answer.
    expect(byPath(await apollo(query))).toEqual(byPath(result));
    expect((await apollo(query)).data).toEqual(result.data);
  });

  it('applies input rewrites: an @interfaceObject subgraph gets representations of the interface', async () => {
    const result = await hive('{ users { id rank } node(id: "p1") { rank ... on Place { city } } }');
    expect(result).toEqual({
      data: {
        users: [
          { id: '1', rank: 10 },
          { id: '2', rank: 20 },
        ],
        node: { rank: 10, city: 'Chengdu' },
      },
    });
    const ranks = calls.find((c) => c.subgraph === 'ranks');
    expect(Object.values(ranks?.variables ?? {}).flat()).toEqual(
      expect.arrayContaining([
        { __typename: 'Node', id: '1' },
        { __typename: 'Node', id: 'p1' },
      ]),
    );
  });

  it('answers root introspection and __typename itself, without a subgraph request', async () => {
    expect(await hive('{ __typename __type(name: "Node") { kind } }')).toEqual({
      data: { __typename: 'Query', __type: { kind: 'INTERFACE' } },
    });
    expect(await hive('{ ...Meta me { id } } fragment Meta on Query { __schema { queryType { name } } }')).toEqual({
      data: { __schema: { queryType: { name: 'Query' } }, me: { id: '1' } },
    });
    expect(calls.map((c) => c.subgraph)).toEqual(['people']);
  });

  it('answers QUERY_PLANNING_FAILED, not a crash, for an operation the planner cannot plan', async () => {
    // Validation would refuse this before any plan; here it reaches the planner directly.
    const result = await hive('{ noSuchField }');
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['QUERY_PLANNING_FAILED']);
    expect(calls).toEqual([]);
  });

  it("answers as with Apollo's planner: data and errors", async () => {
    const queries = [
      '{ me { id name reviews } }',
      '{ users { name nameLength reviews } }',
      'query ($id: ID!) { node(id: $id) { __typename id rank ... on User { name nameLength } } }',
      'query ($r: Boolean!) { me { id reviews @include(if: $r) } featured { ...F @skip(if: $r) } } fragment F on User { name }',
    ];
    for (const query of queries) {
      for (const variables of [
        { id: '2', r: true },
        { id: 'p1', r: false },
      ]) {
        const used = Object.fromEntries(Object.entries(variables).filter(([name]) => query.includes(`$${name}`)));
        expect(await hive(query, used)).toEqual(await apollo(query, used));
      }
    }
  });
});

describe("running Hive's plan nodes", () => {
  it('fetches only the entities a Flatten type condition keeps', async () => {
    const loaded = loadSupergraph(supergraphSdl, 'hive');
    const query = '{ users { id reviews } }';
    const run = (typeCondition: string) =>
      executeQueryPlan(
        toExecutablePlan({
          kind: 'QueryPlan',
          node: {
            kind: 'Sequence',
            nodes: [
              { kind: 'Fetch', serviceName: 'people', operation: '{users{__typename id}}' },
              {
                kind: 'Flatten',
                path: [{ Field: 'users' }, '@', { TypeCondition: [typeCondition] }],
                node: {
                  kind: 'Fetch',
                  serviceName: 'reviews',
                  operation:
                    'query($representations:[_Any!]!){_entities(representations:$representations){...on User{reviews}}}',
                  requires: [
                    {
                      kind: 'InlineFragment',
                      typeCondition: 'User',
                      selections: [
                        { kind: 'Field', name: '__typename' },
                        { kind: 'Field', name: 'id' },
                      ],
                    },
                  ],
                },
              },
            ],
          },
        }),
        { ...loaded, dataSources: (name) => (SCHEMAS[name] ? inProcess(name) : undefined) },
        { request: { query }, context: {} } as unknown as GatewayGraphQLRequestContext,
        parse(query).definitions[0] as never,
        {},
      );
    await run('Place');
    expect(calls.map((c) => c.subgraph)).toEqual(['people']);
    calls = [];
    const result = await run('Node');
    expect(calls.map((c) => c.subgraph)).toEqual(['people', 'reviews']);
    // The second user's reviews fail, which nulls the non-null list of users and the response.
    expect(result.errors?.map((e) => e.path)).toEqual([['users', 1, 'reviews']]);
  });
});

describe("translation of Hive's plans", () => {
  it('reads Flatten type conditions, typename sets and both rewrite forms', () => {
    const plan = toExecutablePlan({
      kind: 'QueryPlan',
      node: {
        kind: 'Flatten',
        path: [{ Field: 'items' }, '@', { TypeCondition: ['Book', 'Film'] }],
        node: {
          kind: 'Fetch',
          serviceName: 'b',
          operation: 'query($representations:[_Any!]!){_entities(representations:$representations){...on Node{rank}}}',
          requires: [{ kind: 'InlineFragment', typeCondition: 'Node', selections: [{ kind: 'Field', name: 'id' }] }],
          inputRewrites: [
            {
              ValueSetter: { path: [{ TypenameEquals: ['Book', 'Film'] }, { Key: '__typename' }], setValueTo: 'Node' },
            },
            { kind: 'ValueSetter', path: [{ Key: '__typename' }], setValueTo: 'Node' },
          ],
          outputRewrites: [{ KeyRenamer: { path: [{ Key: 'rank__alias' }], renameKeyTo: 'rank' } }],
        },
      },
    });
    expect(plan.node).toMatchObject({
      kind: 'Flatten',
      path: ['items', '@', { typeConditions: ['Book', 'Film'] }],
      node: {
        kind: 'Fetch',
        operationKind: 'query',
        requires: [{ kind: 'InlineFragment', typeCondition: 'Node', selections: [{ kind: 'Field', name: 'id' }] }],
        inputRewrites: [
          { kind: 'ValueSetter', path: ['... on Book', '__typename'], setValueTo: 'Node' },
          { kind: 'ValueSetter', path: ['... on Film', '__typename'], setValueTo: 'Node' },
          { kind: 'ValueSetter', path: ['__typename'], setValueTo: 'Node' },
        ],
        outputRewrites: [{ kind: 'KeyRenamer', path: ['rank__alias'], renameKeyTo: 'rank' }],
      },
    });
  });

  it("reads a subscription's root Sequence as the subscription node with the rest of the plan as its rest", () => {
    const entities = (service: string, field: string) => ({
      kind: 'Flatten' as const,
      path: [{ Field: 'posted' }, { Field: field }],
      node: {
        kind: 'Fetch' as const,
        serviceName: service,
        operation: `query($representations:[_Any!]!){_entities(representations:$representations){...on T{name}}}`,
        requires: [
          { kind: 'InlineFragment' as const, typeCondition: 'T', selections: [{ kind: 'Field' as const, name: 'id' }] },
        ],
      },
    });
    const primary = {
      kind: 'Fetch' as const,
      serviceName: 'a',
      operation: 'subscription{posted{author{__typename id}}}',
    };
    const plan = toExecutablePlan({
      kind: 'QueryPlan',
      node: {
        kind: 'Sequence',
        nodes: [
          { kind: 'Subscription', primary },
          { kind: 'Parallel', nodes: [entities('b', 'author'), entities('c', 'place')] },
        ],
      },
    });
    expect(plan.node).toMatchObject({
      kind: 'Subscription',
      primary: { kind: 'Fetch', serviceName: 'a', operationKind: 'subscription' },
      rest: {
        kind: 'Parallel',
        nodes: [
          { kind: 'Flatten', path: ['posted', 'author'], node: { serviceName: 'b' } },
          { kind: 'Flatten', path: ['posted', 'place'], node: { serviceName: 'c' } },
        ],
      },
    });
    const alone = toExecutablePlan({ kind: 'QueryPlan', node: { kind: 'Subscription', primary } });
    expect(alone.node).toMatchObject({ kind: 'Subscription', primary: { serviceName: 'a' } });
    expect(alone.node).not.toHaveProperty('rest');
  });

  it('reads a required field fetched under an internal alias, and sends it under its own name', () => {
    const plan = toExecutablePlan({
      kind: 'QueryPlan',
      node: {
        kind: 'Fetch',
        serviceName: 'a',
        operation:
          'query($representations:[_Any!]!){_entities(representations:$representations){...on Product{shippingEstimate}}}',
        requires: [
          {
            kind: 'InlineFragment',
            typeCondition: 'Product',
            selections: [
              { kind: 'Field', name: '__typename' },
              { kind: 'Field', name: 'upc' },
              { kind: 'Field', name: '_internal_qp_alias_0', alias: 'price' },
            ],
          },
        ],
      },
    });
    const fetch = plan.node?.kind === 'Fetch' ? plan.node : undefined;
    // The client asked price(currency: "USD"); the requirement is price(currency: "EUR").
    const entity = { __typename: 'Product', upc: 'p1', price: 10, _internal_qp_alias_0: 9 };
    expect(selectRepresentation(SCHEMAS.people!, entity, fetch?.requires ?? [])).toEqual({
      __typename: 'Product',
      upc: 'p1',
      price: 9,
    });
  });

  it('gives the planner the operation without the root fields the gateway answers', () => {
    expect(planningDocument(parse('{ __typename __schema { types { name } } }'), undefined)).toBeUndefined();
    expect(
      planningDocument(
        parse(
          'query A { me { id } } query B { __typename ...Q } fragment Q on Query { __type(name: "X") { name } me { __typename name } }',
        ),
        'B',
      ),
    ).toBe(
      'query B {\n  ... on Query {\n    me {\n      __typename\n      name\n    }\n  }\n}\n\nfragment Q on Query {\n  __type(name: "X") {\n    name\n  }\n  me {\n    __typename\n    name\n  }\n}',
    );
  });

  it('fetches entities under a conditional inline fragment on the type the field already has (no __typename asked)', async () => {
    // Hive's plan flattens at `picks.@.|[Pick].user` while its first fetch asks no `__typename` of a Pick.
    const query = 'query ($c: Boolean = true) { picks { ... on Pick @include(if: $c) { user { reviews } } } }';
    for (const variables of [{}, { c: true }, { c: false }]) {
      const expected = await apollo(query, variables);
      expect(await hive(query, variables)).toEqual(expected);
    }
    expect((await hive(query, {})).data).toEqual({ picks: [{ user: { reviews: ['review of 1'] } }] });
  });

  it('plans a field whose every selection a literal @skip/@include leaves out, asking __typename instead', async () => {
    // Hive's planner fails to build a plan for the operation as the client wrote it.
    const query =
      'query ($c: Boolean!) { me @include(if: $c) { ...F @include(if: $c) } } fragment F on User { name @skip(if: true) }';
    expect(planningDocument(parse(query), undefined)).toBe(
      'query ($c: Boolean!) {\n  me @include(if: $c) {\n    ...F @include(if: $c)\n  }\n}\n\nfragment F on User {\n  __typename\n}',
    );
    const answer = await hive(query, { c: false });
    expect(answer).toEqual({ data: {} });
  });

  it('leaves out root selections a literal @skip/@include excludes, so none left plans as nothing', () => {
    // Hive's planner fails to build a plan for `{ me @include(if: false) { id } }`; Apollo's answers `{}`.
    expect(
      planningDocument(parse('{ me @include(if: false) { id } ... @skip(if: true) { users { id } } }'), undefined),
    ).toBeUndefined();
    expect(
      planningDocument(
        parse(
          'query ($c: Boolean!) { me @skip(if: false) { id } users @include(if: $c) { id } featured @skip(if: true) { id } }',
        ),
        undefined,
      ),
    ).toBe('query ($c: Boolean!) {\n  me @skip(if: false) {\n    id\n  }\n  users @include(if: $c) {\n    id\n  }\n}');
  });
});
