import { buildSchema } from 'graphql';
import { applyRewrites, deepMerge, selectRepresentation } from '../../../gateway/execution/rewrites';

const schema = buildSchema(`
  type Query { a: A }
  interface A { id: ID! }
  type B implements A { id: ID! price: Int tags: [String] }
  type C implements A { id: ID! }
`);

describe('data rewrites and representations', () => {
  it('sets values and renames keys at a path, only into objects of the named type', () => {
    const data = {
      list: [
        { __typename: 'B', price__alias_0: 3 },
        { __typename: 'C', price__alias_0: 4 },
      ],
    };
    applyRewrites(
      schema,
      [
        { kind: 'KeyRenamer', path: ['list', '... on B', 'price__alias_0'], renameKeyTo: 'price' },
        { kind: 'ValueSetter', path: ['list', '... on A', '__typename'], setValueTo: 'A' },
      ],
      data,
    );
    expect(data.list).toEqual([
      { __typename: 'A', price: 3, price__alias_0: undefined },
      { __typename: 'A', price__alias_0: 4 },
    ]);
  });

  it('builds a representation from the required selection, or none when a required field is missing', () => {
    const requires = [
      { kind: 'Field' as const, name: '__typename' },
      { kind: 'Field' as const, name: 'id' },
      {
        kind: 'InlineFragment' as const,
        typeCondition: 'B',
        selections: [{ kind: 'Field' as const, name: 'tags' }],
      },
    ];
    expect(selectRepresentation(schema, { __typename: 'B', id: '1', tags: ['x'], other: 1 }, requires)).toEqual({
      __typename: 'B',
      id: '1',
      tags: ['x'],
    });
    expect(selectRepresentation(schema, { __typename: 'C', id: '2' }, requires)).toEqual({ __typename: 'C', id: '2' });
    expect(selectRepresentation(schema, { __typename: 'B', tags: [] }, requires)).toBeNull();
  });

  it('merges nested objects and lists element by element, never through __proto__', () => {
    const target = { a: { b: 1, list: [{ x: 1 }, { x: 2 }] } };
    deepMerge(target, JSON.parse('{"a":{"c":2,"list":[{"y":1},{"y":2}]},"__proto__":{"polluted":true}}'));
    expect(target).toEqual({
      a: {
        b: 1,
        c: 2,
        list: [
          { x: 1, y: 1 },
          { x: 2, y: 2 },
        ],
      },
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('merges own keys named like Object.prototype members as data, replacing what is not an own object', () => {
    const target = JSON.parse('{"constructor":{"a":1},"list":[{"x":1},{"x":2}]}') as Record<string, unknown>;
    deepMerge(
      target,
      JSON.parse(
        '{"constructor":{"b":2},"toString":{"c":3},"hasOwnProperty":"x","list":[{"y":1},null],"__proto__":{"p":1}}',
      ),
    );
    expect(target).toEqual({
      constructor: { a: 1, b: 2 },
      toString: { c: 3 },
      hasOwnProperty: 'x',
      list: [{ x: 1, y: 1 }, null],
    });
    expect(Object.getPrototypeOf(target)).toBe(Object.prototype);
    // `toString` came as the source's own object (the prototype's function was not merged into).
    expect(Object.hasOwn(target, 'toString')).toBe(true);
    expect(Object.keys(target)).toEqual(['constructor', 'list', 'toString', 'hasOwnProperty']);
  });

  it('leaves what the target holds where the source has undefined, and merges longer lists and null-prototype data', () => {
    const target: Record<string, unknown> = { a: 1, list: [{ x: 1 }] };
    const source = Object.assign(Object.create(null) as Record<string, unknown>, {
      a: undefined,
      b: null,
      list: [undefined, { y: 2 }],
    });
    deepMerge(target, source);
    expect(target).toEqual({ a: 1, b: null, list: [{ x: 1 }, { y: 2 }] });
    // A nested __proto__ key is skipped at every level.
    const nested = { a: {} as Record<string, unknown> };
    deepMerge(nested, JSON.parse('{"a":{"__proto__":{"polluted":true},"k":1}}'));
    expect(nested.a).toEqual({ k: 1 });
    expect(Object.getPrototypeOf(nested.a)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
