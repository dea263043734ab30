import { MeasuredCache } from '../../gateway/caches';

describe('the measured LRU cache behind parsed documents and query plans', () => {
  it('stays within its size bound by evicting the least recently used entries', async () => {
    // About 2 KiB: room for three entries of 600 bytes, not four.
    const cache = new MeasuredCache<string>('test', 2048 / 2 ** 20);
    for (const key of ['a', 'b', 'c']) await cache.set(key, key.repeat(600));
    await cache.get('a'); // a is now more recent than b
    await cache.set('d', 'd'.repeat(600));
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toBe('a'.repeat(600));
    expect(cache.entries).toBe(3);
    expect(cache.bytes).toBeLessThanOrEqual(2048);
  });

  it('counts hits and misses, and sizes objects by their JSON length', async () => {
    const cache = new MeasuredCache<object>('test', 1);
    await cache.set('plan', { kind: 'QueryPlan', node: null });
    await cache.get('plan');
    await cache.get('plan');
    await cache.get('other');
    expect([cache.hits, cache.misses]).toEqual([2, 1]);
    expect(cache.bytes).toBe(JSON.stringify({ kind: 'QueryPlan', node: null }).length);
    cache.clear();
    expect(cache.entries).toBe(0);
  });
});
