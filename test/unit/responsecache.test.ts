import {
  MemoryResponseStore,
  ResponseCache,
  type ResponseStore,
  entryToStore,
  mayUseCache,
  responseCacheKey,
} from '../../gateway/responsecache';

describe('the response-cache key', () => {
  const query = '{ attraction(slug: "mount-emei") { name } }';
  const key = responseCacheKey(query, 'A', { x: 1 }, 'zh-CN');

  it('is the same for the same operation, name, variables and language', () => {
    expect(responseCacheKey(query, 'A', { x: 1 }, 'zh-CN')).toBe(key);
  });

  it.each([
    ['the text', () => responseCacheKey(`${query} `, 'A', { x: 1 }, 'zh-CN')],
    ['the operation name', () => responseCacheKey(query, 'B', { x: 1 }, 'zh-CN')],
    ['the variables', () => responseCacheKey(query, 'A', { x: 2 }, 'zh-CN')],
    ['the language', () => responseCacheKey(query, 'A', { x: 1 }, 'en')],
    ['no language', () => responseCacheKey(query, 'A', { x: 1 }, undefined)],
  ])('differs with %s', (_what, other) => {
    expect(other()).not.toBe(key);
  });

  it('reads the first 256 characters of Accept-Language, as the gateway forwards it', () => {
    const long = `zh-CN,${'x'.repeat(300)}`;
    expect(responseCacheKey(query, 'A', {}, long)).toBe(responseCacheKey(query, 'A', {}, long.slice(0, 256)));
  });
});

describe('the response-cache policy', () => {
  it.each([
    [{ method: 'POST', role: null, cacheControl: undefined }, true],
    [{ method: 'POST', role: 'MEMBER', cacheControl: undefined }, false],
    [{ method: 'POST', role: undefined, cacheControl: undefined }, false],
    [{ method: 'GET', role: null, cacheControl: undefined }, false],
    [{ method: 'POST', role: null, cacheControl: 'no-cache' }, false],
    [{ method: 'POST', role: null, cacheControl: 'max-age=0, no-store' }, false],
  ])('serves and stores for %j: %s', (request, expected) => {
    expect(mayUseCache(request)).toBe(expected);
  });

  const response = {
    operation: 'query' as const,
    errors: undefined,
    policy: { maxAge: 60, scope: 'PUBLIC' as const },
    data: { alliance: { name: 'A' } },
  };

  it('stores a query without errors under a PUBLIC policy, for its max age, as the body to send', () => {
    expect(entryToStore(response)).toEqual({ body: '{"data":{"alliance":{"name":"A"}}}\n', maxAge: 60 });
  });

  it.each([
    ['a PRIVATE policy', { ...response, policy: { maxAge: 60, scope: 'PRIVATE' as const } }],
    ['no cacheable policy (a field without a hint)', { ...response, policy: null }],
    ['a max age of 0', { ...response, policy: { maxAge: 0, scope: 'PUBLIC' as const } }],
    ['errors', { ...response, errors: [{ message: 'x' }] }],
    ['a mutation', { ...response, operation: 'mutation' as const }],
  ])('stores nothing with %s', (_what, answered) => {
    expect(entryToStore(answered)).toBeUndefined();
  });
});

describe('the response cache', () => {
  it('counts hits and misses, and clears', async () => {
    const cache = new ResponseCache(new MemoryResponseStore(10));
    expect(await cache.lookup('k')).toBeUndefined();
    await cache.save('k', { body: 'b', maxAge: 60 });
    expect(await cache.lookup('k')).toEqual({ body: 'b', maxAge: 60 });
    await cache.clear();
    expect(await cache.lookup('k')).toBeUndefined();
    expect([cache.hits, cache.misses]).toEqual([1, 2]);
  });

  it('treats a store that fails as a miss, and a failed save or clear as a warning, never an error', async () => {
    const failing: ResponseStore = {
      get: () => Promise.reject(new Error('down')),
      set: () => Promise.reject(new Error('down')),
      clear: () => Promise.reject(new Error('down')),
    };
    const warn = jest.fn();
    const cache = new ResponseCache(failing, { warn });
    expect(await cache.lookup('k')).toBeUndefined();
    await cache.save('k', { body: 'b', maxAge: 60 });
    await cache.clear();
    expect(warn.mock.calls.map(([, message]) => message)).toEqual([
      'response not cached',
      'response cache not cleared',
    ]);
  });
});
