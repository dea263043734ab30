import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { buildSchema } from 'graphql';
import { type Entity, EntityRepresentations, type Execution, flattenAt } from '../../../gateway/execution/fetch';

const schema = buildSchema(`
  type Query { a: A }
  interface A { id: ID! }
  type B implements A { id: ID! }
  type C implements A { id: ID! }
`);

function executionOf(data: Record<string, unknown>): Execution {
  return {
    supergraphSchema: schema,
    dataSources: () => undefined,
    requestContext: {} as GatewayGraphQLRequestContext,
    variables: {},
    errors: [],
    data,
  };
}

const pathsOf = (entities: readonly Entity[]) => entities.map((entity) => entity.path);

describe('entities at a Flatten path (flattenAt)', () => {
  const data = JSON.parse(`{
    "campaigns": { "nodes": [
      { "participants": [ { "member": { "__typename": "B", "id": "1" } }, { "member": null }, { "member": { "__typename": "C", "id": "2" } } ] },
      { "participants": [] },
      { "participants": [ { "member": { "__typename": "B", "id": "1" } } ] }
    ] },
    "grid": [[{ "id": "x" }, { "id": "y" }], [], [{ "id": "z" }]],
    "constructor": { "id": "own" }
  }`) as Record<string, unknown>;
  const execution = executionOf(data);
  const root: Entity[] = [{ path: [], value: data }];

  it('finds the objects under lists with their paths, list indexes resolved', () => {
    const entities = flattenAt(execution, root, ['campaigns', 'nodes', '@', 'participants', '@', 'member']);
    expect(pathsOf(entities)).toEqual([
      ['campaigns', 'nodes', 0, 'participants', 0, 'member'],
      ['campaigns', 'nodes', 0, 'participants', 2, 'member'],
      ['campaigns', 'nodes', 2, 'participants', 0, 'member'],
    ]);
    expect(entities.map((entity) => entity.value.id)).toEqual(['1', '2', '1']);
    // The path read twice is the same, and an entity's value is the merged data's object itself.
    expect(entities[1]!.path).toEqual(entities[1]!.path);
    expect(entities[2]!.value).toBe(
      (
        ((data.campaigns as { nodes: unknown[] }).nodes[2] as { participants: unknown[] }).participants[0] as {
          member: unknown;
        }
      ).member,
    );
  });

  it('keeps the objects of a type condition, at the elements of a list', () => {
    const entities = flattenAt(execution, root, [
      'campaigns',
      'nodes',
      '@',
      'participants',
      '@',
      'member',
      { typeConditions: ['C'] },
    ]);
    expect(pathsOf(entities)).toEqual([['campaigns', 'nodes', 0, 'participants', 2, 'member']]);
    const listed = flattenAt(execution, [{ path: ['campaigns', 'nodes', 0], value: { participants: [] } }], []);
    expect(pathsOf(listed)).toEqual([['campaigns', 'nodes', 0]]);
  });

  it('flattens nested lists without their own @, and starts from the paths of the entities given', () => {
    expect(pathsOf(flattenAt(execution, root, ['grid']))).toEqual([
      ['grid', 0, 0],
      ['grid', 0, 1],
      ['grid', 2, 0],
    ]);
    const nested = flattenAt(execution, [{ path: ['outer', 3], value: { grid: data.grid } }], ['grid', '@']);
    expect(pathsOf(nested)).toEqual([
      ['outer', 3, 'grid', 0, 0],
      ['outer', 3, 'grid', 0, 1],
      ['outer', 3, 'grid', 2, 0],
    ]);
  });

  it('reads own keys only: `constructor` of the data, never of the prototype', () => {
    expect(flattenAt(execution, root, ['constructor']).map((entity) => entity.value)).toEqual([{ id: 'own' }]);
    const plain = { campaigns: {} };
    expect(flattenAt(executionOf(plain), [{ path: [], value: plain }], ['campaigns', 'constructor'])).toEqual([]);
    expect(flattenAt(executionOf(plain), [{ path: [], value: plain }], ['campaigns', 'toString'])).toEqual([]);
  });
});

