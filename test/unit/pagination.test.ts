import { GraphQLError } from 'graphql';
import { decodeCursor, encodeCursor, readPageArgs, toConnection } from '../../subgraphs/kit/pagination';

function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error instanceof GraphQLError ? error.extensions.code : error;
  }
  return 'no error';
}

describe('cursor pagination', () => {
  it('round-trips sort-key values through an opaque url-safe cursor', () => {
    const cursor = encodeCursor(['chengdu-evening-news', 42, null]);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, 3)).toEqual(['chengdu-evening-news', 42, null]);
  });

  it('defaults first to 20 and accepts 0 to 100', () => {
    expect(readPageArgs({}, 1).first).toBe(20);
    expect(readPageArgs({ first: 0 }, 1).first).toBe(0);
    expect(readPageArgs({ first: 100 }, 1).first).toBe(100);
  });

  it.each([101, 99999999, -1])('answers BAD_USER_INPUT for first: %d', (first) => {
    expect(codeOf(() => readPageArgs({ first }, 1))).toBe('BAD_USER_INPUT');
  });

  it.each(['garbage!', encodeCursor(['a']), Buffer.from('c1:{"a":1}').toString('base64url'), 'x'.repeat(2000)])(
    'answers BAD_USER_INPUT for a cursor that is not from the list: %s',
    (after) => {
      expect(codeOf(() => readPageArgs({ after }, 2))).toBe('BAD_USER_INPUT');
    },
  );

  it('reports a next page only when more rows than asked were fetched, and counts lazily', async () => {
    const count = jest.fn(async () => 3);
    const connection = toConnection([{ id: 1 }, { id: 2 }, { id: 3 }], 2, [{ value: (r) => r.id }], count);
    expect(connection.nodes).toEqual([{ id: 1 }, { id: 2 }]);
    expect(connection.pageInfo.hasNextPage).toBe(true);
    expect(decodeCursor(connection.pageInfo.endCursor!, 1)).toEqual([2]);
    expect(count).not.toHaveBeenCalled();
    expect(await connection.totalCount()).toBe(3);
    await connection.totalCount();
    expect(count).toHaveBeenCalledTimes(1);
  });
});
