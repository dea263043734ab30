import {
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  buildSchema,
  parse,
} from 'graphql';
import { RESPONSE_VALIDATION_FAILED, compileShaper } from '../../../gateway/execution/shape';

/** The compiled result shaping of our executor, on an API schema and merged data as fetches leave them. */
const schema = buildSchema(`
  type Query { me: User users: [User!]! node(id: ID): Node items: [Item] }
  interface Node { id: ID! }
  type User implements Node { id: ID! name: String! email: String role: Role friends: [User!] best: User! }
  type Place implements Node { id: ID! city: String! }
  enum Role { ADMIN MEMBER }
  union Item = Book | Film
  type Book { title: String! }
  type Film { title: String! minutes: Int }
`);

/** A shaper compiled once for `source`; each call shapes one response with its own variables. */
function compile(source: string) {
  const document = parse(source);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  const shaper = compileShaper(schema, schema.getQueryType()!, operation.selectionSet, fragments);
  return (data: Record<string, unknown>, variables: Record<string, unknown> = {}, errors: GraphQLError[] = []) => {
    const shaped = shaper.select(variables).shape(data, { errors, subgraphFailed: errors.length > 0 });
    // What a client receives: JSON, errors as formatted.
    return JSON.parse(JSON.stringify({ data: shaped, ...(errors.length > 0 ? { errors } : {}) })) as {
      data: unknown;
      errors?: Array<{ message: string; path?: unknown; extensions?: Record<string, unknown> }>;
    };
  };
}

const li = { __typename: 'User', id: '1', name: 'Li Bai', email: 'li@example.org', role: 'ADMIN' };
const du = { __typename: 'User', id: '2', name: 'Du Fu', email: null, role: 'MEMBER' };

