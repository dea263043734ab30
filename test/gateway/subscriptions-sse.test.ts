import type { Client } from 'graphql-sse';
import { stableId } from '../../subgraphs/kit/ids';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { ENGINES } from '../support/databases';
import { type InProcessGateway, type InProcessGraph, startInProcessGraph } from '../support/gateway';
import { graphql } from '../support/processes';
import {
  type Subscriber,
  type SubscriptionResult,
  eventsOf,
  sseClient,
  sseRefusal,
  subscriberOf,
  until,
} from '../support/subscriptions';

const ADMIN = DEV_CREDENTIALS.admin.secret;
const AUTHOR = DEV_CREDENTIALS.member.secret; // chengdu-evening-news
const PANDA_BASE = stableId('attraction', 'chengdu-research-base-of-giant-panda-breeding');
const LESHAN = stableId('attraction', 'leshan-giant-buddha');

const PUBLISHED = 'subscription { contentPublished { title status author { name } attractions { name } } }';

describe.each(ENGINES)('subscriptions through the gateway over Server-Sent Events on %s', (engine) => {
  let graph: InProcessGraph;
  let otherMember: string;
  const clients: Client[] = [];

  const run = async <T = Record<string, unknown>>(query: string, variables: Record<string, unknown>, as: string) => {
    const { body } = await graphql<T>(graph.gateway.url, query, variables, { authorization: `Bearer ${as}` });
    expect(body.errors).toBeUndefined();
    return body.data!;
  };

  /** A graphql-sse client (distinct connections) of `gateway` with `authorization` as its header. */
  const connect = (authorization?: string, gateway: InProcessGateway = graph.gateway): Client => {
    const client = sseClient(gateway.url, authorization);
    clients.push(client);
    return client;
  };

  const receiving = (subgraph: string) => graph.subgraphs[subgraph]!.built.receiving();

  /** Starts `query` and waits until the subgraph behind it receives events for it. */
  async function subscribe(
    client: Client,
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<Subscriber> {
    const before = receiving('content');
    const iterator = client.iterate({ query, variables });
    const subscriber = subscriberOf(iterator);
    await until(() => receiving('content') > before);
    return subscriber;
  }

  /** A raw SSE request of `/graphql` (as graphql-sse's client sends it unless `init` says otherwise). */
  const post = (body: unknown, init: { headers?: Record<string, string>; method?: string } = {}) =>
    fetch(`${graph.gateway.url}/graphql`, {
      method: init.method ?? 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json', ...init.headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  async function publishStory(title: string, as = AUTHOR, attractionIds: string[] = []): Promise<string> {
    const { createContent } = await run<{ createContent: { id: string } }>(
      `mutation($input: CreateContentInput!) { createContent(input: $input) { id } }`,
      { input: { kind: 'ARTICLE', title, language: 'en', attractionIds } },
      as,
    );
    await run(`mutation($id: ID!) { publishContent(id: $id) { id } }`, { id: createContent.id }, as);
    return createContent.id;
  }

  beforeAll(async () => {
    graph = await startInProcessGraph({ CORS_ORIGINS: 'https://feed.example' }, {}, engine);
    const { issueApiKey } = await run<{ issueApiKey: { secret: string } }>(
      `mutation($m: ID!) { issueApiKey(memberId: $m, label: "sse other member") { secret } }`,
      { m: stableId('member', 'bayu-video') },
      ADMIN,
    );
    otherMember = issueApiKey.secret;
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.dispose();
    await until(() => receiving('content') === 0);
  });
  afterAll(() => graph?.stop());

  it('delivers contentPublished with author and attractions resolved from other subgraphs', async () => {
    const subscriber = await subscribe(connect(`Bearer ${otherMember}`), PUBLISHED);
    expect(await graph.gateway.metrics()).toMatch(/^graphql_sse_streams 1$/m);
    await publishStory('Pandas over SSE', AUTHOR, [PANDA_BASE, LESHAN]);
    expect(await subscriber.next()).toEqual({
      data: {
        contentPublished: {
          title: 'Pandas over SSE',
          status: 'PUBLISHED',
          author: { name: 'Chengdu Evening News' },
          attractions: [{ name: expect.stringMatching(/Panda/) }, { name: expect.stringMatching(/Leshan/) }],
        },
      },
    });
  });

  it("logs one line per subscription when it ends, with its stream's request id", async () => {
    const gateway = await graph.startGateway();
    const subscriber = await subscribe(
      connect(`Bearer ${otherMember}`, gateway),
      'subscription Stories { contentPublished { title } }',
    );
    await publishStory('Logged over SSE');
    await subscriber.next();
    await subscriber.stop();
    await until(() => gateway.subscriptionLogs().length > 0);
    await until(() => receiving('content') === 0);
    const lines = gateway.subscriptionLogs();
    expect(lines).toEqual([
      expect.objectContaining({
        transport: 'sse',
        operation: 'Stories',
        member: stableId('member', 'bayu-video'),
        role: 'MEMBER',
        durationMs: expect.any(Number),
        events: 1,
        outcome: 'client',
      }),
    ]);
    // The stream's request, logged when its head was written, carries the same request id.
    const requests = gateway.logs().filter((line) => line.msg === 'graphql request');
    expect(requests.map((line) => line.requestId)).toContain(lines[0]!.requestId);
    expect(JSON.stringify(lines[0])).not.toContain(otherMember);
  });

  it("never delivers a member's piece that is not public to another member; its author gets it", async () => {
    const other = await subscribe(connect(`Bearer ${otherMember}`), PUBLISHED);
    const author = await subscribe(connect(`Bearer ${AUTHOR}`), PUBLISHED);
    // Published and archived again before the relay publishes: at delivery it is no longer public.
    const relay = graph.subgraphs.content!.built.events!.relay;
    await relay.stop();
    const hidden = await publishStory('Taken back over SSE');
    await run(`mutation($id: ID!) { archiveContent(id: $id) { id } }`, { id: hidden }, AUTHOR);
    await publishStory('Public over SSE');
    relay.start();
    const titleOf = (result: SubscriptionResult) => (result.data?.contentPublished as { title: string }).title;
    // Events arrive in commit order: a first delivery of the later piece means the earlier was skipped.
    expect(titleOf(await other.next())).toBe('Public over SSE');
    expect((await author.next()).data).toMatchObject({
      contentPublished: { title: 'Taken back over SSE', status: 'ARCHIVED' },
    });
    expect(titleOf(await author.next())).toBe('Public over SSE');
  });

  it('refuses a bad credential with 401 UNAUTHENTICATED, as POST does', async () => {
    expect(await sseRefusal(connect('Bearer not-a-token'), PUBLISHED)).toEqual({
      status: 401,
      code: 'UNAUTHENTICATED',
    });
  });

  it('answers invalid, over-limit and non-subscription operations on the stream with coded errors, then completes', async () => {
    const first = async (query: string) => {
      const iterator = connect().iterate({ query });
      const { value } = await iterator.next();
      expect((await iterator.next()).done).toBe(true);
      return (value as SubscriptionResult).errors?.[0];
    };
    expect((await first('subscription { contentPublished { nope } }'))?.extensions?.code).toBe(
      'GRAPHQL_VALIDATION_FAILED',
    );
    expect((await first('subscription { contentPublished { ' + 'a: title '.repeat(40) + '} }'))?.extensions?.code).toBe(
      'OPERATION_LIMIT_EXCEEDED',
    );
    expect(await first('subscription {')).toMatchObject({ extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
    expect(await first('{ alliance { name } }')).toMatchObject({
      message: expect.stringMatching(/HTTP POST \/graphql/),
      extensions: { code: 'OPERATION_NOT_SUPPORTED' },
    });
  });

  it.each([
    [
      'a body that is not JSON',
      () => post('query=x', { headers: { 'content-type': 'text/plain' } }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    ['no query', () => post({ variables: {} }), 400, 'BAD_REQUEST'],
    ['variables that are not an object', () => post({ query: PUBLISHED, variables: [1] }), 400, 'BAD_REQUEST'],
    ['a non-string operationName', () => post({ query: PUBLISHED, operationName: 7 }), 400, 'BAD_REQUEST'],
    ['malformed JSON', () => post('{"query":'), 400, 'BAD_REQUEST'],
    ['the single connection mode (PUT)', () => post('', { method: 'PUT' }), 405, 'BAD_REQUEST'],
  ])('refuses %s with a coded error', async (_what, send, status, code) => {
    const response = await send();
    expect(response.status).toBe(status);
    expect(((await response.json()) as SubscriptionResult).errors?.[0]?.extensions?.code).toBe(code);
  });

  it('serves GET with the parameters in the query string, and leaves JSON requests to the GraphQL stage', async () => {
    const url = `${graph.gateway.url}/graphql?query=${encodeURIComponent('{ alliance { name } }')}`;
    const stream = await fetch(url, { headers: { accept: 'text/event-stream' } });
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = eventsOf(await stream.text());
    expect(events.map(([event]) => event)).toEqual(['next', 'complete']);
    expect((events[0]![1] as SubscriptionResult).errors?.[0]?.extensions?.code).toBe('OPERATION_NOT_SUPPORTED');
    const json = await fetch(url, {
      headers: { accept: 'application/json, text/event-stream', 'apollo-require-preflight': 'true' },
    });
    expect(await json.json()).toEqual({ data: { alliance: { name: expect.any(String) } } });
  });

  it('answers allowed browser origins as POST does (CORS)', async () => {
    const preflight = await fetch(`${graph.gateway.url}/graphql`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://feed.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://feed.example');
    const stream = await post({ query: '{ alliance { name } }' }, { headers: { origin: 'https://feed.example' } });
    expect(stream.headers.get('access-control-allow-origin')).toBe('https://feed.example');
    await stream.text();
    const foreign = await post({ query: '{ alliance { name } }' }, { headers: { origin: 'https://evil.example' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    await foreign.text();
  });

  it('ends open streams with SERVICE_UNAVAILABLE when the gateway goes away, and refuses new ones with 503', async () => {
    const gateway = await graph.startGateway();
    const subscriber = await subscribe(connect(undefined, gateway), PUBLISHED);
    gateway.built.goingAway();
    expect((await subscriber.next()).errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(await subscriber.ended()).toBe(true);
    expect(await sseRefusal(connect(undefined, gateway), PUBLISHED)).toEqual({
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
    });
    await until(() => receiving('content') === 0);
    expect(await gateway.metrics()).toMatch(/^graphql_subscriptions_active 0$/m);
    expect(gateway.subscriptionLogs()).toEqual([
      expect.objectContaining({ transport: 'sse', member: null, events: 0, outcome: 'shutdown' }),
    ]);
  });
});
