import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import { LRUCache } from 'lru-cache';
import { Counter, Gauge, type Registry } from 'prom-client';

/** Approximate bytes of a cached value: its JSON length (what Apollo's own caches use). */
function approximateBytes(value: unknown): number {
  if (typeof value === 'string') return value.length;
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

/**
 * An in-memory LRU cache bounded by approximate size, counting its hits and misses.
 * It stands in for Apollo's default parsed-document and query-plan caches (both 30 MiB
 * LRUs) so their sizes are configured (`DOCUMENT_CACHE_MB`, `QUERY_PLAN_CACHE_MB`) and
 * measured on `/metrics`: `gateway_cache_lookups_total`, `gateway_cache_entries`,
 * `gateway_cache_bytes`, labelled by cache.
 */
export class MeasuredCache<V extends object | string> implements KeyValueCache<V>, CacheFigures {
  private readonly lru: LRUCache<string, V>;
  hits = 0;
  misses = 0;

  constructor(
    readonly name: string,
    maxMiB: number,
  ) {
    this.lru = new LRUCache<string, V>({
      maxSize: Math.max(1, Math.round(maxMiB * 2 ** 20)),
      sizeCalculation: (value) => Math.max(1, approximateBytes(value)),
    });
  }

  async get(key: string): Promise<V | undefined> {
    const value = this.lru.get(key);
    if (value === undefined) this.misses += 1;
    else this.hits += 1;
    return value;
  }

  async set(key: string, value: V, options?: KeyValueCacheSetOptions): Promise<void> {
    this.lru.set(key, value, options?.ttl ? { ttl: options.ttl * 1000 } : undefined);
  }

  async delete(key: string): Promise<boolean> {
    return this.lru.delete(key);
  }

  clear(): void {
    this.lru.clear();
  }

  /** Entries held now. */
  get entries(): number {
    return this.lru.size;
  }

  /** Approximate bytes held now. */
  get bytes(): number {
    return this.lru.calculatedSize;
  }
}

/** What `/metrics` reports of a cache. */
export interface CacheFigures {
  readonly name: string;
  readonly hits: number;
  readonly misses: number;
  readonly entries: number;
  readonly bytes: number;
}

/** Registers the figures of some caches with a Prometheus registry, read at each scrape. */
export function registerCacheMetrics(registry: Registry, caches: readonly CacheFigures[]): void {
  const labelNames = ['cache'] as const;
  new Counter({
    name: 'gateway_cache_lookups_total',
    help: 'Lookups in the parsed-document and query-plan caches, by cache and result (hit, miss).',
    labelNames: ['cache', 'result'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const cache of caches) {
        this.inc({ cache: cache.name, result: 'hit' }, cache.hits);
        this.inc({ cache: cache.name, result: 'miss' }, cache.misses);
      }
    },
  });
  new Gauge({
    name: 'gateway_cache_entries',
    help: 'Entries held by the parsed-document and query-plan caches.',
    labelNames,
    registers: [registry],
    collect() {
      for (const cache of caches) this.set({ cache: cache.name }, cache.entries);
    },
  });
  new Gauge({
    name: 'gateway_cache_bytes',
    help: 'Approximate bytes (JSON length) held by the parsed-document and query-plan caches.',
    labelNames,
    registers: [registry],
    collect() {
      for (const cache of caches) this.set({ cache: cache.name }, cache.bytes);
    },
  });
}
