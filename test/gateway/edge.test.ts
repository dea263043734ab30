import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ASSERTION_HEADER, signAssertion } from '../../subgraphs/kit/identity';
import { operationId } from '../../gateway/operations';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { type InProcessGateway, type InProcessGraph, startInProcessGraph } from '../support/gateway';
import { type Reply, jsonPost, rawPost, send } from '../support/http';
import { productionSecrets } from '../support/secrets';

// The edge is the same whatever database sits behind the subgraphs, so this suite runs on SQLite only,
// in-process (test/support/gateway.ts): gateways and subgraphs built here, talking HTTP on fresh ports.

/** Total fetches the gateway has sent to subgraphs, from its own metrics. */
async function subgraphFetches(gateway: InProcessGateway): Promise<number> {
  const text = await gateway.metrics();
  return text
    .split('\n')
    .filter((line) => line.startsWith('subgraph_fetch_duration_seconds_count'))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

/** Writes `bytes` to a fresh connection and returns everything the server answers before closing. */
function rawBytes(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
  });
}

/** A JSON request body whose variable `f` nests `depth` objects deep (built as text: no recursion here). */
const deeplyNestedVariables = (depth: number) =>
  JSON.stringify({
    query: 'query Deep($f: MemberFilter) { members(filter: $f) { totalCount } }',
    variables: { f: 'NESTED' },
  }).replace('"NESTED"', `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);

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
  let graph: InProcessGraph;
  let dev: InProcessGateway;
  let production: InProcessGateway;
  let trusted: InProcessGateway;
  let manifestDir: string;
  const TRUSTED_QUERY = 'query TrustedMembers { members(first: 2) { totalCount } }';

  beforeAll(async () => {
    // Production refuses the development secret: the whole stack shares a strong one.
    const { ACCESS_TOKEN_SECRET, ...shared } = productionSecrets();
    graph = await startInProcessGraph({ LIMIT_MAX_DEPTH: '8' }, shared);
    dev = graph.gateway;
    production = await graph.startGateway({ NODE_ENV: 'production', ACCESS_TOKEN_SECRET });
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
    trusted = await graph.startGateway({ TRUSTED_DOCUMENTS: manifest });
  });
  afterAll(async () => {
    await graph?.stop();
    fs.rmSync(manifestDir, { recursive: true, force: true });
  });

  const cases: Array<[string, () => Promise<Reply>, number, string]> = [
    [
      '10,000-deep nesting',
      () => send(dev.url, jsonPost({ query: `{ members ${'{ nodes '.repeat(10_000)}}` })),
      400,
      'GRAPHQL_PARSE_FAILED',
    ],
    [
      'depth one over the limit',
      () => send(dev.url, jsonPost({ query: queryOfDepth(9) })),
      400,
      'OPERATION_LIMIT_EXCEEDED',
    ],
    [
      '5,000 aliases',
      () =>
        send(
          dev.url,
          jsonPost({ query: `{ ${Array.from({ length: 5000 }, (_, i) => `a${i}: __typename`).join(' ')} }` }),
        ),
      400,
      'GRAPHQL_PARSE_FAILED',
    ],
    [
      '31 aliases, one over the alias limit',
      () =>
        send(
          dev.url,
          jsonPost({ query: `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: alliance { name }`).join(' ')} }` }),
        ),
      400,
      'OPERATION_LIMIT_EXCEEDED',
    ],
    [
      '21 root fields',
      () =>
        send(
          dev.url,
          jsonPost({ query: `{ ${Array.from({ length: 21 }, (_, i) => `r${i}: alliance { name }`).join(' ')} }` }),
        ),
      400,
      'OPERATION_LIMIT_EXCEEDED',
    ],
    [
      'a page size hidden in a variable default',
      () =>
        send(
          dev.url,
          jsonPost({
            query:
              'query Q($n: Int = 100) { members(first: $n) { nodes { contents(first: $n) { nodes { author { contents(first: $n) { nodes { title } } } } } } } }',
          }),
        ),
      400,
      'OPERATION_LIMIT_EXCEEDED',
    ],
    [
      'a fragment cycle',
      () =>
        send(dev.url, jsonPost({ query: 'query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }' })),
      400,
      'GRAPHQL_VALIDATION_FAILED',
    ],
    [
      'a fragment bomb of 30 doubling levels',
      () => send(dev.url, jsonPost({ query: fragmentBomb() })),
      400,
      'OPERATION_LIMIT_EXCEEDED',
    ],
    [
      'a 2 MB string',
      () => send(dev.url, jsonPost({ query: `{ member(slug: "${'x'.repeat(2_200_000)}") { id } }` })),
      413,
      'BAD_USER_INPUT',
    ],
    [
      'a 100,000-token document',
      () => send(dev.url, jsonPost({ query: `{ ${'a '.repeat(100_000)}}` })),
      400,
      'GRAPHQL_PARSE_FAILED',
    ],
    [
      '500 directives',
      () => send(dev.url, jsonPost({ query: `{ alliance { name ${'@include(if: true) '.repeat(500)}} }` })),
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
      () =>
        send(dev.url, jsonPost({ query: '{ __typename }' }, { 'content-type': 'application/json; charset=latin1' })),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a JSON array of 1,000 operations',
      () => send(dev.url, jsonPost(Array.from({ length: 1000 }, () => ({ query: '{ alliance { name } }' })))),
      400,
      'BAD_REQUEST',
    ],
    ['malformed JSON', () => send(dev.url, jsonPost('{"query": "{ alliance { name } }"')), 400, 'BAD_REQUEST'],
    ['a body of null', () => send(dev.url, jsonPost('null')), 400, 'BAD_REQUEST'],
    [
      'wrong variable types',
      () =>
        send(
          dev.url,
          jsonPost({ query: 'query($n: Int) { members(first: $n) { totalCount } }', variables: { n: 'many' } }),
        ),
      400,
      'BAD_USER_INPUT',
    ],
    [
      'first: 99999999',
      () => send(dev.url, jsonPost({ query: '{ members(first: 99999999) { totalCount } }' })),
      400,
      'OPERATION_LIMIT_EXCEEDED',
    ],
    [
      'an unknown operationName',
      () => send(dev.url, jsonPost({ query: 'query A { alliance { name } }', operationName: 'B' })),
      400,
      'OPERATION_RESOLUTION_FAILURE',
    ],
    ['an empty query', () => send(dev.url, jsonPost({ query: '' })), 400, 'BAD_REQUEST'],
    [
      'an operationName that is not a string',
      () => send(dev.url, jsonPost({ query: '{ alliance { name } }', operationName: { name: 'A' } })),
      400,
      'BAD_REQUEST',
    ],
    [
      '_entities sent to the gateway',
      () => send(dev.url, jsonPost({ query: '{ _entities(representations: []) { __typename } }' })),
      400,
      'GRAPHQL_VALIDATION_FAILED',
    ],
    [
      '_service sent to the gateway',
      () => send(dev.url, jsonPost({ query: '{ _service { sdl } }' })),
      400,
      'GRAPHQL_VALIDATION_FAILED',
    ],
    [
      '__schema in production',
      () => send(production.url, jsonPost({ query: '{ __schema { types { name } } }' })),
      400,
      'GRAPHQL_VALIDATION_FAILED',
    ],
    [
      'a misspelled field in production',
      () => send(production.url, jsonPost({ query: '{ memberz { id } }' })),
      400,
      'GRAPHQL_VALIDATION_FAILED',
    ],
    [
      'an unknown persisted-query hash in trusted mode',
      () => send(trusted.url, jsonPost({ extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } })),
      400,
      'PERSISTED_QUERY_NOT_FOUND',
    ],
    [
      'a free-form query in trusted mode',
      () => send(trusted.url, jsonPost({ query: '{ alliance { name } }' })),
      400,
      'OPERATION_NOT_TRUSTED',
    ],
    [
      'a subscription over HTTP POST (served over WebSocket and SSE only)',
      () => send(dev.url, jsonPost({ query: 'subscription { contentPublished { title } }' })),
      400,
      'OPERATION_NOT_SUPPORTED',
    ],
    [
      'a persisted-query hash that is not the hash of the query sent',
      () =>
        send(
          dev.url,
          jsonPost({
            query: '{ alliance { name } }',
            extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } },
          }),
        ),
      400,
      'PERSISTED_QUERY_HASH_MISMATCH',
    ],
    [
      'a persisted-query version other than 1',
      () =>
        send(
          dev.url,
          jsonPost({
            query: '{ alliance { name } }',
            extensions: { persistedQuery: { version: 2, sha256Hash: operationId('{ alliance { name } }') } },
          }),
        ),
      400,
      'PERSISTED_QUERY_VERSION_NOT_SUPPORTED',
    ],
    [
      'variables nested 20,000 deep, anonymously (response cache on)',
      () => send(dev.url, jsonPost(deeplyNestedVariables(20_000))),
      400,
      'BAD_USER_INPUT',
    ],
    [
      'variables nested 20,000 deep, as a member',
      () =>
        send(
          dev.url,
          jsonPost(deeplyNestedVariables(20_000), { authorization: `Bearer ${DEV_CREDENTIALS.member.secret}` }),
        ),
      400,
      'BAD_USER_INPUT',
    ],
    [
      'extensions nested 20,000 deep',
      () =>
        send(
          dev.url,
          jsonPost(`{"query":"{ alliance { name } }","extensions":${'['.repeat(20_000)}${']'.repeat(20_000)}}`),
        ),
      400,
      'BAD_USER_INPUT',
    ],
    [
      'an Authorization scheme other than Bearer',
      () => send(dev.url, jsonPost({ query: '{ alliance { name } }' }, { authorization: 'Basic YWRtaW46YWRtaW4=' })),
      401,
      'UNAUTHENTICATED',
    ],
  ];

  it.each(cases)('refuses %s before any subgraph is called', async (_name, attempt, status, code) => {
    const before = await subgraphFetches(dev);
    const beforeProduction = await subgraphFetches(production);
    const reply = await attempt();
    expect([reply.status, reply.body?.errors?.[0]?.extensions?.code]).toEqual([status, code]);
    // Every refusal, whichever layer answers it, can be correlated with the logs.
    const requestId = reply.headers.get('x-request-id');
    expect(requestId).toMatch(/^[A-Za-z0-9._:-]+$/);
    expect(reply.body?.errors?.[0]?.extensions?.requestId).toBe(requestId);
    expect(JSON.stringify(reply.body)).not.toMatch(/127\.0\.0\.1|localhost:|stacktrace|serviceName|at [A-Za-z]+ \(/);
    expect(await subgraphFetches(dev)).toBe(before);
    expect(await subgraphFetches(production)).toBe(beforeProduction);
    const alive = await send(dev.url, jsonPost({ query: '{ alliance { name } }' }));
    expect(alive.status).toBe(200);
  });

  it.each([
    ['the gateway', () => dev.port],
    ['a subgraph', () => graph.subgraphs.membership!.port],
  ])('answers request headers over the limit with a coded JSON 431 from %s, and keeps serving', async (_name, port) => {
    const reply = await rawPost(port(), '{"query":"{ __typename }"}', { 'x-padding': 'a'.repeat(20_000) });
    expect(reply.status).toBe(431);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    const error = reply.body?.errors?.[0];
    expect(error?.extensions?.code).toBe('REQUEST_HEADER_FIELDS_TOO_LARGE');
    expect(error?.message).toMatch(/headers are larger than the limit of \d+ bytes: send fewer or shorter headers/);
    expect(error?.extensions?.requestId).toBe(reply.headers.get('x-request-id'));
    expect((await fetch(`http://127.0.0.1:${port()}/healthz`)).status).toBe(200);
  });

  it.each([
    ['a result', { query: '{ __typename }' }, 200],
    // Apollo Server's own refusal quotes the value: the length counts its UTF-8 bytes, not its characters.
    ['a refusal', { query: 'query Q($x: Int) { members(first: $x) { totalCount } }', variables: { x: '成都' } }, 400],
  ])(
    'writes the head of %s over POST as Express did: charset, byte length, request id',
    async (_what, payload, status) => {
      const body = JSON.stringify(payload);
      const answer = await rawBytes(
        dev.port,
        `POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      const [head, text] = answer.split('\r\n\r\n');
      expect(head).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(head).toMatch(/\r\nContent-Type: application\/(graphql-response\+)?json; charset=utf-8\r\n/);
      expect(head).toMatch(new RegExp(`\r\nContent-Length: ${Buffer.byteLength(text ?? '')}\r\n`));
      expect(head).toMatch(/\r\nx-request-id: [A-Za-z0-9._:-]+\r\n/);
      const parsed = JSON.parse(text ?? '') as { data?: unknown; errors?: Array<{ message: string }> };
      if (status === 200) expect(parsed.data).toEqual({ __typename: 'Query' });
      else expect(parsed.errors?.[0]?.message).toContain('成都');
    },
  );

  it('answers a GET query with the same head', async () => {
    const answer = await rawBytes(
      dev.port,
      `GET /graphql?query=${encodeURIComponent('{ __typename }')} HTTP/1.1\r\nHost: gateway\r\nApollo-Require-Preflight: true\r\nConnection: close\r\n\r\n`,
    );
    const [head, text] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(head).toMatch(/\r\nContent-Type: application\/(graphql-response\+)?json; charset=utf-8\r\n/);
    expect(head).toMatch(new RegExp(`\r\nContent-Length: ${Buffer.byteLength(text ?? '')}\r\n`));
    expect(JSON.parse(text ?? '')).toEqual({ data: { __typename: 'Query' } });
  });

  it('answers malformed HTTP with a complete coded JSON 400', async () => {
    const answer = await rawBytes(dev.port, 'NOT HTTP AT ALL\r\n\r\n');
    const [head, body] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(head).toMatch(new RegExp(`content-length: ${Buffer.byteLength(body ?? '')}\r\n`));
    const parsed = JSON.parse(body ?? '') as {
      errors: Array<{ message: string; extensions: Record<string, unknown> }>;
    };
    expect(parsed.errors[0]!.extensions.code).toBe('BAD_REQUEST');
    expect(parsed.errors[0]!.message).toMatch(/not well-formed HTTP/);
  });

  it('keeps the persisted-query protocol: an unknown hash alone answers PERSISTED_QUERY_NOT_FOUND, then the hash is registered', async () => {
    const query = `query Registered { alliance { name } } # ${Date.now()}`;
    const extensions = { persistedQuery: { version: 1, sha256Hash: operationId(query) } };
    const unknown = await send(dev.url, jsonPost({ extensions }));
    expect([unknown.status, unknown.body?.errors?.[0]?.extensions?.code]).toEqual([200, 'PERSISTED_QUERY_NOT_FOUND']);
    const register = await send(dev.url, jsonPost({ query, extensions }));
    expect(register.body).toEqual({ data: { alliance: { name: 'Sichuan Cultural and Tourism Promotion Alliance' } } });
    const byHash = await send(dev.url, jsonPost({ extensions }));
    expect(byHash.body).toEqual(register.body);
  });

  it('serves metrics and detailed readiness on the operator listener only; the public port says ready or degraded', async () => {
    const publicMetrics = await send(dev.url, { path: '/metrics' });
    expect([publicMetrics.status, publicMetrics.body?.errors?.[0]?.extensions?.code]).toEqual([404, 'NOT_FOUND']);
    const publicReady = await send(dev.url, { path: '/readyz' });
    expect([publicReady.status, publicReady.body]).toEqual([200, { status: 'ready' }]);

    const metrics = await fetch(`${dev.metricsUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^graphql_requests_total\{operation="[^"]+",outcome="ok"\} \d+/m);
    const ready = await send(dev.metricsUrl, { path: '/readyz' });
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', subgraphs: expect.objectContaining({ membership: 'ready' }) });
    // The operator's listener is no second public API.
    expect((await send(dev.metricsUrl, jsonPost({ query: '{ alliance { name } }' }))).status).toBe(404);
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
    expect(plain.body?.errors?.[0]?.extensions?.requestId).toBe(plain.headers.get('x-request-id'));
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
    const atLimit = await send(dev.url, jsonPost({ query: queryOfDepth(8) }));
    expect(atLimit.status).toBe(200);
    expect(atLimit.body?.errors).toBeUndefined();
  });

  it('treats SQL-injection strings in filters as plain text', async () => {
    for (const search of ["' OR 1=1 --", "x'); DROP TABLE member; --", '%" OR ""="', '\\\\%_']) {
      const reply = await send(
        dev.url,
        jsonPost({
          query: 'query($s: String) { members(filter: { search: $s }) { totalCount } }',
          variables: { s: search },
        }),
      );
      expect(reply.body).toEqual({ data: { members: { totalCount: 0 } } });
    }
    const all = await send(dev.url, jsonPost({ query: '{ members(first: 0) { totalCount } }' }));
    expect(all.body).toEqual({ data: { members: { totalCount: 35 } } });
  });

  it('ignores forged identity headers', async () => {
    const forged = await signAssertion({ role: 'ADMIN', memberId: 'm', keyId: 'k' }, graph.assertionKey);
    const reply = await send(
      dev.url,
      jsonPost(
        { query: '{ viewer { role } }' },
        { [ASSERTION_HEADER]: forged, 'x-member-id': 'm', 'x-role': 'ADMIN', 'x-forwarded-user': 'admin' },
      ),
    );
    expect(reply.body).toEqual({ data: { viewer: { role: null } } });
  });

  it('hides suggestions in production but keeps them in development', async () => {
    const prod = await send(production.url, jsonPost({ query: '{ member(slug: "tianfu-daily") { nam } }' }));
    expect(prod.body?.errors?.[0]?.message).not.toMatch(/Did you mean/);
    const development = await send(dev.url, jsonPost({ query: '{ member(slug: "tianfu-daily") { nam } }' }));
    expect(development.body?.errors?.[0]?.message).toMatch(/Did you mean "name"/);
  });

  it('runs listed operations by hash or by text in trusted mode', async () => {
    const byHash = await send(
      trusted.url,
      jsonPost({ extensions: { persistedQuery: { version: 1, sha256Hash: operationId(TRUSTED_QUERY) } } }),
    );
    expect(byHash.body).toEqual({ data: { members: { totalCount: 35 } } });
    const byText = await send(trusted.url, jsonPost({ query: TRUSTED_QUERY }));
    expect(byText.body).toEqual({ data: { members: { totalCount: 35 } } });
  });

  it('puts the request id on every error and in a response header', async () => {
    const reply = await send(
      dev.url,
      jsonPost({ query: '{ members(first: 101) { totalCount } }' }, { 'x-request-id': 'req-edge-1' }),
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

  it('grants CORS to the configured origins only, and adds no CORS headers to requests without an Origin', async () => {
    const browsers = await graph.startGateway({ CORS_ORIGINS: 'https://member.example' });
    const preflight = (origin: string) =>
      send(browsers.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    const allowed = await preflight('https://member.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://member.example');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();

    const query = { query: '{ alliance { memberCount } }' };
    const fromBrowser = await send(browsers.url, jsonPost(query, { origin: 'https://member.example' }));
    expect(fromBrowser.body).toEqual({ data: { alliance: { memberCount: 35 } } });
    expect(fromBrowser.headers.get('access-control-allow-origin')).toBe('https://member.example');
    expect(fromBrowser.headers.get('access-control-expose-headers')).toContain('x-request-id');
    // A member platform's server: no Origin, no CORS headers, and no ETag hashed over the body.
    const fromServer = await send(browsers.url, jsonPost(query));
    expect(fromServer.body).toEqual({ data: { alliance: { memberCount: 35 } } });
    const headers = [...fromServer.headers.keys()];
    expect(headers.filter((name) => name.startsWith('access-control-') || name === 'etag')).toEqual([]);
  });
});
