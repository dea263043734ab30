import DataLoader from 'dataloader';
import { tracedBatch } from './tracing';

/**
 * A per-request DataLoader that fetches many rows by key in one statement and hands
 * each caller its row, or null when none exists. `fetch` must answer all keys at once
 * (an `IN (...)` query); the loader restores the callers' order.
 */
export function rowLoader<K extends string | number, R>(
  fetch: (keys: readonly K[]) => Promise<R[]>,
  keyOf: (row: R) => K,
  options: { maxBatchSize?: number } = {},
): DataLoader<K, R | null> {
  return new DataLoader<K, R | null>(
    tracedBatch('row', async (keys) => {
      const rows = await fetch(keys);
      const byKey = new Map(rows.map((row) => [keyOf(row), row] as const));
      return keys.map((key) => byKey.get(key) ?? null);
    }),
    // Bounded batches keep IN lists within what both SQLite and MySQL take comfortably.
    { maxBatchSize: options.maxBatchSize ?? 1000 },
  );
}

/**
 * A per-request DataLoader answering every key with all rows that belong to it (possibly
 * none), from one statement per batch. `fetch` keeps its order within each group.
 */
export function groupLoader<K extends string | number, R>(
  fetch: (keys: readonly K[]) => Promise<R[]>,
  keyOf: (row: R) => K,
  options: { maxBatchSize?: number } = {},
): DataLoader<K, R[]> {
  return new DataLoader<K, R[]>(
    tracedBatch('group', async (keys) => {
      const groups = new Map<K, R[]>(keys.map((key) => [key, []]));
      for (const row of await fetch(keys)) groups.get(keyOf(row))?.push(row);
      return keys.map((key) => groups.get(key)!);
    }),
    { maxBatchSize: options.maxBatchSize ?? 1000 },
  );
}

/** One parent and the arguments its field was asked with. */
export interface ArgumentsKey<A> {
  parentId: string;
  args: A;
}

/** Arguments compared as JSON; an undefined argument counts as null (GraphQL treats them alike). */
const argumentsKeyOf = (args: unknown): string => JSON.stringify(args, (_key, value: unknown) => value ?? null);

/**
 * A per-request DataLoader for a field whose answer depends on its parent AND its arguments
 * ("arguments per parent": a page of participants, a month range of statistics). A batch is
 * grouped by the arguments and `fetch` runs once per distinct argument set, so a page of
 * parents asked the same way still costs one statement per field. `fetch` answers by parent
 * id; `orElse` answers a parent it left out (without it, leaving one out is a bug: an error).
 */
export function argumentsLoader<A, V>(
  fetch: (parentIds: string[], args: A) => Promise<ReadonlyMap<string, V>>,
  orElse?: (parentId: string, args: A) => V,
  options: { maxBatchSize?: number } = {},
): DataLoader<ArgumentsKey<A>, V, string> {
  return new DataLoader<ArgumentsKey<A>, V, string>(
    tracedBatch('arguments', async (keys) => {
      const groups = new Map<string, { args: A; parentIds: Set<string> }>();
      for (const key of keys) {
        const argsKey = argumentsKeyOf(key.args);
        const group = groups.get(argsKey) ?? { args: key.args, parentIds: new Set<string>() };
        group.parentIds.add(key.parentId);
        groups.set(argsKey, group);
      }
      const answers = new Map<string, ReadonlyMap<string, V>>();
      for (const [argsKey, group] of groups) answers.set(argsKey, await fetch([...group.parentIds], group.args));
      return keys.map((key) => {
        const answer = answers.get(argumentsKeyOf(key.args))!.get(key.parentId);
        if (answer !== undefined) return answer;
        return orElse ? orElse(key.parentId, key.args) : new Error(`no answer for parent ${key.parentId}`);
      });
    }),
    { cacheKeyFn: (key) => `${key.parentId}|${argumentsKeyOf(key.args)}`, maxBatchSize: options.maxBatchSize ?? 1000 },
  );
}

/**
 * {@link argumentsLoader} answering every parent with all rows that belong to it (possibly
 * none), like {@link groupLoader}: `fetch` keeps its order within each group.
 */
export function argumentsGroupLoader<A, R>(
  fetch: (parentIds: string[], args: A) => Promise<R[]>,
  parentOf: (row: R) => string,
  options: { maxBatchSize?: number } = {},
): DataLoader<ArgumentsKey<A>, R[], string> {
  return argumentsLoader<A, R[]>(
    async (parentIds, args) => {
      const groups = new Map<string, R[]>(parentIds.map((id) => [id, []]));
      for (const row of await fetch(parentIds, args)) groups.get(parentOf(row))?.push(row);
      return groups;
    },
    () => [],
    options,
  );
}
