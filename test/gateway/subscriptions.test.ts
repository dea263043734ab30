import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { stableId } from '../../subgraphs/kit/ids';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { ENGINES } from '../support/databases';
import { type InProcessGateway, type InProcessGraph, startInProcessGraph } from '../support/gateway';
import { graphql } from '../support/processes';
import { type Subscriber, type SubscriptionResult, subscriberOf, until } from '../support/subscriptions';

const ADMIN = DEV_CREDENTIALS.admin.secret;
const AUTHOR = DEV_CREDENTIALS.member.secret; // chengdu-evening-news
const ADMIN_ID = stableId('member', 'tianfu-daily');
const PANDA_BASE = stableId('attraction', 'chengdu-research-base-of-giant-panda-breeding');
const LESHAN = stableId('attraction', 'leshan-giant-buddha');

const PUBLISHED = 'subscription { contentPublished { title status author { name } attractions { name } } }';

/**
 * The errors of an operation the gateway refuses (graphql-ws's `error` message, which the client's
 * iterator throws as the list of errors).
 */
async function refusal(
  client: Client,
  query: string,
): Promise<Array<{ message: string; extensions?: Record<string, unknown> }>> {
  try {
    await client.iterate({ query }).next();
  } catch (errors) {
    if (Array.isArray(errors)) return errors as Array<{ message: string; extensions?: Record<string, unknown> }>;
    throw errors;
  }
  throw new Error('the operation was not refused');
}

/** How the gateway closed a client's connection. */
function closeOf(client: Client): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    client.on('closed', (event) => {
      const { code, reason } = event as { code: number; reason: string };
      resolve({ code, reason });
    }),
  );
}

