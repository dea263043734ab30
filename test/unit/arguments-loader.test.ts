import { argumentsGroupLoader, argumentsLoader } from '../../subgraphs/kit/loaders';

describe('the arguments-per-parent loader', () => {
  it('fetches once per distinct argument set in a batch, an undefined argument counting as null', async () => {
    const calls: Array<{ ids: string[]; args: unknown }> = [];
    const loader = argumentsGroupLoader<
      { first?: number | null; after?: string | null },
      { parent: string; n: number }
    >(
      async (ids, args) => {
        calls.push({ ids, args });
        return ids.flatMap((parent) => [1, 2].map((n) => ({ parent, n })));
      },
      (row) => row.parent,
    );
    const answers = await Promise.all([
      loader.load({ parentId: 'a', args: { first: 2, after: undefined } }),
      loader.load({ parentId: 'b', args: { first: 2, after: null } }),
      loader.load({ parentId: 'a', args: { first: 5 } }),
      loader.load({ parentId: 'c', args: { first: 2, after: undefined } }),
    ]);
    expect(calls.map((c) => c.ids)).toEqual([['a', 'b', 'c'], ['a']]);
    expect(answers.map((rows) => rows.map((r) => `${r.parent}${r.n}`))).toEqual([
      ['a1', 'a2'],
      ['b1', 'b2'],
      ['a1', 'a2'],
      ['c1', 'c2'],
    ]);
  });

  it('answers a parent the fetch left out with orElse, or with an error without it', async () => {
    const fetch = async () => new Map([['a', 1]]);
    expect(await argumentsLoader<null, number>(fetch, () => 0).load({ parentId: 'b', args: null })).toBe(0);
    await expect(argumentsLoader<null, number>(fetch).load({ parentId: 'b', args: null })).rejects.toThrow(
      'no answer for parent b',
    );
  });
});