describe('compiled result shaping', () => {
  it('follows @skip and @include per request with one compiled shaper, on fields and fragments', () => {
    const shape = compile(`query ($a: Boolean!, $b: Boolean = false) {
      me {
        id
        name @include(if: $a)
        email @skip(if: $a)
        ... @include(if: $b) { role }
        ...Friends @skip(if: $b)
        both: id @include(if: $a) @skip(if: $b)
      }
    }
    fragment Friends on User { friends { id } }`);
    const data = { me: { ...li, friends: [du], both: '1' } };
    expect(shape(data, { a: true, b: false })).toEqual({
      data: { me: { id: '1', name: 'Li Bai', friends: [{ id: '2' }], both: '1' } },
    });
    expect(shape(data, { a: false, b: true })).toEqual({
      data: { me: { id: '1', email: 'li@example.org', role: 'ADMIN' } },
    });
    // A missing or null condition variable includes nothing under @include and skips nothing under @skip.
    expect(shape(data, { a: null })).toEqual({
      data: { me: { id: '1', email: 'li@example.org', friends: [{ id: '2' }] } },
    });
    expect(shape(data, { a: true, b: false })).toEqual({
      data: { me: { id: '1', name: 'Li Bai', friends: [{ id: '2' }], both: '1' } },
    });
  });

  it('follows literal @skip and @include', () => {
    const shape = compile('{ me { id @skip(if: true) name @include(if: true) email @include(if: false) } }');
    expect(shape({ me: li })).toEqual({ data: { me: { name: 'Li Bai' } } });
  });

  it('applies fragments on interfaces, unions and objects by the runtime __typename', () => {
    const shape = compile(`{
      node(id: "x") { __typename ...NodeId ... on User { name } ...PlaceCity }
      items { __typename ... on Book { title } ...FilmFields }
    }
    fragment NodeId on Node { id }
    fragment PlaceCity on Place { city }
    fragment FilmFields on Film { title minutes }`);
    const items = [
      { __typename: 'Film', title: 'Shu roads', minutes: 90 },
      { __typename: 'Book', title: 'Tang poems' },
    ];
    expect(shape({ node: { __typename: 'Place', id: 'p1', city: 'Chengdu' }, items })).toEqual({
      data: {
        node: { __typename: 'Place', id: 'p1', city: 'Chengdu' },
        items: [
          { __typename: 'Film', title: 'Shu roads', minutes: 90 },
          { __typename: 'Book', title: 'Tang poems' },
        ],
      },
    });
    // The same compiled shaper meets another runtime type at the same field.
    expect(shape({ node: li, items: [] })).toEqual({
      data: { node: { __typename: 'User', id: '1', name: 'Li Bai' }, items: [] },
    });
  });

  it('merges repeated fields and aliases by response name, in the order the operation first names them', () => {
    const shape = compile(`{
      me { who: name friends { id } id who: name friends { name } ...More }
      again: me { __typename id }
    }
    fragment More on User { friends { id email } }`);
    const result = shape({ me: { ...li, who: 'Li Bai', friends: [du] }, again: li });
    expect(result).toEqual({
      data: {
        me: { who: 'Li Bai', friends: [{ id: '2', name: 'Du Fu', email: null }], id: '1' },
        again: { __typename: 'User', id: '1' },
      },
    });
    expect(Object.keys((result.data as { me: object }).me)).toEqual(['who', 'friends', 'id']);
    expect(Object.keys((result.data as { me: { friends: object[] } }).me.friends[0]!)).toEqual(['id', 'name', 'email']);
  });

  it('propagates a null of a nested non-null field to the nearest nullable parent, with one coded error', () => {
    const shape = compile('{ me { id friends { id best { name } } } }');
    const friends = [
      { ...du, best: li },
      { ...li, best: { ...du, name: null } },
    ];
    // best: User! nulls the friend (User!), which nulls the nullable list `friends`.
    expect(shape({ me: { ...li, friends } })).toEqual({
      data: { me: { id: '1', friends: null } },
      errors: [
        {
          message: 'Cannot return null for non-nullable field User.name.',
          path: ['me', 'friends', 1, 'best', 'name'],
          extensions: { code: RESPONSE_VALIDATION_FAILED },
        },
      ],
    });
  });

  it('nulls the whole data when the null reaches a non-null root field', () => {
    const shape = compile('{ me { id } users { id name } }');
    expect(shape({ me: li, users: [li, { ...du, name: null }] })).toEqual({
      data: null,
      errors: [
        {
          message: 'Cannot return null for non-nullable field User.name.',
          path: ['users', 1, 'name'],
          extensions: { code: RESPONSE_VALIDATION_FAILED },
        },
      ],
    });
  });

  it('adds no error where a subgraph error covers the path, or a failed fetch left the value out', () => {
    const shape = compile('{ users { id name } me { best { name } } }');
    const covered = new GraphQLError('boom', { path: ['users', 0], extensions: { code: 'BOOM' } });
    expect(shape({ users: [{ ...li, name: null }], me: null }, {}, [covered]).errors).toEqual([
      expect.objectContaining({ message: 'boom', path: ['users', 0] }),
    ]);
    // `me.best` is missing and some fetch failed: the failure explains it, wherever its error is.
    const elsewhere = new GraphQLError('down', { path: ['node'], extensions: { code: 'DOWN' } });
    expect(shape({ users: [li], me: { __typename: 'User' } }, {}, [elsewhere])).toEqual({
      data: { users: [{ id: '1', name: 'Li Bai' }], me: null },
      errors: [expect.objectContaining({ message: 'down' })],
    });
  });

  it('answers coded errors for values of the wrong type, enum values outside the API schema and unknown types', () => {
    const shape = compile('{ me { name email role } items { ... on Book { title } } node { id } users { id } }');
    const result = shape({
      me: { ...li, email: 5, role: 'SUPERUSER' },
      items: [{ __typename: 'Author', title: 'x' }],
      node: { __typename: 'Book', id: 'b' },
      users: [{ ...li, id: 1.5 }],
    });
    expect(result.data).toBeNull();
    // The invalid value explains the null of the non-null `User.id`: one error there.
    expect(result.errors?.map((e) => [e.message, e.path, e.extensions?.code])).toEqual([
      ['Invalid value found for field User.email.', ['me', 'email'], RESPONSE_VALIDATION_FAILED],
      ['Invalid value found for field User.role.', ['me', 'role'], RESPONSE_VALIDATION_FAILED],
      ['Invalid value found for field Query.items.', ['items', 0], RESPONSE_VALIDATION_FAILED],
      ['Invalid value found for field Query.node.', ['node'], RESPONSE_VALIDATION_FAILED],
      ['Invalid value found for field User.id.', ['users', 0, 'id'], RESPONSE_VALIDATION_FAILED],
    ]);
  });

  it('reads only own properties of the data, and answers response names such as __proto__ as fields', () => {
    const shape = compile('{ me { constructor: name __proto__: email toString: id } }');
    const me = JSON.parse('{"__typename":"User","constructor":"Li Bai","__proto__":"li@example.org","toString":"1"}');
    expect(shape({ me })).toEqual({
      data: JSON.parse('{"me":{"constructor":"Li Bai","__proto__":"li@example.org","toString":"1"}}'),
    });
    const missing = shape({ me: { __typename: 'User', email: null } });
    expect(missing.data).toEqual({ me: null });
    expect(missing.errors?.map((e) => e.path)).toEqual([['me', 'constructor']]);
  });
});
