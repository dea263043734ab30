import { composeServices } from '@apollo/composition';
import type { GraphQLDataSource } from '@apollo/gateway';
import type { GatewayGraphQLRequestContext, GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError, type GraphQLSchema, execute, parse } from 'graphql';
import {
  createPlanExecutor,
  executeQueryPlan,
  loadSupergraph,
  OPERATION_NOT_SUPPORTED,
  takeSubsequentPayloads,
  RESPONSE_VALIDATION_FAILED,
} from '../../../gateway/execution';
import { createLogger } from '../../../subgraphs/kit/logger';

const LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@requires", "@external", "@shareable"])';

const users = [
  { id: '1', name: 'Li Bai', email: 'li@example.org' },
  { id: '2', name: 'Du Fu', email: null },
];

const PEOPLE_SDL = `${LINK}
    type Query { users: [User]! me: User node(id: ID!): Node items: [Item!]! }
    interface Node { id: ID! }
    type User implements Node @key(fields: "id") { id: ID! name: String! email: String }
    type Place implements Node { id: ID! city: String! }
    union Item = Book | Film
    type Book { title: String! }
    type Film { title: String! minutes: Int }
  `;

const REVIEWS_SDL = `${LINK}
  type User @key(fields: "id") {
    id: ID!
    name: String! @external
    reviews: [Review!]!
    nameLength: Int! @requires(fields: "name")
  }
  type Review { body: String! rating: Int! }
`;

const people = buildSubgraphSchema([
  {
    typeDefs: parse(PEOPLE_SDL),
    resolvers: {
      Query: {
        users: () => users,
        me: () => users[0],
        node: (_: unknown, { id }: { id: string }) =>
          id === 'p1'
            ? { __typename: 'Place', id, city: 'Chengdu' }
            : { __typename: 'User', ...users.find((u) => u.id === id) },
        items: () => [
          { __typename: 'Book', title: 'Tang poems' },
          { __typename: 'Film', title: 'Shu roads', minutes: 90 },
        ],
      },
      Node: { __resolveType: (node: { __typename: string }) => node.__typename },
      Item: { __resolveType: (item: { __typename: string }) => item.__typename },
      User: { __resolveReference: (ref: { id: string }) => users.find((u) => u.id === ref.id) },
    },
  },
]);

const reviews = buildSubgraphSchema([
  {
    typeDefs: parse(REVIEWS_SDL),
    resolvers: {
      User: {
        __resolveReference: (ref: { id: string; name?: string }) => ref,
        reviews: (user: { id: string }) => {
          if (user.id === '2')
            throw new GraphQLError('reviews are being moderated', { extensions: { code: 'MODERATION' } });
          return [{ body: 'Moving', rating: 5 }];
        },
        nameLength: (user: { name: string }) => user.name.length,
      },
    },
  },
]);

const SCHEMAS: Record<string, GraphQLSchema> = { people, reviews };

/** Calls of each in-process subgraph, to see which fetches a plan made. */
let calls: Array<{ subgraph: string; variables: Record<string, unknown> | undefined }> = [];
/** Replaces a subgraph's answer in a test (a subgraph that fails or breaks its contract). */
let override: ((subgraph: string, query: string) => GatewayGraphQLResponse | undefined) | undefined;

function inProcess(subgraph: string): GraphQLDataSource {
  return {
    async process({ request }) {
      calls.push({ subgraph, variables: request.variables });
      const replaced = override?.(subgraph, request.query ?? '');
      if (replaced) return replaced;
      const result = await execute({
        schema: SCHEMAS[subgraph]!,
        document: parse(request.query!),
        variableValues: request.variables,
      });
      return JSON.parse(JSON.stringify(result)) as GatewayGraphQLResponse;
    },
  };
}

const composed = composeServices([
  { name: 'people', url: 'http://people.invalid/graphql', typeDefs: parse(PEOPLE_SDL) },
  { name: 'reviews', url: 'http://reviews.invalid/graphql', typeDefs: parse(REVIEWS_SDL) },
]);
if (!composed.supergraphSdl)
  throw new Error(`composition failed: ${composed.errors?.map((e) => e.message).join('; ')}`);
