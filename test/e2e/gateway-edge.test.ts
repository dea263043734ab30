import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ASSERTION_HEADER, signAssertion } from '../../subgraphs/kit/identity';
import { operationId } from '../../gateway/operations';
import type { RunningService } from '../support/processes';
import { productionSecrets } from '../support/secrets';
import { startStack, type Stack } from '../support/stack';

// The edge is the same whatever database sits behind the subgraphs, so this suite runs on SQLite only.

interface Reply {
  status: number;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } | undefined;
  headers: Headers;
}

async function send(url: string, init: RequestInit & { path?: string } = {}): Promise<Reply> {
  const response = await fetch(`${url}${init.path ?? '/graphql'}`, init);
  const text = await response.text();
  let body: Reply['body'];
  try {
    body = JSON.parse(text) as Reply['body'];
  } catch {
    body = undefined;
  }
  return { status: response.status, body, headers: response.headers };
}

const json = (payload: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof payload === 'string' ? payload : JSON.stringify(payload),
});

/** Total fetches the gateway has sent to subgraphs, from its own /metrics. */
async function subgraphFetches(gateway: RunningService): Promise<number> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('subgraph_fetch_duration_seconds_count'))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

const fragmentBomb = () => {
  const fragments = ['fragment F0 on Query { members(first: 1) { totalCount } }'];
  for (let i = 1; i <= 30; i += 1) fragments.push(`fragment F${i} on Query { ...F${i - 1} ...F${i - 1} }`);
  return `query Bomb { ...F30 } ${fragments.join(' ')}`;
};
/** A valid query exactly `depth` fields deep: members > nodes > apiKeys > member > apiKeys > ... > leaf. */
const queryOfDepth = (depth: number) => {
  const chain = ['members(first: 1)', 'nodes'];
  while (chain.length < depth - 1) chain.push(chain.length % 2 === 0 ? 'apiKeys' : 'member');
  const leaf = chain.at(-1) === 'apiKeys' ? 'label' : 'slug';
  return `{ ${chain.map((f) => `${f} {`).join(' ')} ${leaf} ${'}'.repeat(chain.length)} }`;
};

describe('the gateway edge refuses bad input early, with a coded error, and keeps serving', () => {
  let stack: Stack;
  let dev: RunningService;
  let production: RunningService;
  let trusted: RunningService;
  let manifestDir: string;
  const TRUSTED_QUERY = 'query TrustedMembers { members(first: 2) { totalCount } }';

  beforeAll(async () => {
    // Production refuses the development secret: the whole stack shares a strong one.
    const { ACCESS_TOKEN_SECRET, ...shared } = productionSecrets();
    stack = await startStack('sqlite', { LIMIT_MAX_DEPTH: '8' }, shared);
    dev = stack.gateway;
    production = await stack.startGateway({ NODE_ENV: 'production', ACCESS_TOKEN_SECRET });
    manifestDir = fs.mkdtempSync(path.join(os.tmpdir(), 'alliance-manifest-'));
    const manifest = path.join(manifestDir, 'manifest.json');
    fs.writeFileSync(
      manifest,
      JSON.stringify({
        format: 'apollo-persisted-query-manifest',
        version: 1,
        operations: [{ id: operationId(TRUSTED_QUERY), name: 'TrustedMembers', type: 'query', body: TRUSTED_QUERY }],
      }),
    );
    trusted = await stack.startGateway({ TRUSTED_DOCUMENTS: manifest });
  });
  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(manifestDir, { recursive: true, force: true });
  });

  const cases: Array<[string, () => Promise<Reply>, number, string]> = [
    [
      '10,000-deep nesting',
      () => send(dev.url, json({ query: `{ members ${'{ nodes '.repeat(10_000)}}` })),
      400,
      'GRAPHQL_PARSE_FAILED',
    ],
    [
      'depth one over the limit',
      () => send(dev.url, json({ query: queryOfDepth(9) })),
      400,
      'OPERATION_LIMIT_EXCEEDED',
    ],
    [
      '5,000 aliases',
      () =>
        send(dev.url, json({ query: `{ ${Array.from({ length: 5000 }, (_, i) => `a${i}: __typename`).join(' ')} }` })),
      400,
      'GRAPHQL_PARSE_FAILED',
    ],
    [
      '31 aliases, one over the alias limit',
      () =>
        send(
          dev.url,
          json({ query: `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: alliance { name }`).join(' ')} }` }),
        ),
      400,
      'OPERATION_LIMIT_EXCEEDED',
    ],
    [
      '21 root fields',
      () =>
        send(
          dev.url,
          json({ query: `{ ${Array.from({ length: 21 }, (_, i) => `r${i}: alliance { name }`).join(' ')} }` }),
        ),
      400,
      'OPERATION_LIMIT_EXCEEDED',
    ],
    [
      'a page size hidden in a variable default',
      () =>
        send(
          dev.url,
          json({
            query:
              'query Q($n: Int = 100) { members(first: $n) { nodes { contents(first: $n) { nodes { author { contents(first: $n) { nodes { title } } } } } } } }',
          }),
        ),
      400,
      'OPERATION_LIMIT_EXCEEDED',
    ],
    [
      'a fragment cycle',
      () => send(dev.url, json({ query: 'query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }' })),
      400,
      'GRAPHQL_VALIDATION_FAILED',
    ],
    [
      'a fragment bomb of 30 doubling levels',
      () => send(dev.url, json({ query: fragmentBomb() })),
      400,
      'OPERATION_LIMIT_EXCEEDED',
    ],
    [
      'a 2 MB string',
      () => send(dev.url, json({ query: `{ member(slug: "${'x'.repeat(2_200_000)}") { id } }` })),
      413,
      'BAD_USER_INPUT',
    ],
    [
      'a 100,000-token document',
      () => send(dev.url, json({ query: `{ ${'a '.repeat(100_000)}}` })),
      400,
      'GRAPHQL_PARSE_FAILED',
    ],
    [
      '500 directives',
      () => send(dev.url, json({ query: `{ alliance { name ${'@include(if: true) '.repeat(500)}} }` })),
      400,
      'GRAPHQL_VALIDATION_FAILED',
    ],
    [
      'invalid UTF-8',
      () =>
        send(dev.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: Buffer.concat([
            Buffer.from('{"query":"{ member(slug: \\"'),
            Buffer.from([0xff, 0xfe]),
            Buffer.from('\\") { id } }"}'),
          ]),
        }),
      400,
      'BAD_REQUEST',
    ],
    [
      'a charset other than UTF-8',
      () => send(dev.url, json({ query: '{ __typename }' }, { 'content-type': 'application/json; charset=latin1' })),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a JSON array of 1,000 operations',
      () => send(dev.url, json(Array.from({ length: 1000 }, () => ({ query: '{ alliance { name } }' })))),
      400,
      'BAD_REQUEST',
    ],
    ['malformed JSON', () => send(dev.url, json('{"query": "{ alliance { name } }"')), 400, 'BAD_REQUEST'],
    ['a body of null', () => send(dev.url, json('null')), 400, 'BAD_REQUEST'],
    [
      'wrong variable types',
      () =>
        send(
          dev.url,
          json({ query: 'query($n: Int) { members(first: $n) { totalCount } }', variables: { n: 'many' } }),
        ),
      400,
      'BAD_USER_INPUT',
    ],
    [
      'first: 99999999',
      () => send(dev.url, json({ query: '{ members(first: 99999999) { totalCount } }' })),
      400,
      'OPERATION_LIMIT_EXCEEDED',
    ],
    [
      'an unknown operationName',
      () => send(dev.url, json({ query: 'query A { alliance { name } }', operationName: 'B' })),
      400,
      'OPERATION_RESOLUTION_FAILURE',
    ],
    ['an empty query', () => send(dev.url, json({ query: '' })), 400, 'BAD_REQUEST'],
    [
      '_entities sent to the gateway',
      () => send(dev.url, json({ query: '{ _entities(representations: []) { __typename } }' })),
      400,
      'GRAPHQL_VALIDATION_FAILED',
    ],
    [
      '_service sent to the gateway',
      () => send(dev.url, json({ query: '{ _service { sdl } }' })),
      400,
      'GRAPHQL_VALIDATION_FAILED',
    ],
    [
      '__schema in production',
      () => send(production.url, json({ query: '{ __schema { types { name } } }' })),
      400,
      'GRAPHQL_VALIDATION_FAILED',
    ],
    [
      'a misspelled field in production',
      () => send(production.url, json({ query: '{ memberz { id } }' })),
      400,
      'GRAPHQL_VALIDATION_FAILED',
    ],
    [
      'an unknown persisted-query hash in trusted mode',
      () => send(trusted.url, json({ extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } })),
      400,
      'PERSISTED_QUERY_NOT_FOUND',
    ],
    [
      'a free-form query in trusted mode',
      () => send(trusted.url, json({ query: '{ alliance { name } }' })),
      400,
      'OPERATION_NOT_TRUSTED',
    ],
    [
      'an Authorization scheme other than Bearer',
      () => send(dev.url, json({ query: '{ alliance { name } }' }, { authorization: 'Basic YWRtaW46YWRtaW4=' })),
      401,
      'UNAUTHENTICATED',
    ],
  ];

  it.each(cases)('refuses %s before any subgraph is called', async (_name, attempt, status, code) => {
    const before = await subgraphFetches(dev);
    const beforeProduction = await subgraphFetches(production);
    const reply = await attempt();
    expect([reply.status, reply.body?.errors?.[0]?.extensions?.code]).toEqual([status, code]);
    expect(JSON.stringify(reply.body)).not.toMatch(/127\.0\.0\.1|localhost:|stacktrace|serviceName|at [A-Za-z]+ \(/);
    expect(await subgraphFetches(dev)).toBe(before);
    expect(await subgraphFetches(production)).toBe(beforeProduction);
    const alive = await send(dev.url, json({ query: '{ alliance { name } }' }));
    expect(alive.status).toBe(200);
  });

  it('refuses a mutation sent with GET and a text/plain POST (CSRF prevention)', async () => {
    const get = await send(dev.url, {
      path: `/graphql?query=${encodeURIComponent('mutation { revokeApiKey(id: "x") { id } }')}`,
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(405);
    const plain = await send(dev.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"query":"{ alliance { name } }"}',
    });
    expect(plain.status).toBe(400);
    expect(plain.body?.errors?.[0]?.message).toMatch(/preflight|CSRF/i);
  });

  it('answers queries sent with GET when they carry a preflight header', async () => {
    const reply = await send(dev.url, {
      path: `/graphql?query=${encodeURIComponent('{ alliance { foundedOn } }')}`,
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body?.data).toEqual({ alliance: { foundedOn: '2024-12-07' } });
  });

  it('passes the depth limit exactly at the limit', async () => {
    const atLimit = await send(dev.url, json({ query: queryOfDepth(8) }));
    expect(atLimit.status).toBe(200);
    expect(atLimit.body?.errors).toBeUndefined();
  });

  it('treats SQL-injection strings in filters as plain text', async () => {
    for (const search of ["' OR 1=1 --", "x'); DROP TABLE member; --", '%" OR ""="', '\\\\%_']) {
      const reply = await send(
        dev.url,
        json({
          query: 'query($s: String) { members(filter: { search: $s }) { totalCount } }',
          variables: { s: search },
        }),
      );
      expect(reply.body).toEqual({ data: { members: { totalCount: 0 } } });
    }
    const all = await send(dev.url, json({ query: '{ members(first: 0) { totalCount } }' }));
    expect(all.body).toEqual({ data: { members: { totalCount: 35 } } });
  });

  it('ignores forged identity headers', async () => {
    const forged = await signAssertion({ role: 'ADMIN', memberId: 'm', keyId: 'k' }, stack.assertionKey);
    const reply = await send(
      dev.url,
      json(
        { query: '{ viewer { role } }' },
        { [ASSERTION_HEADER]: forged, 'x-member-id': 'm', 'x-role': 'ADMIN', 'x-forwarded-user': 'admin' },
      ),
    );
    expect(reply.body).toEqual({ data: { viewer: { role: null } } });
  });

  it('hides suggestions in production but keeps them in development', async () => {
    const prod = await send(production.url, json({ query: '{ member(slug: "tianfu-daily") { nam } }' }));
    expect(prod.body?.errors?.[0]?.message).not.toMatch(/Did you mean/);
    const development = await send(dev.url, json({ query: '{ member(slug: "tianfu-daily") { nam } }' }));
    expect(development.body?.errors?.[0]?.message).toMatch(/Did you mean "name"/);
  });

  it('runs listed operations by hash or by text in trusted mode', async () => {
    const byHash = await send(
      trusted.url,
      json({ extensions: { persistedQuery: { version: 1, sha256Hash: operationId(TRUSTED_QUERY) } } }),
    );
    expect(byHash.body).toEqual({ data: { members: { totalCount: 35 } } });
    const byText = await send(trusted.url, json({ query: TRUSTED_QUERY }));
    expect(byText.body).toEqual({ data: { members: { totalCount: 35 } } });
  });

  it('puts the request id on every error and in a response header', async () => {
    const reply = await send(
      dev.url,
      json({ query: '{ members(first: 101) { totalCount } }' }, { 'x-request-id': 'req-edge-1' }),
    );
    expect(reply.headers.get('x-request-id')).toBe('req-edge-1');
    expect(reply.body?.errors?.[0]?.extensions).toMatchObject({ requestId: 'req-edge-1' });
  });

  it('answers CORS preflights only for allowed origins', async () => {
    const preflight = await send(dev.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});
