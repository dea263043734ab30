import { ANONYMOUS, signAssertion } from '../../subgraphs/kit/identity';
import { GRAPHQL_BODY_LIMIT } from '../../subgraphs/kit/graphql-http';
import { listen } from '../../subgraphs/kit/server';
import { membership } from '../../subgraphs/membership/server';
import { tourism } from '../../subgraphs/tourism/server';
import { openSubgraph, type SubgraphHarness, TEST_SECURITY } from '../support/subgraph';

/**
 * A subgraph's /graphql over HTTP, as the gateway calls it (the direct path of
 * subgraphs/kit/graphql-http.ts) and as anything else might (through Express).
 */
describe("a subgraph's /graphql over HTTP", () => {
  let subgraph: SubgraphHarness;
  let base: string;

  beforeAll(async () => {
    subgraph = await openSubgraph(tourism, 'sqlite');
    base = `http://127.0.0.1:${await listen(subgraph.built.httpServer, 0, '127.0.0.1')}`;
  });
  afterAll(async () => {
    subgraph.built.httpServer.closeAllConnections();
    subgraph.built.httpServer.close();
    await subgraph.close();
  });

  const post = async (body: string, headers: Record<string, string> = {}, signed = true) => {
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(signed ? { 'x-gateway-assertion': await signAssertion(ANONYMOUS, TEST_SECURITY.assertionKey) } : {}),
        ...headers,
      },
      body,
    });
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  };
  const stats = async () => {
    const response = await fetch(`${base}/internal/stats`, {
      headers: {
        'x-gateway-assertion': await signAssertion(ANONYMOUS, TEST_SECURITY.assertionKey, 'alliance-internal'),
      },
    });
    return (await response.json()) as { graphqlRequests: number };
  };

  it('answers a signed operation, and counts it in /internal/stats', async () => {
    const before = (await stats()).graphqlRequests;
    const response = await post(JSON.stringify({ query: '{ _service { sdl } }' }));
    expect(response.status).toBe(200);
    expect(response.type).toMatch(/^application\/json/);
    expect(JSON.parse(response.text).data._service.sdl).toContain('type Attraction');
    // The same assertion again: remembered, and still answered.
    expect((await post(JSON.stringify({ query: '{ _service { sdl } }' }))).status).toBe(200);
    expect((await stats()).graphqlRequests).toBe(before + 2);
  });

  it('refuses an unsigned or wrongly signed caller with 401 before reading the body', async () => {
    const unsigned = await post('not even JSON', {}, false);
    expect(unsigned.status).toBe(401);
    expect(JSON.parse(unsigned.text).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const forged = await post(JSON.stringify({ query: '{ __typename }' }), { 'x-gateway-assertion': 'a.b.c' }, false);
    expect(forged.status).toBe(401);
  });

  it('refuses a body that is not a JSON object, and one over the limit, with coded errors', async () => {
    for (const body of ['{"query": ', '"a string"']) {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(JSON.parse(response.text).errors[0].extensions.code).toBe('BAD_REQUEST');
    }
    const large = await post(JSON.stringify({ query: `{ __typename } #${'x'.repeat(GRAPHQL_BODY_LIMIT)}` }));
    expect(large.status).toBe(413);
    expect(JSON.parse(large.text).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('answers GraphQL errors as Apollo Server does', async () => {
    const response = await post(JSON.stringify({ query: '{ nope }' }));
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text).errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it("answers the schema's cache hints in Cache-Control (tourism hints its types)", async () => {
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-gateway-assertion': await signAssertion(ANONYMOUS, TEST_SECURITY.assertionKey),
      },
      body: JSON.stringify({ query: '{ destinations { id name } }' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('max-age=60, public');
  });

  it('serves GET queries and other content types through Express, signed callers only', async () => {
    const assertion = await signAssertion(ANONYMOUS, TEST_SECURITY.assertionKey);
    const get = await fetch(`${base}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { 'x-gateway-assertion': assertion, 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ data: { __typename: 'Query' } });
    expect((await fetch(`${base}/graphql?query=${encodeURIComponent('{ __typename }')}`)).status).toBe(401);
  });
});

describe('a subgraph whose schema has no cache hints', () => {
  let subgraph: SubgraphHarness;
  let base: string;

  beforeAll(async () => {
    subgraph = await openSubgraph(membership, 'sqlite');
    base = `http://127.0.0.1:${await listen(subgraph.built.httpServer, 0, '127.0.0.1')}`;
  });
  afterAll(async () => {
    subgraph.built.httpServer.closeAllConnections();
    subgraph.built.httpServer.close();
    await subgraph.close();
  });

  it('sends no Cache-Control, which the gateway reads as never cacheable', async () => {
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-gateway-assertion': await signAssertion(ANONYMOUS, TEST_SECURITY.assertionKey),
      },
      body: JSON.stringify({ query: '{ members(first: 2) { nodes { id } } }' }),
    });
    expect(response.status).toBe(200);
    expect((await response.json()) as unknown).toMatchObject({ data: { members: { nodes: expect.any(Array) } } });
    expect(response.headers.get('cache-control')).toBeNull();
  });
});