const loaded = loadSupergraph(composed.supergraphSdl);
const dataSources = Object.fromEntries(Object.keys(SCHEMAS).map((name) => [name, inProcess(name)]));
const executor = createPlanExecutor(
  () => loaded,
  (name) => dataSources[name],
  createLogger('test', 'silent'),
);

async function run(query: string, variables?: Record<string, unknown>) {
  const requestContext = {
    request: { query, variables },
    document: parse(query),
    queryHash: query,
    context: {},
  } as unknown as GatewayGraphQLRequestContext;
  const result = await executor(requestContext);
  return JSON.parse(JSON.stringify(result)) as {
    data?: unknown;
    errors?: Array<{ message: string; path?: unknown; extensions?: Record<string, unknown> }>;
  };
}

beforeEach(() => {
  calls = [];
  override = undefined;
});

describe("the gateway's own executor", () => {
  it('answers a root fetch shaped to the operation, with aliases and __typename', async () => {
    const result = await run('{ me { __typename who: name id } everyone: users { id } }');
    expect(result).toEqual({
      data: { me: { __typename: 'User', who: 'Li Bai', id: '1' }, everyone: [{ id: '1' }, { id: '2' }] },
    });
  });

  it('fetches entities from a second subgraph and merges them at their paths', async () => {
    const result = await run('{ me { name reviews { body rating } } }');
    expect(result).toEqual({ data: { me: { name: 'Li Bai', reviews: [{ body: 'Moving', rating: 5 }] } } });
    expect(calls.map((c) => c.subgraph)).toEqual(['people', 'reviews']);
  });

  it('sends @requires fields in the representations', async () => {
    const result = await run('{ users { id nameLength } }');
    expect(result).toEqual({
      data: {
        users: [
          { id: '1', nameLength: 6 },
          { id: '2', nameLength: 5 },
        ],
      },
    });
    expect(calls[1]?.variables?.representations).toEqual([
      { __typename: 'User', id: '1', name: 'Li Bai' },
      { __typename: 'User', id: '2', name: 'Du Fu' },
    ]);
  });

  it('resolves interfaces and unions by __typename and applies fragments by type', async () => {
    const result = await run(`{
      items { __typename ... on Book { title } ... on Film { title minutes } }
      user: node(id: "2") { id ... on User { name } ...P }
      place: node(id: "p1") { __typename id ...P }
    }
    fragment P on Place { city }`);
    expect(result).toEqual({
      data: {
        items: [
          { __typename: 'Book', title: 'Tang poems' },
          { __typename: 'Film', title: 'Shu roads', minutes: 90 },
        ],
        user: { id: '2', name: 'Du Fu' },
        place: { __typename: 'Place', id: 'p1', city: 'Chengdu' },
      },
    });
  });

  it("maps a subgraph error to the client's path and nulls up to the nearest nullable parent, once", async () => {
    const result = await run('{ users { id reviews { body } } }');
    expect(result.data).toEqual({ users: [{ id: '1', reviews: [{ body: 'Moving' }] }, null] });
    expect(result.errors).toEqual([
      {
        message: 'reviews are being moderated',
        path: ['users', 1, 'reviews'],
        extensions: expect.objectContaining({ code: 'MODERATION' }),
      },
    ]);
  });

  it('sends each distinct representation once and answers every path it stands for', async () => {
    override = (subgraph) =>
      subgraph === 'people'
        ? { data: { users: ['1', '2', '1', '2'].map((id) => ({ __typename: 'User', id })) } }
        : undefined;
    const result = await run('{ users { id reviews { body } } }');
    expect(calls[1]?.variables?.representations).toEqual([
      { __typename: 'User', id: '1' },
      { __typename: 'User', id: '2' },
    ]);
    const reviewed = { id: '1', reviews: [{ body: 'Moving' }] };
    expect(result.data).toEqual({ users: [reviewed, null, reviewed, null] });
    expect(result.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['users', 1, 'reviews'], 'MODERATION'],
      [['users', 3, 'reviews'], 'MODERATION'],
    ]);
  });

  it('reports SUBGRAPH_UNAVAILABLE once per client path, in response order, at most 50 per response', async () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ __typename: 'User', id: String(i + 10) }));
    override = (subgraph) =>
      subgraph === 'people'
        ? { data: { me: { __typename: 'User', id: '1' }, users: many } }
        : {
            // A subgraph naming its entities out of order, and one twice.
            errors: [...many.keys(), 0].reverse().map((i) => ({
              message: 'part of the graph is temporarily unavailable',
              path: ['_entities', i],
              extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
            })),
          };
    const result = await run('{ users { id reviews { body } } }');
    expect(result.errors?.map((e) => e.path)).toEqual(Array.from({ length: 50 }, (_, i) => ['users', i]));
  });

  it('keeps partial data when a subgraph is unavailable, with the error at each affected entity', async () => {
    override = (subgraph) =>
      subgraph === 'reviews'
        ? {
            errors: [0, 1].map((i) => ({
              message: 'part of the graph is temporarily unavailable',
              path: ['_entities', i],
              extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
            })),
          }
        : undefined;
    const result = await run('{ users { id name nameLength } me { id } }');
    expect(result.data).toEqual({ users: [null, null], me: { id: '1' } });
    expect(result.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['users', 0], 'SUBGRAPH_UNAVAILABLE'],
      [['users', 1], 'SUBGRAPH_UNAVAILABLE'],
    ]);
  });

  it('answers a null for a non-null field with an error at that field and a null parent (GraphQL spec)', async () => {
    override = (subgraph) =>
      subgraph === 'people' ? { data: { me: { id: '1', name: null }, users: [{ id: '1', name: null }] } } : undefined;
    const result = await run('{ me { id name } users { name } }');
    expect(result.data).toEqual({ me: null, users: [null] });
    expect(result.errors?.map((e) => [e.message, e.path, e.extensions?.code])).toEqual([
      ['Cannot return null for non-nullable field User.name.', ['me', 'name'], RESPONSE_VALIDATION_FAILED],
      ['Cannot return null for non-nullable field User.name.', ['users', 0, 'name'], RESPONSE_VALIDATION_FAILED],
    ]);
  });

  it('nulls the whole response when a non-null root field is null', async () => {
    override = (subgraph) => (subgraph === 'people' ? { data: { items: null } } : undefined);
    const result = await run('{ items { __typename } }');
    expect(result).toEqual({
      data: null,
      errors: [
        expect.objectContaining({ path: ['items'], message: 'Cannot return null for non-nullable field Query.items.' }),
      ],
    });
  });

  it('adds no error for fields a failed fetch did not deliver: the subgraph error explains them', async () => {
    override = (subgraph) =>
      subgraph === 'people'
        ? { data: null, errors: [{ message: 'boom', path: ['me'], extensions: { code: 'BOOM' } }] }
        : undefined;
    const result = await run('{ items { __typename } me { id } }');
    expect(result).toEqual({
      data: null,
      errors: [{ message: 'boom', path: ['me'], extensions: expect.objectContaining({ code: 'BOOM' }) }],
    });
  });

  it('answers an error at an object whose __typename is no subtype of its field type, and nulls it', async () => {
    override = (subgraph) =>
      subgraph === 'people' ? { data: { items: [{ __typename: 'User', title: 'x' }] } } : undefined;
    const result = await run('{ items { ... on Book { title } } }');
    expect(result.data).toBeNull();
    expect(result.errors?.map((e) => [e.message, e.path])).toEqual([
      ['Invalid value found for field Query.items.', ['items', 0]],
    ]);
  });

  it('shapes an object whose __typename names an interface (an @interfaceObject subgraph) as that interface', async () => {
    override = (subgraph) => (subgraph === 'people' ? { data: { node: { __typename: 'Node', id: 'n1' } } } : undefined);
    expect(await run('{ node(id: "n1") { id } }')).toEqual({ data: { node: { id: 'n1' } } });
    const asked = await run('{ node(id: "n1") { id __typename } }');
    expect(asked.data).toEqual({ node: null });
    expect(asked.errors?.map((e) => e.path)).toEqual([['node', '__typename']]);
  });

  it('follows @skip and @include, and does not fetch what they leave out', async () => {
    const query =
      'query ($reviews: Boolean!, $noEmail: Boolean = true) { me { id email @skip(if: $noEmail) reviews @include(if: $reviews) { rating } } }';
    expect(await run(query, { reviews: false })).toEqual({ data: { me: { id: '1' } } });
    expect(calls.map((c) => c.subgraph)).toEqual(['people']);
    calls = [];
    expect(await run(query, { reviews: true, noEmail: false })).toEqual({
      data: { me: { id: '1', email: 'li@example.org', reviews: [{ rating: 5 }] } },
    });
    expect(calls.map((c) => c.subgraph)).toEqual(['people', 'reviews']);
  });

  it('answers root introspection from the API schema', async () => {
    const result = await run('{ __typename t: __type(name: "Item") { kind possibleTypes { name } } }');
    expect(result).toEqual({
      data: { __typename: 'Query', t: { kind: 'UNION', possibleTypes: [{ name: 'Book' }, { name: 'Film' }] } },
    });
  });

  it('plans an operation once per supergraph, in the cache it is given', async () => {
    const stored = new Map<string, unknown>();
    const cached = createPlanExecutor(
      () => loaded,
      (name) => dataSources[name],
      createLogger('test', 'silent'),
      {
        get: async (key) => stored.get(key) as never,
        set: async (key, value) => void stored.set(key, value),
        delete: async (key) => stored.delete(key),
      },
    );
    const query = '{ me { id } }';
    const requestContext = { request: { query }, document: parse(query), queryHash: 'h1', context: {} };
    for (let i = 0; i < 2; i++)
      expect(await cached(requestContext as unknown as GatewayGraphQLRequestContext)).toEqual({
        data: { me: { id: '1' } },
      });
    expect([...stored.keys()]).toEqual([`ours:${loaded.version}:h1:`]);
  });

  it('refuses Defer nodes with OPERATION_NOT_SUPPORTED when run without a defer hook (defer.ts runs them)', async () => {
    const operation = parse('{ me { id } }').definitions[0];
    const result = await executeQueryPlan(
      { kind: 'QueryPlan', node: { kind: 'Defer', primary: {}, deferred: [] } },
      { ...loaded, dataSources: (name) => dataSources[name] },
      { request: {}, context: {} } as unknown as GatewayGraphQLRequestContext,
      operation as never,
      {},
    );
    expect(result.errors?.[0]?.extensions?.code).toBe(OPERATION_NOT_SUPPORTED);
    expect(calls).toEqual([]);
  });
});