describe.each(ENGINES)('subscriptions through the gateway over WebSocket on %s', (engine) => {
  let graph: InProcessGraph;
  let otherMember: string;
  const clients: Client[] = [];

  const run = async <T = Record<string, unknown>>(query: string, variables: Record<string, unknown>, as: string) => {
    const { body } = await graphql<T>(graph.gateway.url, query, variables, { authorization: `Bearer ${as}` });
    expect(body.errors).toBeUndefined();
    return body.data!;
  };

  /**
   * A graphql-ws client of `gateway` with `authorization` in its connectionParams (none:
   * anonymous), or on the upgrade request's `Authorization` header (`inHeader`).
   */
  const connect = (authorization?: string, gateway: InProcessGateway = graph.gateway, inHeader = false): Client => {
    const headers = inHeader && authorization ? { authorization } : {};
    const client = createClient({
      url: `${gateway.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: class extends WebSocket {
        constructor(url: string, protocols?: string | string[]) {
          super(url, protocols, { headers });
        }
      },
      retryAttempts: 0,
      connectionParams: authorization && !inHeader ? { authorization } : {},
    });
    clients.push(client);
    return client;
  };

  /** Subscribers of the subgraph that receive what is published now (the gateway's upstream subscriptions). */
  const receiving = (subgraph: string) => graph.subgraphs[subgraph]!.built.receiving();

  /**
   * Starts `query` on `client`, and waits until the subgraph behind it receives events for it:
   * graphql-ws acknowledges no subscription, and what is published before would not be delivered.
   */
  async function subscribe(
    client: Client,
    query: string,
    variables: Record<string, unknown> = {},
    subgraph = 'content',
  ): Promise<Subscriber> {
    const before = receiving(subgraph);
    const iterator = client.iterate({ query, variables });
    const first = iterator.next();
    first.catch(() => undefined);
    await until(() => receiving(subgraph) > before);
    return subscriberOf(iterator, first);
  }

  async function publishStory(
    title: string,
    as = AUTHOR,
    attractionIds: string[] = [],
    language = 'en',
  ): Promise<string> {
    const { createContent } = await run<{ createContent: { id: string } }>(
      `mutation($input: CreateContentInput!) { createContent(input: $input) { id } }`,
      { input: { kind: 'ARTICLE', title, language, attractionIds } },
      as,
    );
    await run(`mutation($id: ID!) { publishContent(id: $id) { id } }`, { id: createContent.id }, as);
    return createContent.id;
  }

  beforeAll(async () => {
    graph = await startInProcessGraph({}, {}, engine);
    const { issueApiKey } = await run<{ issueApiKey: { secret: string } }>(
      `mutation($m: ID!) { issueApiKey(memberId: $m, label: "subscriptions other member") { secret } }`,
      { m: stableId('member', 'bayu-video') },
      ADMIN,
    );
    otherMember = issueApiKey.secret;
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.dispose();
    // Every client's subscriptions ended: the gateway completed each of them on its subgraph.
    await until(() => receiving('content') === 0 && receiving('campaigns') === 0);
  });
  afterAll(() => graph?.stop());

  it('delivers contentPublished with author and attractions resolved from other subgraphs', async () => {
    const subscriber = await subscribe(connect(`Bearer ${otherMember}`), PUBLISHED);
    await publishStory('Pandas at dawn', AUTHOR, [PANDA_BASE, LESHAN]);
    const { data, errors } = await subscriber.next();
    expect(errors).toBeUndefined();
    expect(data).toEqual({
      contentPublished: {
        title: 'Pandas at dawn',
        status: 'PUBLISHED',
        author: { name: 'Chengdu Evening News' },
        attractions: [{ name: expect.stringMatching(/Panda/) }, { name: expect.stringMatching(/Leshan/) }],
      },
    });
  });

  it("passes the client's variables to the subgraph: a filter picks the events", async () => {
    const subscriber = await subscribe(
      connect(),
      'subscription($f: ContentEventFilter) { contentPublished(filter: $f) { title language } }',
      { f: { language: 'zh-CN' } },
    );
    await publishStory('In English');
    await publishStory('用中文', AUTHOR, [], 'zh-CN');
    expect(await subscriber.next()).toEqual({ data: { contentPublished: { title: '用中文', language: 'zh-CN' } } });
  });

  it("resolves the same fields with Apollo's planner (GATEWAY_PLANNER=apollo)", async () => {
    const gateway = await graph.startGateway({ GATEWAY_PLANNER: 'apollo' });
    const subscriber = await subscribe(connect(undefined, gateway), PUBLISHED);
    await publishStory('Planned by Apollo', AUTHOR, [LESHAN]);
    expect(await subscriber.next()).toEqual({
      data: {
        contentPublished: {
          title: 'Planned by Apollo',
          status: 'PUBLISHED',
          author: { name: 'Chengdu Evening News' },
          attractions: [{ name: expect.stringMatching(/Leshan/) }],
        },
      },
    });
  });

  it("never delivers a member's piece that is not public to another member or to anonymous; its author and admins get it", async () => {
    const subscribers = {
      other: await subscribe(connect(`Bearer ${otherMember}`), PUBLISHED),
      anonymous: await subscribe(connect(), PUBLISHED),
      // The author's credential on the upgrade request rather than in connectionParams.
      author: await subscribe(connect(`Bearer ${AUTHOR}`, graph.gateway, true), PUBLISHED),
      admin: await subscribe(connect(`Bearer ${ADMIN}`), PUBLISHED),
    };
    // Published and archived again before the relay publishes: at delivery it is no longer public.
    const relay = graph.subgraphs.content!.built.events!.relay;
    await relay.stop();
    const hidden = await publishStory('Taken back');
    await run(`mutation($id: ID!) { archiveContent(id: $id) { id } }`, { id: hidden }, AUTHOR);
    await publishStory('Public');
    relay.start();
    const titleOf = (result: SubscriptionResult) => (result.data?.contentPublished as { title: string }).title;
    // Events arrive in commit order: a first delivery of the later piece means the earlier was skipped.
    expect(titleOf(await subscribers.other.next())).toBe('Public');
    expect(titleOf(await subscribers.anonymous.next())).toBe('Public');
    for (const viewer of [subscribers.author, subscribers.admin]) {
      expect((await viewer.next()).data).toMatchObject({
        contentPublished: { title: 'Taken back', status: 'ARCHIVED', author: { name: 'Chengdu Evening News' } },
      });
      expect(titleOf(await viewer.next())).toBe('Public');
    }
  });

  it('logs one line per subscription when it ends: who, which operation, how many events; no variables, text or credential', async () => {
    const gateway = await graph.startGateway();
    const query = 'subscription ChineseNews($f: ContentEventFilter) { contentPublished(filter: $f) { title } }';
    const subscriber = await subscribe(connect(`Bearer ${otherMember}`, gateway), query, {
      f: { language: 'zh-CN' },
    });
    await publishStory('第一篇', AUTHOR, [], 'zh-CN');
    await publishStory('第二篇', AUTHOR, [], 'zh-CN');
    await subscriber.next();
    await subscriber.next();
    expect(gateway.subscriptionLogs()).toEqual([]);
    await subscriber.stop();
    await until(() => gateway.subscriptionLogs().length > 0);
    // Anything that would end it twice (the subgraph's completion, the connection closing) is past.
    await until(() => receiving('content') === 0);
    const lines = gateway.subscriptionLogs();
    expect(lines).toEqual([
      expect.objectContaining({
        requestId: expect.any(String),
        subscriptionId: expect.any(String),
        transport: 'ws',
        operation: 'ChineseNews',
        member: stableId('member', 'bayu-video'),
        role: 'MEMBER',
        durationMs: expect.any(Number),
        events: 2,
        outcome: 'client',
      }),
    ]);
    expect(lines[0]).not.toHaveProperty('errorCodes');
    const text = JSON.stringify(lines[0]);
    for (const secret of ['zh-CN', 'contentPublished', 'ContentEventFilter', otherMember, 'Bearer']) {
      expect(text).not.toContain(secret);
    }
  });

  it('delivers campaignMetricsUpdated after reportCampaignMetrics, with the organizer from membership', async () => {
    const { launchCampaign } = await run<{ launchCampaign: { id: string } }>(
      `mutation($input: LaunchCampaignInput!) { launchCampaign(input: $input) { id } }`,
      {
        input: {
          slug: `gateway-subscriptions-${engine}`,
          name: 'Gateway subscriptions',
          localName: '网关订阅',
          startsOn: '2025-05-01',
          endsOn: '2025-05-31',
          organizerId: ADMIN_ID,
        },
      },
      ADMIN,
    );
    const campaignId = launchCampaign.id;
    await run(
      `mutation($id: ID!) { setCampaignStatus(id: $id, status: ACTIVE) { status } }`,
      { id: campaignId },
      ADMIN,
    );
    await run(`mutation($id: ID!) { joinCampaign(campaignId: $id) { role } }`, { id: campaignId }, AUTHOR);
    const subscriber = await subscribe(
      connect(),
      `subscription($id: ID!) { campaignMetricsUpdated(campaignId: $id) { id organizer { name } metrics { impressions clicks reports } } }`,
      { id: campaignId },
      'campaigns',
    );
    await run(
      `mutation($input: MetricReportInput!) { reportCampaignMetrics(input: $input) { role } }`,
      { input: { campaignId, date: '2025-05-02', impressions: 1000, engagements: 10, clicks: 2 } },
      AUTHOR,
    );
    expect(await subscriber.next()).toEqual({
      data: {
        campaignMetricsUpdated: {
          id: campaignId,
          organizer: { name: 'Tianfu Daily' },
          metrics: { impressions: 1000, clicks: 2, reports: 1 },
        },
      },
    });
  });

  it.each([
    ['connectionParams', false],
    ['the upgrade request', true],
  ])('closes a connection with a bad credential in %s with 4401 and a reason', async (_where, inHeader) => {
    const client = connect('Bearer not-a-token', graph.gateway, inHeader);
    const closed = closeOf(client);
    const iterator = client.iterate({ query: PUBLISHED });
    await expect(iterator.next()).rejects.toBeDefined();
    const { code, reason } = await closed;
    expect(code).toBe(4401);
    expect(reason).toMatch(/access token is invalid/);
  });

  it('refuses invalid, over-limit and non-subscription operations with coded errors', async () => {
    const client = connect();
    const first = async (query: string) => (await refusal(client, query))[0]?.extensions?.code;
    expect(await first('subscription { contentPublished { nope } }')).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(await first('subscription { contentPublished { ' + 'a: title '.repeat(40) + '} }')).toBe(
      'OPERATION_LIMIT_EXCEEDED',
    );
    expect(await first('{ alliance { name } }')).toBe('OPERATION_NOT_SUPPORTED');
    expect(await first('subscription {')).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('refuses a subscription over HTTP POST, pointing at WebSocket', async () => {
    const { status, body } = await graphql(graph.gateway.url, PUBLISHED);
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('OPERATION_NOT_SUPPORTED');
    expect(body.errors?.[0]?.message).toMatch(/WebSocket/);
  });

  it('caps subscriptions per connection (SUBSCRIPTIONS_PER_CONNECTION)', async () => {
    const gateway = await graph.startGateway({ SUBSCRIPTIONS_PER_CONNECTION: '1' });
    const client = connect(undefined, gateway);
    await subscribe(client, PUBLISHED);
    expect((await refusal(client, PUBLISHED))[0]?.extensions?.code).toBe('TOO_MANY_SUBSCRIPTIONS');
    // The refused one is logged when refused; the running one is not (yet).
    expect(gateway.subscriptionLogs()).toEqual([
      expect.objectContaining({
        transport: 'ws',
        operation: null,
        member: null,
        role: null,
        events: 0,
        outcome: 'rejected',
        errorCodes: ['TOO_MANY_SUBSCRIPTIONS'],
      }),
    ]);
  });

  it("refuses subscriptions with OPERATION_NOT_SUPPORTED when the gateway runs Apollo's executor", async () => {
    const gateway = await graph.startGateway({ GATEWAY_EXECUTOR: 'apollo' });
    expect((await refusal(connect(undefined, gateway), PUBLISHED))[0]).toMatchObject({
      message: expect.stringMatching(/GATEWAY_EXECUTOR=apollo/),
      extensions: { code: 'OPERATION_NOT_SUPPORTED' },
    });
  });

  it('completes the subgraph subscription when the client completes, and closes clients with 1001 on shutdown', async () => {
    const gateway = await graph.startGateway();
    const client = connect(undefined, gateway);
    const subscriber = await subscribe(client, PUBLISHED);
    expect(await gateway.metrics()).toMatch(/^graphql_subscriptions_active 1$/m);
    await subscriber.stop();
    await until(() => receiving('content') === 0);
    expect(await gateway.metrics()).toMatch(/^graphql_subscriptions_active 0$/m);
    await subscribe(client, PUBLISHED);
    const closed = closeOf(client);
    gateway.built.goingAway();
    expect((await closed).code).toBe(1001);
    await until(() => gateway.subscriptionLogs().length === 2);
    expect(gateway.subscriptionLogs().map((line) => line.outcome)).toEqual(['client', 'shutdown']);
  });

  // Last: the content subgraph goes away for good.
  it('ends a subscription with SUBGRAPH_UNAVAILABLE when its subgraph goes away', async () => {
    const subscriber = await subscribe(connect(), PUBLISHED);
    graph.subgraphs.content!.built.goingAway();
    const { errors } = await subscriber.next();
    expect(errors?.[0]?.extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
    expect(await subscriber.ended()).toBe(true);
    await until(() => graph.gateway.subscriptionLogs().at(-1)?.outcome === 'error');
    expect(graph.gateway.subscriptionLogs().at(-1)).toMatchObject({
      transport: 'ws',
      events: 0,
      outcome: 'error',
      errorCodes: ['SUBGRAPH_UNAVAILABLE'],
    });
  });
});
