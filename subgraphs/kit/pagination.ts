import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { badUserInput } from './errors';

/** Page size when a client sends no `first`. */
export const DEFAULT_PAGE_SIZE = 20;
/** Largest `first` a client may ask for; more is an error, never a silent clamp. */
export const MAX_PAGE_SIZE = 100;

/** Relay connection arguments as clients send them. */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

/** Validated page arguments: a size and the decoded cursor values, if any. */
export interface PageRequest {
  first: number;
  after: readonly CursorValue[] | null;
}

export type CursorValue = string | number | null;

/** The Relay connection shape every list field answers with. */
export interface Connection<T> {
  edges: Array<{ cursor: string; node: T }>;
  nodes: T[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  /** Resolved lazily: counting costs a statement, so only when a client selects it. */
  totalCount: () => Promise<number>;
}

const CURSOR_PREFIX = 'c1:';

/** Encodes sort-key values as an opaque, url-safe cursor. */
export function encodeCursor(values: readonly CursorValue[]): string {
  return Buffer.from(CURSOR_PREFIX + JSON.stringify(values), 'utf8').toString('base64url');
}

/** Decodes a cursor made by {@link encodeCursor}; anything else is `BAD_USER_INPUT`. */
export function decodeCursor(cursor: string, arity: number): CursorValue[] {
  const invalid = () =>
    badUserInput('`after` is not a cursor from this list: pass an endCursor or edge cursor you received', 'after');
  if (cursor.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(CURSOR_PREFIX)) throw invalid();
  let values: unknown;
  try {
    values = JSON.parse(text.slice(CURSOR_PREFIX.length));
  } catch {
    throw invalid();
  }
  if (
    !Array.isArray(values) ||
    values.length !== arity ||
    !values.every((v) => v === null || typeof v === 'string' || typeof v === 'number')
  ) {
    throw invalid();
  }
  return values as CursorValue[];
}

/**
 * Validates `first` against the contract: default 20, at most 100, never negative.
 * `arity` is the number of sort keys the cursor must carry.
 */
export function readPageArgs(args: PageArgs, arity: number): PageRequest {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0) {
    throw badUserInput(`\`first\` must be between 0 and ${MAX_PAGE_SIZE}, got ${first}`, 'first');
  }
  if (first > MAX_PAGE_SIZE) {
    throw badUserInput(
      `\`first\` must be at most ${MAX_PAGE_SIZE}, got ${first}: page through larger lists with \`after\``,
      'first',
    );
  }
  return { first, after: args.after ? decodeCursor(args.after, arity) : null };
}

/** One sort key: an SQL expression, its direction and how to read it off a row. */
export interface SortKey<T> {
  /** Column expression as used in the query, e.g. `m.slug`. Never client input. */
  column: string;
  direction: 'ASC' | 'DESC';
  value: (row: T) => CursorValue;
  /** Turns the cursor value back into a query parameter (e.g. a Date); identity by default. */
  param?: (value: CursorValue) => unknown;
  /** What ORDER BY names when not `column`: the alias of a selected expression (a search score). */
  orderBy?: string;
}

/** Reads up to `limit` rows of the ordered, positioned query. */
export type FetchRows<T extends ObjectLiteral> = (paged: SelectQueryBuilder<T>, limit: number) => Promise<T[]>;

const fetchEntities = <T extends ObjectLiteral>(paged: SelectQueryBuilder<T>, limit: number) =>
  paged.take(limit).getMany();

/**
 * The keyset ("seek") condition for the rows strictly after the cursor values `after` in the
 * order of `keys`: `(k1 > v1) OR (k1 = v1 AND k2 > v2) OR ...` (`<` for descending keys),
 * expanded for any number of keys, with its parameters `after0`, `after1`, ...
 */
export function keysetCondition<T>(
  keys: readonly SortKey<T>[],
  after: readonly CursorValue[],
): { where: string; params: Record<string, unknown> } {
  const branches = keys.map((key, i) => {
    const equal = keys.slice(0, i).map((prev, j) => `${prev.column} = :after${j}`);
    const op = key.direction === 'ASC' ? '>' : '<';
    return [...equal, `${key.column} ${op} :after${i}`].join(' AND ');
  });
  const params = Object.fromEntries(after.map((v, i) => [`after${i}`, keys[i]?.param ? keys[i].param(v) : v]));
  return { where: `(${branches.map((b) => `(${b})`).join(' OR ')})`, params };
}

/**
 * Keyset ("seek") pagination on a TypeORM query: applies the order, the position after
 * the cursor and the limit, and returns a Relay connection. The last sort key must be
 * unique (the id) so that the order is total and pages never overlap or skip rows.
 * The count is taken from the query as it was before paging. `fetchRows` reads the rows
 * (entities by default; a list with a computed sort key reads it off the raw rows).
 */
export async function paginate<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
  args: PageArgs,
  keys: readonly SortKey<T>[],
  fetchRows: FetchRows<T> = fetchEntities,
): Promise<Connection<T>> {
  const page = readPageArgs(args, keys.length);
  const counter = query.clone();
  const paged = query.clone();

  if (page.after) {
    const { where, params } = keysetCondition(keys, page.after);
    paged.andWhere(where, params);
  }
  keys.forEach((key, i) => {
    if (i === 0) paged.orderBy(key.orderBy ?? key.column, key.direction);
    else paged.addOrderBy(key.orderBy ?? key.column, key.direction);
  });
  const rows = page.first === 0 ? [] : await fetchRows(paged, page.first + 1);
  return toConnection(rows, page.first, keys, () => counter.getCount());
}

/** Builds a connection from up to `first + 1` rows fetched in order. */
export function toConnection<T>(
  rows: T[],
  first: number,
  keys: readonly Pick<SortKey<T>, 'value'>[],
  count: () => Promise<number>,
): Connection<T> {
  const nodes = rows.slice(0, first);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(keys.map((k) => k.value(node))), node }));
  let total: Promise<number> | undefined;
  return {
    edges,
    nodes,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: () => (total ??= count()),
  };
}