/** Runs an operation with @defer: the first result, then every later part, errors as clients would read them. */
async function runDeferred(query: string, variables?: Record<string, unknown>) {
  const context = {};
  const requestContext = {
    request: { query, variables },
    document: parse(query),
    queryHash: query,
    context,
    overallCachePolicy: { restrict: () => undefined },
  } as unknown as GatewayGraphQLRequestContext;
  const parts: unknown[] = [JSON.parse(JSON.stringify(await executor(requestContext)))];
  for await (const payload of takeSubsequentPayloads(context) ?? []) parts.push(JSON.parse(JSON.stringify(payload)));
  return parts;
}

describe('@defer on abstract types (gateway/execution/defer.ts)', () => {
  it('delivers a fragment deferred on a union member at the elements of that type only', async () => {
    const parts = await runDeferred('{ items { __typename ... on Film @defer { minutes } } }');
    expect(parts).toEqual([
      { data: { items: [{ __typename: 'Book' }, { __typename: 'Film' }] } },
      { incremental: [{ data: { minutes: 90 }, path: ['items', 1] }], hasNext: false },
    ]);
  });

  it('delivers a fragment deferred on an interface implementation, fetched from another subgraph', async () => {
    const parts = await runDeferred('{ node(id: "1") { id ... on User @defer(label: "r") { reviews { body } } } }');
    expect(parts).toEqual([
      { data: { node: { id: '1' } } },
      { incremental: [{ data: { reviews: [{ body: 'Moving' }] }, path: ['node'], label: 'r' }], hasNext: false },
    ]);
  });

  it("nulls a deferred item's data, not the first part, when a non-null field in it fails", async () => {
    const parts = await runDeferred('{ node(id: "2") { id ... on User @defer { reviews { body } } } }');
    expect(parts).toEqual([
      { data: { node: { id: '2' } } },
      {
        incremental: [
          {
            data: null,
            path: ['node'],
            errors: [
              {
                message: 'reviews are being moderated',
                path: ['node', 'reviews'],
                extensions: expect.objectContaining({ code: 'MODERATION' }),
              },
            ],
          },
        ],
        hasNext: false,
      },
    ]);
  });
});
