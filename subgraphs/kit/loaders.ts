import DataLoader from 'dataloader';

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
    async (keys) => {
      const rows = await fetch(keys);
      const byKey = new Map(rows.map((row) => [keyOf(row), row] as const));
      return keys.map((key) => byKey.get(key) ?? null);
    },
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
    async (keys) => {
      const groups = new Map<K, R[]>(keys.map((key) => [key, []]));
      for (const row of await fetch(keys)) groups.get(keyOf(row))?.push(row);
      return keys.map((key) => groups.get(key)!);
    },
    { maxBatchSize: options.maxBatchSize ?? 1000 },
  );
}
