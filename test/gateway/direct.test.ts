import { ApolloServer } from '@apollo/server';
import { Kind, parse } from 'graphql';
import { loadExamples } from '../../examples/catalog';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { type InProcessGateway, type InProcessGraph, startInProcessGraph } from '../support/gateway';

// With GATEWAY_EXECUTOR=ours the gateway answers a POST whose document Apollo Server has already
// validated without Apollo Server's request pipeline (gateway/stages/direct.ts). The first request
// of a document always goes through Apollo Server (it parses, validates and caches the document),
// the same request again takes the direct path: both answers must be the same, byte for byte.

interface Answer {
  status: number;
  contentType: string | null;
  cacheControl: string | null;
  text: string;
}

let requests = 0;

async function post(gateway: InProcessGateway, payload: unknown, headers: Record<string, string> = {}) {
  const requestId = `req-direct-${++requests}`;
  const response = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...headers },
    body: JSON.stringify(payload),
  });
  const answer: Answer = {
    status: response.status,
    contentType: response.headers.get('content-type'),
    cacheControl: response.headers.get('cache-control'),
    // The request id (in errors' extensions) told apart from the rest of the answer.
    text: (await response.text()).replaceAll(requestId, '<request id>'),
  };
  const logged = gateway.requestLogs(requestId).map(({ requestId: _id, durationMs: _ms, time: _t, ...line }) => line);
  return { ...answer, logged };
}

