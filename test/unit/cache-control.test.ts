import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginCacheControl } from '@apollo/server/plugin/cacheControl';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { type GraphQLResolveInfo, type GraphQLSchema, buildASTSchema, parse } from 'graphql';
import { cacheControlPlugin } from '../../subgraphs/kit/cache-control';

interface Hints {
  cacheControl?: {
    setCacheHint(hint: { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE' }): void;
    cacheHint: { restrict(hint: { maxAge?: number }): void };
    cacheHintFromType(type: unknown): { maxAge?: number } | undefined;
  };
}

/** A schema with every kind of `@cacheControl` hint, and resolvers that give hints themselves. */
function hintedSchema(): GraphQLSchema {
  const schema = buildASTSchema(
    parse(`
    enum CacheControlScope { PUBLIC PRIVATE }
    directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
    interface Node { id: ID! }
    type Book implements Node @cacheControl(maxAge: 60) {
      id: ID!
      title: String
      author: Author
      secret: String @cacheControl(scope: PRIVATE)
      inherited: Extra @cacheControl(inheritMaxAge: true)
    }
    type Author @cacheControl(maxAge: 30) { name: String }
    type Extra { note: String }
    type Query {
      book: Book
      books: [Book]
      hinted: Book @cacheControl(maxAge: 10)
      dynamic: Book
      dynamicShort: Book
      privateBook: Book @cacheControl(maxAge: 120, scope: PRIVATE)
      listOfBooks: [Book] @cacheControl(maxAge: 90)
      node: Node
      count: Int
      boom: String
      existing: String
    }
  `),
  );
  const book = { id: '1', title: 'T', author: { name: 'A' }, secret: 's', inherited: { note: 'n' } };
  const resolvers: Record<
    string,
    (parent: unknown, args: unknown, context: unknown, info: GraphQLResolveInfo & Hints) => unknown
  > = {
    book: () => book,
    books: () => [book, book],
    hinted: () => book,
    dynamic: (_p, _a, _c, info) => {
      info.cacheControl?.setCacheHint({ maxAge: 5 });
      return book;
    },
    dynamicShort: (_p, _a, _c, info) => {
      info.cacheControl?.cacheHint.restrict(info.cacheControl.cacheHintFromType(schema.getType('Author')) ?? {});
      return book;
    },
    privateBook: () => book,
    listOfBooks: () => [book],
    node: () => ({ ...book, __typename: 'Book' }),
    count: () => 3,
    boom: () => {
      throw new Error('boom');
    },
    existing: () => 'x',
  };
  const query = schema.getQueryType()!;
  for (const [name, resolve] of Object.entries(resolvers)) query.getFields()[name]!.resolve = resolve as never;
  (schema.getType('Node') as unknown as { resolveType: (v: { __typename: string }) => string }).resolveType = (v) =>
    v.__typename;
  return schema;
}

/**
 * The kit's cache-control plugin against Apollo Server's own: the same `cache-control` header
 * for every operation over a schema with every kind of hint (types, fields, scopes, inherited
 * max age, hints given by resolvers, root fields without hints, errors).
 */
describe("the kit's cache-control plugin", () => {
  const schema = hintedSchema();
  const apollo = new ApolloServer({ schema, plugins: [ApolloServerPluginCacheControl()] });
  const kit = new ApolloServer({ schema, plugins: [ApolloServerPluginCacheControlDisabled(), cacheControlPlugin()] });
  beforeAll(() => Promise.all([apollo.start(), kit.start()]));
  afterAll(() => Promise.all([apollo.stop(), kit.stop()]));

  const header = async (server: ApolloServer, query: string) => {
    const headers = new HeaderMap([['content-type', 'application/json']]);
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: 'POST', headers, search: '', body: { query } },
      context: async () => ({}),
    });
    return response.headers.get('cache-control');
  };

  it.each([
    '{ book { title } }',
    '{ book { title author { name } } }',
    '{ book { title secret } }',
    '{ book { title inherited { note } } }',
    '{ books { title } }',
    '{ hinted { title } }',
    '{ dynamic { title } }',
    '{ dynamicShort { title } }',
    '{ privateBook { title } }',
    '{ book { title } privateBook { title } }',
    '{ listOfBooks { title author { name } } }',
    '{ node { ... on Book { title } } }',
    '{ count }',
    '{ boom }',
    '{ book { title } hinted { title } }',
    '{ __typename }',
  ])('%s', async (query) => {
    expect(await header(kit, query)).toBe(await header(apollo, query));
  });

  it('gives answers of every kind on these operations: public, private, no-store', async () => {
    expect(await header(apollo, '{ book { title author { name } } }')).toBe('max-age=30, public');
    expect(await header(apollo, '{ privateBook { title } }')).toBe('max-age=120, private');
    expect(await header(apollo, '{ dynamic { title } }')).toBe('max-age=5, public');
    expect(await header(apollo, '{ books { title } }')).toBe('max-age=60, public');
    expect(await header(apollo, '{ count }')).toBe('no-store');
  });
});