describe('distinct representations (EntityRepresentations)', () => {
  const entity = (i: number): Entity => ({ path: ['list', i], value: { i } });

  it('sends equal representations once, with every entity and client path they stand for', () => {
    const represented = new EntityRepresentations();
    represented.add({ __typename: 'B', id: '1' }, entity(0));
    represented.add({ __typename: 'B', id: '2' }, entity(1));
    represented.add({ __typename: 'B', id: '1' }, entity(2));
    represented.add({ __typename: 'B', id: 1 }, entity(3));
    expect(represented.representations).toEqual([
      { __typename: 'B', id: '1' },
      { __typename: 'B', id: '2' },
      { __typename: 'B', id: 1 },
    ]);
    expect(represented.clientPaths(0, ['reviews', 1, 'body'])).toEqual([
      ['list', 0, 'reviews', 1, 'body'],
      ['list', 2, 'reviews', 1, 'body'],
    ]);
    expect(represented.clientPaths(7, ['x'])).toEqual([]);
    expect(represented.clientPaths(undefined, [])).toEqual([]);
    const answer = JSON.parse('[{"name":"one"},{"name":"two"},null]') as unknown[];
    represented.merge(executionOf({}), answer, undefined);
    expect(represented.entities[0]!.map((e) => e.value)).toEqual([
      { i: 0, name: 'one' },
      { i: 2, name: 'one' },
    ]);
  });

  it('maps an error of a representation met at several nested paths to each of them, list indexes included', () => {
    const data = JSON.parse(`{ "campaigns": [
      { "members": [{ "__typename": "B", "id": "1" }, { "__typename": "B", "id": "2" }] },
      { "members": [] },
      { "members": [{ "__typename": "B", "id": "2" }] }
    ] }`) as Record<string, unknown>;
    const represented = new EntityRepresentations();
    for (const found of flattenAt(executionOf(data), [{ path: [], value: data }], ['campaigns', '@', 'members', '@']))
      represented.add({ __typename: found.value.__typename, id: found.value.id }, found);
    expect(represented.representations).toEqual([
      { __typename: 'B', id: '1' },
      { __typename: 'B', id: '2' },
    ]);
    expect(represented.clientPaths(1, ['reviews', 0])).toEqual([
      ['campaigns', 0, 'members', 1, 'reviews', 0],
      ['campaigns', 2, 'members', 0, 'reviews', 0],
    ]);
    // The answer reaches every entity the representation stands for.
    represented.merge(executionOf(data), JSON.parse('[{"name":"one"},{"name":"two"}]'), undefined);
    expect(data).toEqual({
      campaigns: [
        {
          members: [
            { __typename: 'B', id: '1', name: 'one' },
            { __typename: 'B', id: '2', name: 'two' },
          ],
        },
        { members: [] },
        { members: [{ __typename: 'B', id: '2', name: 'two' }] },
      ],
    });
  });

  it('groups representations exactly as their JSON texts are equal', () => {
    const values: unknown[] = [
      '1',
      1,
      1.5,
      0,
      -0,
      '',
      '1:a',
      'a"b',
      '\u0000',
      null,
      true,
      NaN,
      Infinity,
      undefined,
      [1],
      { n: 1 },
    ];
    const representations: Array<Record<string, unknown>> = [];
    for (const a of values) {
      for (const b of values) {
        representations.push({ __typename: 'B', id: a, key: b });
        representations.push({ __typename: 'B', key: b, id: a });
        representations.push({ __typename: 'B', [`id${String(a)}`]: b });
      }
      representations.push({ __typename: 'B', id: a });
      representations.push({ __typename: 'B', id: a, 2: 'x' });
    }
    const represented = new EntityRepresentations();
    representations.forEach((representation, i) => represented.add(representation, entity(i)));
    const byText = new Map<string, number[]>();
    representations.forEach((representation, i) => {
      const text = JSON.stringify(representation);
      byText.set(text, [...(byText.get(text) ?? []), i]);
    });
    expect(represented.entities.map((entities) => entities.map((e) => e.path[1]))).toEqual([...byText.values()]);
    expect(represented.representations).toEqual([...byText.values()].map((indexes) => representations[indexes[0]!]));
  });
});
