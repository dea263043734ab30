import {
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type GraphQLSchema,
  type OperationDefinitionNode,
  buildSchema,
  parse,
} from 'graphql';
import { RESPONSE_VALIDATION_FAILED, compileShaper } from '../../../gateway/execution/shape';

/** The compiled result shaping of our executor, on an API schema and merged data as fetches leave them. */
const schema = buildSchema(`
  type Query { me: User users: [User!]! node(id: ID): Node items: [Item] stats: Stats }
  interface Node { id: ID! }
  type User implements Node { id: ID! name: String! email: String role: Role friends: [User!] best: User! }
  type Place implements Node { id: ID! city: String! }
  enum Role { ADMIN MEMBER }
  union Item = Book | Film
  type Book { title: String! }
  type Film { title: String! minutes: Int }
  type Stats { count: Int! ratio: Float share: Float! ok: Boolean! flags: [Boolean] key: ID at: Date! raw: toString }
  scalar Date
  "A custom scalar named as a property of Object.prototype."
  scalar toString
`);

/** A shaper compiled once for `source`; each call shapes one response with its own variables. */
function compile(source: string, on: GraphQLSchema = schema) {
  const document = parse(source);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  const shaper = compileShaper(on, on.getQueryType()!, operation.selectionSet, fragments);
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

  it('reads own properties only under response names of Object.prototype, without a __proto__ among them', () => {
    const shape = compile('{ me { constructor: name valueOf: email hasOwnProperty: role toString: id } }');
    expect(shape({ me: { ...li, constructor: 'Li Bai', toString: '1' } })).toEqual({
      data: { me: { constructor: 'Li Bai', valueOf: null, hasOwnProperty: null, toString: '1' } },
    });
    const missing = shape({ me: { __typename: 'User', toString: '1' } });
    expect(missing).toEqual({
      data: { me: null },
      errors: [expect.objectContaining({ path: ['me', 'constructor'] })],
    });
  });

  it('answers __proto__ as a response name of an object, a list and a nested object, in order', () => {
    const shape = compile('{ me { id __proto__: best { __proto__: name id } friends { __proto__: id } } }');
    // As JSON.parse leaves a subgraph's data: `__proto__` an own property.
    const data = JSON.parse(
      '{"me":{"__typename":"User","id":"1","__proto__":{"__typename":"User","__proto__":"Du Fu","id":"2"},' +
        '"friends":[{"__typename":"User","__proto__":"2"}]}}',
    ) as Record<string, unknown>;
    const result = JSON.stringify(shape(data));
    expect(result).toBe(
      '{"data":{"me":{"id":"1","__proto__":{"__proto__":"Du Fu","id":"2"},"friends":[{"__proto__":"2"}]}}}',
    );
  });

  it('stops shaping an object at its first non-null field that is null: the fields after it add no errors', () => {
    const shape = compile('{ me { email best { name } role } users { id } }');
    const result = shape({ me: { ...li, email: 5, best: null, role: 'SUPERUSER' }, users: [] });
    expect(result).toEqual({
      data: { me: null, users: [] },
      errors: [
        expect.objectContaining({ message: 'Invalid value found for field User.email.', path: ['me', 'email'] }),
        expect.objectContaining({
          message: 'Cannot return null for non-nullable field User.best.',
          path: ['me', 'best'],
        }),
      ],
    });
  });

  it('merges an alias repeated across fragments and inline fragments into one field, in first order', () => {
    const shape = compile(`{
      me { ...A ... on User { who: name best { id } } ...B }
    }
    fragment A on User { who: name best { who: name } }
    fragment B on User { id who: name best { who: name role } }`);
    const result = shape({ me: { ...li, who: 'Li Bai', best: { ...du, who: 'Du Fu' } } });
    expect(JSON.stringify(result)).toBe(
      '{"data":{"me":{"who":"Li Bai","best":{"who":"Du Fu","id":"2","role":"MEMBER"},"id":"1"}}}',
    );
  });

  it('answers the __typename of an object only known as its interface with a coded error, nulling the object', () => {
    const shape = compile('{ node { id __typename } me { id } }');
    expect(shape({ node: { __typename: 'Node', id: 'n1' }, me: li })).toEqual({
      data: { node: null, me: { id: '1' } },
      errors: [
        {
          message: 'Cannot determine the concrete type of Node at this path.',
          path: ['node', '__typename'],
          extensions: { code: RESPONSE_VALIDATION_FAILED },
        },
      ],
    });
  });

  it('checks values of the built-in scalars, nullable or not, and passes custom scalars through', () => {
    const shape = compile('{ stats { count ratio share ok flags key at raw } }');
    const valid = { count: 3, ratio: null, share: 0.5, ok: false, flags: [true, null], key: 7, at: { t: 1 }, raw: [1] };
    expect(shape({ stats: valid })).toEqual({ data: { stats: valid } });
    expect(shape({ stats: { ...valid, ratio: 1, share: 2, key: 'k', raw: undefined } })).toEqual({
      data: { stats: { ...valid, ratio: 1, share: 2, key: 'k', raw: null } },
    });
    const invalid = shape({
      stats: { count: 3, ratio: NaN, share: 1, ok: true, flags: ['yes'], key: 1.5, at: 0, raw: false },
    });
    expect(invalid.data).toEqual({
      stats: { count: 3, ratio: null, share: 1, ok: true, flags: [null], key: null, at: 0, raw: false },
    });
    expect(invalid.errors?.map((e) => [e.message, e.path])).toEqual([
      ['Invalid value found for field Stats.ratio.', ['stats', 'ratio']],
      ['Invalid value found for field Stats.flags.', ['stats', 'flags', 0]],
      ['Invalid value found for field Stats.key.', ['stats', 'key']],
    ]);
    for (const broken of [{ count: 1.5 }, { share: Infinity }, { ok: 'true' }, { at: null }]) {
      const result = shape({ stats: { ...valid, ...broken } });
      const [field] = Object.keys(broken);
      expect(result.data).toEqual({ stats: null });
      expect(result.errors?.map((e) => e.path)).toEqual([['stats', field]]);
    }
  });
});