describe('the direct path of /graphql (GATEWAY_EXECUTOR=ours)', () => {
  let graph: InProcessGraph;
  let gateway: InProcessGateway;
  let throughApollo: jest.SpyInstance;

  beforeAll(async () => {
    graph = await startInProcessGraph({ GATEWAY_EXECUTOR: 'ours', RESPONSE_CACHE_ENTRIES: '0' });
    gateway = graph.gateway;
  });
  beforeEach(() => {
    throughApollo = jest.spyOn(ApolloServer.prototype, 'executeHTTPGraphQLRequest');
  });
  afterEach(() => throughApollo.mockRestore());
  afterAll(() => graph?.stop());

  /** Requests the gateway's Apollo Server has handled (the subgraphs' own are Apollo Servers too). */
  const handledByApollo = (target: InProcessGateway) =>
    throughApollo.mock.contexts.filter((server) => server === target.built.apollo).length;

  /** The answer of Apollo Server to the first request and of the direct path to the second. */
  async function twice(target: InProcessGateway, payload: unknown, headers: Record<string, string> = {}) {
    const first = await post(target, payload, headers);
    const before = handledByApollo(target);
    const second = await post(target, payload, headers);
    return { first, second, direct: handledByApollo(target) === before };
  }

  const member = { authorization: `Bearer ${DEV_CREDENTIALS.member.secret}` };
  it.each<[string, unknown, Record<string, string>]>([
    ['a query', { query: '{ alliance { name } }' }, {}],
    [
      'a query for application/graphql-response+json',
      { query: '{ alliance { foundedOn } }' },
      {
        accept: 'application/graphql-response+json',
      },
    ],
    [
      'an operation chosen by name, with variables, for a member',
      {
        query:
          'query Other { alliance { name } } query AllianceName($slug: String) { alliance { name } member(slug: $slug) { name } }',
        operationName: 'AllianceName',
        variables: { slug: 'no-such-member' },
      },
      member,
    ],
    [
      'a query over several subgraphs',
      { query: '{ members(first: 2) { nodes { slug contents(first: 1) { totalCount } } } }' },
      {},
    ],
  ])('%s: the same answer and log line as Apollo Server', async (_name, payload, headers) => {
    const { first, second, direct } = await twice(gateway, payload, headers);
    expect(first.status).toBe(200);
    expect(first.logged).toEqual([expect.objectContaining({ status: 200, outcome: 'ok' })]);
    expect(second).toEqual(first);
    expect(direct).toBe(true);
  });

  const SECRETS = { member: DEV_CREDENTIALS.member.secret, admin: DEV_CREDENTIALS.admin.secret };
  const examples = loadExamples().filter((example) =>
    parse(example.document).definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && d.operation === 'query'),
  );
  it.each(examples.map((example) => [example.name, example] as const))(
    'example %s: the same answer and log line as Apollo Server',
    async (_name, example) => {
      const headers = {
        ...example.headers,
        ...(example.credential === 'anonymous' ? {} : { authorization: `Bearer ${SECRETS[example.credential]}` }),
      } as Record<string, string>;
      const { first, second, direct } = await twice(
        gateway,
        { query: example.document, variables: example.variables },
        headers,
      );
      expect(second).toEqual(first);
      // What Apollo Server refuses before execution (none of the examples) stays its own.
      expect(direct).toBe(first.status === 200);
    },
  );

  it('a mutation its subgraph refuses: the same answer and log line as Apollo Server', async () => {
    const { first, second, direct } = await twice(gateway, { query: 'mutation { revokeApiKey(id: "x") { id } }' });
    expect(JSON.parse(first.text)).toMatchObject({ errors: [{ extensions: { code: expect.any(String) } }] });
    expect(first.logged).toEqual([expect.objectContaining({ outcome: expect.stringMatching(/^(error|rejected)$/) })]);
    expect(second).toEqual(first);
    expect(direct).toBe(true);
  });

  it('a partial answer (a subgraph down): the same data, errors, status and cache-control as Apollo Server', async () => {
    const down = await graph.startGateway({
      GATEWAY_EXECUTOR: 'ours',
      RESPONSE_CACHE_ENTRIES: '0',
      SUBGRAPH_TOURISM_URL: 'http://127.0.0.1:9/graphql',
    });
    const { first, second, direct } = await twice(down, {
      query: '{ alliance { name } attraction(slug: "mount-emei") { name } }',
    });
    expect(first.status).toBe(200);
    expect(JSON.parse(first.text)).toMatchObject({
      errors: [{ extensions: { code: 'SUBGRAPH_UNAVAILABLE', requestId: '<request id>' } }],
    });
    expect(first.cacheControl).toBe('no-store');
    expect(first.logged).toEqual([expect.objectContaining({ outcome: 'error', errorCodes: ['SUBGRAPH_UNAVAILABLE'] })]);
    expect(second).toEqual(first);
    expect(direct).toBe(true);
  });

  it.each<[string, unknown, Record<string, string>, number, string]>([
    [
      'variables that do not coerce',
      { query: 'query A($n: Int) { members(first: $n) { totalCount } }', variables: { n: 'x' } },
      {},
      400,
      'BAD_USER_INPUT',
    ],
    [
      'an operation over the limits',
      { query: '{ members(first: 99999999) { totalCount } }' },
      {},
      400,
      'OPERATION_LIMIT_EXCEEDED',
    ],
    [
      'an unknown operation name',
      { query: 'query A { alliance { name } }', operationName: 'B' },
      {},
      400,
      'OPERATION_RESOLUTION_FAILURE',
    ],
    ['an Accept it cannot answer', { query: '{ alliance { name } }' }, { accept: 'text/html' }, 406, 'BAD_REQUEST'],
    ['a subscription', { query: 'subscription { contentPublished { title } }' }, {}, 400, 'OPERATION_NOT_SUPPORTED'],
  ])('%s: left to Apollo Server, which refuses it', async (_name, payload, headers, status, code) => {
    const { first, second, direct } = await twice(gateway, payload, headers);
    expect(first.status).toBe(status);
    expect(JSON.parse(first.text)).toMatchObject({ errors: [{ extensions: { code } }] });
    expect(second).toEqual(first);
    expect(direct).toBe(false);
  });

  it('stores what it answers in the response cache, as Apollo Server does', async () => {
    const cached = await graph.startGateway({ GATEWAY_EXECUTOR: 'ours', RESPONSE_CACHE_ENTRIES: '100' });
    const query = 'query Attraction($slug: String!) { attraction(slug: $slug) { name } }';
    // Through Apollo Server (the document is new), then the direct path for another attraction.
    const viaApollo = await post(cached, { query, variables: { slug: 'mount-emei' } });
    const before = handledByApollo(cached);
    const viaDirect = await post(cached, { query, variables: { slug: 'wuhou-shrine' } });
    expect(handledByApollo(cached)).toBe(before);
    expect(viaDirect.cacheControl).toBe(viaApollo.cacheControl);
    expect(viaDirect.cacheControl).toMatch(/^max-age=\d+, public$/);
    const statements = graph.sqlStatements('tourism');
    const hit = await post(cached, { query, variables: { slug: 'wuhou-shrine' } });
    expect(hit.text).toBe(viaDirect.text);
    expect(graph.sqlStatements('tourism')).toBe(statements);
    // A client that asks for a fresh answer (`Cache-Control: no-cache`) gets one, which is not stored.
    const fresh = await post(
      cached,
      { query, variables: { slug: 'jinli-ancient-street' } },
      { 'cache-control': 'no-cache' },
    );
    expect(JSON.parse(fresh.text)).toEqual({ data: { attraction: { name: expect.any(String) } } });
    const afterFresh = graph.sqlStatements('tourism');
    expect(afterFresh).toBeGreaterThan(statements);
    await post(cached, { query, variables: { slug: 'jinli-ancient-street' } });
    expect(graph.sqlStatements('tourism')).toBeGreaterThan(afterFresh);
  });
});
