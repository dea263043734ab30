import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { createContentSubgraph } from '../../subgraphs/content/server';
import type { PublishedEvent } from '../../subgraphs/kit/events/catalogue';
import { RedisStreamTransport } from '../../subgraphs/kit/events/redis';
import { openDatabase } from '../../subgraphs/kit/database';
import { stableId } from '../../subgraphs/kit/ids';
import type { Identity } from '../../subgraphs/kit/identity';
import { createLogger } from '../../subgraphs/kit/logger';
import { listen } from '../../subgraphs/kit/server';
import { WebhookCursor, WebhookDelivery } from '../../subgraphs/membership/entities';
import { WebhookRepository } from '../../subgraphs/membership/repositories/webhooks';
import { membership } from '../../subgraphs/membership/server';
import { readWebhookSecretKey } from '../../subgraphs/membership/webhooks/config';
import { WebhookDispatcher } from '../../subgraphs/membership/webhooks/dispatcher';
import { SecretBox } from '../../subgraphs/membership/webhooks/signing';
import { FeedReader, localFeed, remoteFeed, StreamReader } from '../../subgraphs/membership/webhooks/sources';
import { type ResolvedAddress, UrlGuard, type UrlPolicy } from '../../subgraphs/membership/webhooks/ssrf';
import { ENGINES } from '../support/databases';
import { openSubgraph, type SubgraphHarness, TEST_SECURITY } from '../support/subgraph';

const ADMIN: Identity = { role: 'ADMIN', memberId: stableId('member', 'tianfu-daily'), keyId: null };
const AUTHOR: Identity = { role: 'MEMBER', memberId: stableId('member', 'chengdu-evening-news'), keyId: null };
const OTHER: Identity = { role: 'MEMBER', memberId: stableId('member', 'bayu-video'), keyId: null };

/** The content subgraph with every referenced id accepted: these tests need no other subgraph. */
const contentSubgraph = createContentSubgraph(() => ({ missing: async () => [] }));

/** What a receiver got: the raw body and the headers, per request. */
interface Received {
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** A webhook receiver on 127.0.0.1, port 0, answering with the statuses queued (200 when none). */
async function startReceiver(): Promise<{
  url: string;
  port: number;
  received: Received[];
  answers: number[];
  close: () => Promise<void>;
}> {
  const received: Received[] = [];
  const answers: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      res.writeHead(answers.shift() ?? 200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  const port = await listen(server, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    received,
    answers,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A clock the test moves. */
class TestClock {
  time = new Date();
  now = (): Date => new Date(this.time);
  advance(ms: number): void {
    this.time = new Date(this.time.getTime() + ms);
  }
  at(date: Date): void {
    this.time = new Date(date);
  }
}

describe.each(ENGINES)('webhooks (%s)', (engine) => {
  let members: SubgraphHarness;
  let content: SubgraphHarness;
  let contentOrigin: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let clock: TestClock;
  let resolved: ResolvedAddress[];
  let repository: WebhookRepository;
  let dispatcher: WebhookDispatcher;
  let reader: FeedReader;
  const logger = createLogger('test', 'silent');
  const previous = process.env.WEBHOOK_ALLOW_PRIVATE_NETWORKS;

  beforeAll(async () => {
    // The documented switch for local receivers; the harness's repositories read it at build.
    process.env.WEBHOOK_ALLOW_PRIVATE_NETWORKS = 'true';
    members = await openSubgraph(membership, engine);
    content = await openSubgraph(contentSubgraph, engine);
    const port = await listen(content.built.httpServer, 0, '127.0.0.1');
    contentOrigin = `http://127.0.0.1:${port}`;
    receiver = await startReceiver();
  });
  afterAll(async () => {
    process.env.WEBHOOK_ALLOW_PRIVATE_NETWORKS = previous;
    await receiver.close();
    await new Promise((resolve) => content.built.httpServer.close(resolve));
    await content.close();
    await members.close();
  });

  /** A dispatcher and feed reader over the harnesses, with the test's clock and resolver. */
  function makeDispatcher(policy: UrlPolicy = { allowHttp: true, allowPrivate: true }) {
    const dataSource = members.database.dataSource;
    repository = new WebhookRepository(
      dataSource,
      new SecretBox(readWebhookSecretKey({}, 'test')),
      new UrlGuard(policy, async () => resolved),
    );
    dispatcher = new WebhookDispatcher({
      dataSource,
      webhooks: repository,
      logger,
      timeoutMs: 2_000,
      pollMs: 60_000,
      now: clock.now,
      random: () => 0.5,
    });
    reader = new FeedReader({
      dataSource,
      feeds: [localFeed(dataSource, 'membership'), remoteFeed('content', contentOrigin, TEST_SECURITY.assertionKey)],
      target: dispatcher,
      logger,
      pollMs: 60_000,
    });
  }

  beforeEach(async () => {
    clock = new TestClock();
    resolved = [{ address: '127.0.0.1', family: 4 }];
    receiver.received.length = 0;
    receiver.answers.length = 0;
    makeDispatcher();
    // Each test starts with no webhooks and reads the feeds from where the last one stopped.
    const dataSource = members.database.dataSource;
    await dataSource.getRepository(WebhookDelivery).clear();
    await dataSource.query('DELETE FROM webhook');
    await reader.poll();
  });

  async function register(viewer: Identity, input: Record<string, unknown>): Promise<{ id: string; secret: string }> {
    const result = await members.execute<{ registerWebhook: { secret: string; webhook: { id: string } } }>(
      `mutation($input: RegisterWebhookInput!) {
        registerWebhook(input: $input) { secret webhook { id url events active member { id } } }
      }`,
      { input },
      { viewer },
    );
    expect(result.errors).toBeUndefined();
    const registered = result.data!.registerWebhook;
    return { id: registered.webhook.id, secret: registered.secret };
  }

  async function draft(title: string, author: Identity = AUTHOR): Promise<string> {
    const created = await content.execute<{ createContent: { id: string } }>(
      `mutation($input: CreateContentInput!) { createContent(input: $input) { id } }`,
      { input: { kind: 'ARTICLE', title, language: 'zh-CN', tags: ['panda'] } },
      { viewer: author },
    );
    expect(created.errors).toBeUndefined();
    return created.data!.createContent.id;
  }

  async function publish(id: string, viewer: Identity = AUTHOR): Promise<void> {
    const result = await content.execute(`mutation($id: ID!) { publishContent(id: $id) { id } }`, { id }, { viewer });
    expect(result.errors).toBeUndefined();
  }

  async function deliveries(webhookId: string, viewer: Identity, outcome?: string) {
    return members.execute<{
      webhookDeliveries: {
        totalCount: number;
        nodes: Array<{
          id: string;
          event: string;
          at: string;
          attempt: number;
          status: number | null;
          outcome: string;
          eventId: string;
          lastError: string | null;
          createdAt: string;
          lastAttemptAt: string | null;
          nextAttemptAt: string | null;
          deliveredAt: string | null;
        }>;
      };
    }>(
      `query($id: ID!, $outcome: WebhookDeliveryOutcome) { webhookDeliveries(webhookId: $id, outcome: $outcome) {
        totalCount nodes {
          id event at attempt status outcome eventId lastError createdAt lastAttemptAt nextAttemptAt deliveredAt
          webhook { id }
        }
      } }`,
      { id: webhookId, outcome },
      { viewer },
    );
  }

  it('delivers a publication signed so that the standardwebhooks library verifies it', async () => {
    const { id, secret } = await register(AUTHOR, { url: receiver.url, events: ['CONTENT_PUBLISHED'] });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const contentId = await draft('Pandas at dawn');
    await publish(contentId);

    expect(await reader.poll()).toBeGreaterThan(0);
    await dispatcher.deliverDue();

    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    const verified = new StandardWebhook(secret).verify(request!.body, {
      'webhook-id': String(request!.headers['webhook-id']),
      'webhook-timestamp': String(request!.headers['webhook-timestamp']),
      'webhook-signature': String(request!.headers['webhook-signature']),
    }) as { type: string; data: { contentId: string; authorId: string } };
    expect(verified.type).toBe('CONTENT_PUBLISHED');
    expect(verified.data).toMatchObject({ contentId, authorId: AUTHOR.memberId });
    // Another secret does not verify it.
    expect(() =>
      new StandardWebhook('whsec_' + Buffer.alloc(32, 1).toString('base64')).verify(request!.body, {
        'webhook-id': String(request!.headers['webhook-id']),
        'webhook-timestamp': String(request!.headers['webhook-timestamp']),
        'webhook-signature': String(request!.headers['webhook-signature']),
      }),
    ).toThrow();

    const log = await deliveries(id, AUTHOR);
    expect(log.errors).toBeUndefined();
    expect(log.data!.webhookDeliveries.nodes).toEqual([
      expect.objectContaining({
        id: request!.headers['webhook-id'],
        event: 'CONTENT_PUBLISHED',
        outcome: 'SUCCEEDED',
        attempt: 1,
        status: 200,
        nextAttemptAt: null,
      }),
    ]);
  });

  it('retries after a 500 with backoff, with the same webhook-id, then succeeds', async () => {
    const { id, secret } = await register(AUTHOR, { url: receiver.url, events: ['CONTENT_PUBLISHED'] });
    receiver.answers.push(500);
    await publish(await draft('Retry me'));
    await reader.poll();

    await dispatcher.deliverDue();
    let log = (await deliveries(id, AUTHOR)).data!.webhookDeliveries.nodes;
    expect(log).toEqual([expect.objectContaining({ outcome: 'PENDING', attempt: 1, status: 500 })]);
    const next = new Date(log[0]!.nextAttemptAt!);
    // 5 s doubling, with equal jitter (random 0.5): 3.75 s after the attempt.
    expect(next.getTime() - clock.time.getTime()).toBe(3_750);

    // Not due yet: nothing is sent.
    await dispatcher.deliverDue();
    expect(receiver.received).toHaveLength(1);

    clock.at(next);
    await dispatcher.deliverDue();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]!.headers['webhook-id']).toBe(receiver.received[0]!.headers['webhook-id']);
    const second = receiver.received[1]!;
    expect(() =>
      new StandardWebhook(secret).verify(second.body, second.headers as Record<string, string>),
    ).not.toThrow();
    log = (await deliveries(id, AUTHOR)).data!.webhookDeliveries.nodes;
    expect(log).toEqual([expect.objectContaining({ outcome: 'SUCCEEDED', attempt: 2, status: 200 })]);
  });

  it('marks a delivery FAILED once 24 hours have passed since its first attempt', async () => {
    const { id } = await register(AUTHOR, { url: receiver.url, events: ['CONTENT_PUBLISHED'] });
    await publish(await draft('Never accepted'));
    await reader.poll();
    const first = clock.now();
    for (let attempt = 0; attempt < 60; attempt += 1) {
      receiver.answers.push(503);
      await dispatcher.deliverDue();
      const [delivery] = (await deliveries(id, AUTHOR)).data!.webhookDeliveries.nodes;
      if (delivery!.outcome !== 'PENDING') break;
      clock.at(new Date(delivery!.nextAttemptAt!));
    }
    const [delivery] = (await deliveries(id, AUTHOR)).data!.webhookDeliveries.nodes;
    expect(delivery).toMatchObject({ outcome: 'FAILED', status: 503, nextAttemptAt: null });
    expect(clock.time.getTime() - first.getTime()).toBe(24 * 60 * 60 * 1000);
    expect(delivery!.attempt).toBe(receiver.received.length);
  });

  it('redelivers on request with the same webhook-id and body; only to the owner or an admin', async () => {
    const { id } = await register(AUTHOR, { url: receiver.url, events: ['CONTENT_PUBLISHED'] });
    await publish(await draft('Again, please'));
    await reader.poll();
    await dispatcher.deliverDue();
    const [delivery] = (await deliveries(id, AUTHOR)).data!.webhookDeliveries.nodes;

    const redeliver = `mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id outcome nextAttemptAt } }`;
    const refused = await members.execute(redeliver, { id: delivery!.id }, { viewer: OTHER });
    expect(refused.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    const again = await members.execute<{ redeliverWebhook: { outcome: string } }>(
      redeliver,
      { id: delivery!.id },
      { viewer: AUTHOR },
    );
    expect(again.errors).toBeUndefined();
    expect(again.data!.redeliverWebhook.outcome).toBe('PENDING');
    // Due at the mutation's (real) time; the test's clock started before it.
    clock.advance(60_000);
    await dispatcher.deliverDue();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]!.headers['webhook-id']).toBe(delivery!.id);
    expect(receiver.received[1]!.body).toBe(receiver.received[0]!.body);
    const [after] = (await deliveries(id, AUTHOR)).data!.webhookDeliveries.nodes;
    expect(after).toMatchObject({ outcome: 'SUCCEEDED', attempt: 2 });
  });

  it('creates one delivery per webhook and event, however often the event is read', async () => {
    const { id } = await register(AUTHOR, { url: receiver.url, events: ['CONTENT_PUBLISHED'] });
    await publish(await draft('Read twice'));
    await reader.poll();
    // A restart that lost its place reads every event again.
    await members.database.dataSource.getRepository(WebhookCursor).clear();
    await reader.poll();
    await dispatcher.deliverDue();
    expect((await deliveries(id, AUTHOR)).data!.webhookDeliveries.totalCount).toBe(1);
    expect(receiver.received).toHaveLength(1);
  });

  it("never delivers another member's draft; its author's webhook gets it", async () => {
    const mine = await register(AUTHOR, { url: receiver.url, events: ['CONTENT_UPDATED', 'CONTENT_PUBLISHED'] });
    const theirs = await register(OTHER, { url: receiver.url, events: ['CONTENT_UPDATED', 'CONTENT_PUBLISHED'] });
    const contentId = await draft('Secret plans');
    const edited = await content.execute(
      `mutation($id: ID!) { updateContent(id: $id, input: { title: "Secret plans, v2" }) { id } }`,
      { id: contentId },
      { viewer: AUTHOR },
    );
    expect(edited.errors).toBeUndefined();
    await reader.poll();
    await dispatcher.deliverDue();

    expect((await deliveries(theirs.id, OTHER)).data!.webhookDeliveries.nodes).toEqual([]);
    expect((await deliveries(mine.id, AUTHOR)).data!.webhookDeliveries.nodes).toEqual([
      expect.objectContaining({ event: 'CONTENT_UPDATED', outcome: 'SUCCEEDED' }),
    ]);
    // Once published, it is public: both receive the publication.
    await publish(contentId);
    await reader.poll();
    await dispatcher.deliverDue();
    expect((await deliveries(theirs.id, OTHER)).data!.webhookDeliveries.nodes).toEqual([
      expect.objectContaining({ event: 'CONTENT_PUBLISHED' }),
    ]);
  });

  it('delivers the archive of a published piece as CONTENT_UPDATED, to its author only', async () => {
    const mine = await register(AUTHOR, { url: receiver.url, events: ['CONTENT_UPDATED'] });
    const theirs = await register(OTHER, { url: receiver.url, events: ['CONTENT_UPDATED'] });
    const contentId = await draft('Soon gone');
    await publish(contentId);
    const archived = await content.execute(
      `mutation($id: ID!) { archiveContent(id: $id) { id } }`,
      { id: contentId },
      {
        viewer: AUTHOR,
      },
    );
    expect(archived.errors).toBeUndefined();
    await reader.poll();
    await dispatcher.deliverDue();

    const listed = await members.execute<{ webhooks: Array<{ events: string[] }> }>(
      `{ webhooks { events } }`,
      {},
      { viewer: AUTHOR },
    );
    expect(listed.data!.webhooks).toEqual([{ events: ['CONTENT_UPDATED'] }]);
    // An archived piece is its author's alone to read.
    expect((await deliveries(theirs.id, OTHER)).data!.webhookDeliveries.nodes).toEqual([]);
    const [delivery] = (await deliveries(mine.id, AUTHOR)).data!.webhookDeliveries.nodes;
    expect(delivery).toMatchObject({ event: 'CONTENT_UPDATED', outcome: 'SUCCEEDED', attempt: 1, status: 200 });
    expect(delivery!.at).toBe(delivery!.lastAttemptAt);
    const body = JSON.parse(receiver.received.at(-1)!.body) as unknown;
    expect(body).toMatchObject({
      type: 'CONTENT_UPDATED',
      data: { eventId: delivery!.eventId, contentId, status: 'ARCHIVED', from: 'PUBLISHED' },
    });
  });

  it('lists deliveries by outcome; a delivery not yet attempted is at its creation', async () => {
    const { id } = await register(AUTHOR, { url: receiver.url, events: ['CONTENT_PUBLISHED'] });
    await publish(await draft('Delivered'));
    await reader.poll();
    await dispatcher.deliverDue();
    await publish(await draft('Waiting'));
    await reader.poll();

    const pending = (await deliveries(id, AUTHOR, 'PENDING')).data!.webhookDeliveries;
    expect(pending.totalCount).toBe(1);
    expect(pending.nodes[0]).toMatchObject({ outcome: 'PENDING', attempt: 0, status: null, lastAttemptAt: null });
    expect(pending.nodes[0]!.at).toBe(pending.nodes[0]!.createdAt);
    const succeeded = (await deliveries(id, AUTHOR, 'SUCCEEDED')).data!.webhookDeliveries;
    expect(succeeded.nodes.map((d) => d.outcome)).toEqual(['SUCCEEDED']);
    expect((await deliveries(id, AUTHOR, 'FAILED')).data!.webhookDeliveries.totalCount).toBe(0);
  });

  it('applies the filter and delivers membership events from its own outbox', async () => {
    const filtered = await register(AUTHOR, {
      url: receiver.url,
      events: ['CONTENT_PUBLISHED', 'MEMBER_STATUS_CHANGED'],
      filter: { tag: 'no-such-tag' },
    });
    const all = await register(ADMIN, {
      memberId: OTHER.memberId,
      url: receiver.url,
      events: ['MEMBER_STATUS_CHANGED'],
    });
    await publish(await draft('Filtered out'));
    const suspended = await members.execute(
      `mutation($id: ID!) { setMemberStatus(id: $id, status: SUSPENDED, reason: "test") { id } }`,
      { id: stableId('member', 'leshan-daily') },
      { viewer: ADMIN },
    );
    expect(suspended.errors).toBeUndefined();
    await reader.poll();
    await dispatcher.deliverDue();
    expect((await deliveries(filtered.id, AUTHOR)).data!.webhookDeliveries.nodes).toEqual([]);
    expect((await deliveries(all.id, OTHER)).data!.webhookDeliveries.nodes).toEqual([
      expect.objectContaining({ event: 'MEMBER_STATUS_CHANGED', outcome: 'SUCCEEDED' }),
    ]);
    const body = JSON.parse(receiver.received.at(-1)!.body) as { type: string; data: { to: string } };
    expect(body).toMatchObject({ type: 'MEMBER_STATUS_CHANGED', data: { to: 'SUSPENDED' } });
  });

  it('audits registration without its secret or URL', async () => {
    const { secret } = await register(AUTHOR, { url: receiver.url, events: ['CONTENT_PUBLISHED'] });
    const trail = await members.execute<{
      audit: { membership: { nodes: Array<{ operation: string; outcome: string; detail: string | null }> } };
    }>(`{ audit { membership(first: 1) { nodes { operation outcome detail } } } }`, {}, { viewer: ADMIN });
    expect(trail.data!.audit.membership.nodes).toEqual([
      { operation: 'registerWebhook', outcome: 'SUCCESS', detail: `for member ${AUTHOR.memberId}` },
    ]);
    expect(JSON.stringify(trail)).not.toContain(secret.slice('whsec_'.length));
  });

  it('shows webhooks and their deliveries to their member and admins only', async () => {
    const { id } = await register(AUTHOR, { url: receiver.url, events: ['CONTENT_PUBLISHED'] });
    const listed = `query($id: ID!) { member(id: $id) { webhooks { id url } } webhooks { id } }`;
    const own = await members.execute<{ member: { webhooks: Array<{ id: string }> }; webhooks: Array<{ id: string }> }>(
      listed,
      { id: AUTHOR.memberId },
      { viewer: AUTHOR },
    );
    expect(own.data!.member.webhooks.map((w) => w.id)).toEqual([id]);
    expect(own.data!.webhooks.map((w) => w.id)).toEqual([id]);
    const other = await members.execute<{ member: { webhooks: unknown[] }; webhooks: unknown[] }>(
      listed,
      { id: AUTHOR.memberId },
      { viewer: OTHER },
    );
    expect(other.data!.member.webhooks).toEqual([]);
    expect(other.data!.webhooks).toEqual([]);
    expect((await deliveries(id, OTHER)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await deliveries(id, ADMIN)).errors).toBeUndefined();
    const anonymous = await members.execute(`query($id: ID!) { webhookDeliveries(webhookId: $id) { totalCount } }`, {
      id,
    });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // Registering for another member is for admins.
    const forbidden = await members.execute(
      `mutation($input: RegisterWebhookInput!) { registerWebhook(input: $input) { secret } }`,
      { input: { memberId: AUTHOR.memberId, url: receiver.url, events: ['CONTENT_PUBLISHED'] } },
      { viewer: OTHER },
    );
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('stops delivering to a disabled webhook, and deletes a webhook with its log', async () => {
    const { id } = await register(AUTHOR, { url: receiver.url, events: ['CONTENT_PUBLISHED'] });
    const disabled = await members.execute<{ disableWebhook: { active: boolean } }>(
      `mutation($id: ID!) { disableWebhook(id: $id) { active disabledAt } }`,
      { id },
      { viewer: AUTHOR },
    );
    expect(disabled.data!.disableWebhook.active).toBe(false);
    await publish(await draft('Nobody listens'));
    await reader.poll();
    await dispatcher.deliverDue();
    expect(receiver.received).toHaveLength(0);
    const deleted = await members.execute(`mutation($id: ID!) { deleteWebhook(id: $id) }`, { id }, { viewer: OTHER });
    expect(deleted.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const gone = await members.execute<{ deleteWebhook: boolean }>(
      `mutation($id: ID!) { deleteWebhook(id: $id) }`,
      { id },
      {
        viewer: AUTHOR,
      },
    );
    expect(gone.data!.deleteWebhook).toBe(true);
    expect((await deliveries(id, AUTHOR)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('connects to the address it vetted, and re-checks DNS at delivery time', async () => {
    // A name only the test's resolver knows: the connection can only reach the receiver through
    // the pinned address. Registered through the repository: the graph's guard uses real DNS.
    const { webhook } = await repository.register(members.database.dataSource.manager, {
      memberId: AUTHOR.memberId!,
      url: `http://receiver.webhooks.test:${receiver.port}/hooks`,
      events: ['ContentPublished'],
      filter: null,
    });
    const id = webhook.id;
    await publish(await draft('Pinned'));
    await reader.poll();
    await dispatcher.deliverDue();
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.headers.host).toBe(`receiver.webhooks.test:${receiver.port}`);

    // The same webhook under production's rules, after its name started to resolve to loopback.
    makeDispatcher({ allowHttp: true, allowPrivate: false });
    resolved = [{ address: '127.0.0.1', family: 4 }];
    clock.advance(1_000);
    await publish(await draft('Rebound'));
    await reader.poll();
    await dispatcher.deliverDue();
    expect(receiver.received).toHaveLength(1);
    // Newest first.
    const log = (await deliveries(id, AUTHOR)).data!.webhookDeliveries.nodes;
    expect(log.map((d) => d.outcome)).toEqual(['PENDING', 'SUCCEEDED']);
    expect(log[0]).toMatchObject({ attempt: 1, status: null });
    expect(log[0]!.lastError).toMatch(/resolves to 127\.0\.0\.1, which is not a public internet address/);
  });

  it('does not follow redirects, and bounds a receiver that does not answer', async () => {
    const { id } = await register(AUTHOR, { url: receiver.url, events: ['CONTENT_PUBLISHED'] });
    receiver.answers.push(302);
    await publish(await draft('Moved'));
    await reader.poll();
    await dispatcher.deliverDue();
    // One request: the 302 (with no Location to follow anyway) is a failed attempt.
    expect(receiver.received).toHaveLength(1);
    let [delivery] = (await deliveries(id, AUTHOR)).data!.webhookDeliveries.nodes;
    expect(delivery).toMatchObject({ outcome: 'PENDING', status: 302 });
    expect(delivery!.lastError).toMatch(/redirects are not followed/);

    // A receiver that accepts the connection and never answers.
    const silent = http.createServer(() => undefined);
    const port = await listen(silent, 0, '127.0.0.1');
    try {
      const slow = await register(AUTHOR, { url: `http://127.0.0.1:${port}/hooks`, events: ['CONTENT_PUBLISHED'] });
      const dataSource = members.database.dataSource;
      const impatient = new WebhookDispatcher({
        dataSource,
        webhooks: repository,
        logger,
        timeoutMs: 200,
        pollMs: 60_000,
        now: clock.now,
      });
      await publish(await draft('Unanswered'));
      await reader.poll();
      await impatient.deliverDue();
      [delivery] = (await deliveries(slow.id, AUTHOR)).data!.webhookDeliveries.nodes;
      expect(delivery).toMatchObject({ outcome: 'PENDING', attempt: 1, status: null });
      expect(delivery!.lastError).toBe('the receiver did not answer within 200 ms');
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('stops without waiting for a receiver that does not answer, leaving the delivery due', async () => {
    let arrived: () => void = () => undefined;
    const request = new Promise<void>((resolve) => (arrived = resolve));
    const silent = http.createServer(() => arrived());
    const port = await listen(silent, 0, '127.0.0.1');
    try {
      const { id } = await register(AUTHOR, { url: `http://127.0.0.1:${port}/hooks`, events: ['CONTENT_PUBLISHED'] });
      await publish(await draft('Shutting down'));
      await reader.poll();
      const running = new WebhookDispatcher({
        dataSource: members.database.dataSource,
        webhooks: repository,
        logger,
        timeoutMs: 60_000,
        pollMs: 60_000,
        now: clock.now,
      });
      running.start();
      await request;
      await running.stop();
      const [delivery] = (await deliveries(id, AUTHOR)).data!.webhookDeliveries.nodes;
      expect(delivery).toMatchObject({ outcome: 'PENDING', attempt: 0, lastError: null });
      // Given back: due for the next dispatcher at once.
      receiver.answers.length = 0;
      expect(await dispatcher.deliverDue()).toBe(1);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('serves the outbox feed to signed internal callers only', async () => {
    const refused = await fetch(`${contentOrigin}/internal/events?after=0`);
    expect(refused.status).toBe(401);
  });
});

describe('webhook registration without WEBHOOK_ALLOW_PRIVATE_NETWORKS', () => {
  let members: SubgraphHarness;
  beforeAll(async () => {
    delete process.env.WEBHOOK_ALLOW_PRIVATE_NETWORKS;
    members = await openSubgraph(membership, 'sqlite');
  });
  afterAll(() => members.close());

  it.each([
    ['http://127.0.0.1:8080/hooks', /127\.0\.0\.1, which is not a public internet address/],
    ['http://localhost:8080/hooks', /localhost resolves to (127\.0\.0\.1|::1), which is not a public/],
    ['http://[::1]/hooks', /::1, which is not a public/],
    ['http://[::ffff:127.0.0.1]/hooks', /not a public internet address/],
    ['https://10.1.2.3/hooks', /10\.1\.2\.3, which is not a public/],
    ['https://169.254.169.254/latest/meta-data', /169\.254\.169\.254, which is not a public/],
    ['https://100.64.0.1/', /not a public internet address/],
    ['https://[fd00::1]/', /not a public internet address/],
    ['https://0x7f.1/', /127\.0\.0\.1, which is not a public/],
    ['ftp://example.com/hooks', /must be an http:\/\/ or https:\/\/ URL/],
    ['https://user:pass@example.com/hooks', /must not carry a user name or password/],
  ])('refuses %s', async (url, message) => {
    const result = await members.execute(
      `mutation($input: RegisterWebhookInput!) { registerWebhook(input: $input) { secret } }`,
      { input: { url, events: ['CONTENT_PUBLISHED'] } },
      { viewer: AUTHOR },
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(message);
  });
});

const redisDescribe = process.env.TEST_REDIS_URL ? describe : describe.skip;

redisDescribe('webhook events over Redis streams (REDIS_URL)', () => {
  let members: SubgraphHarness;
  let transport: RedisStreamTransport;
  const logger = createLogger('test', 'silent');

  beforeAll(async () => {
    members = await openSubgraph(membership, 'sqlite');
    transport = new RedisStreamTransport({
      url: process.env.TEST_REDIS_URL!,
      keyPrefix: `test-webhooks-${randomUUID()}:`,
      maxLength: 0,
      blockMs: 100,
    });
  });
  afterAll(async () => {
    await transport.close();
    await members.close();
  });

  function published(sequence: number): PublishedEvent {
    return {
      id: `content:${sequence}`,
      subgraph: 'content',
      sequence,
      type: 'ContentPublished',
      aggregateId: `c-${sequence}`,
      payload: {
        contentId: `c-${sequence}`,
        authorId: AUTHOR.memberId!,
        kind: 'ARTICLE',
        language: 'en',
        tags: [],
        attractionIds: [],
        campaignId: null,
        status: 'PUBLISHED',
        from: 'DRAFT',
        publishedAt: new Date().toISOString(),
      },
      createdAt: new Date(Date.now() + 1_000).toISOString(),
    };
  }

  /** Waits (without asserting on time) until the delivery log holds `count` rows. */
  async function deliveriesReach(count: number): Promise<number> {
    const repository = members.database.dataSource.getRepository(WebhookDelivery);
    for (let tries = 0; tries < 200 && (await repository.count()) < count; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return repository.count();
  }

  it('resumes from the saved stream positions after a restart, one delivery per event', async () => {
    const dataSource = members.database.dataSource;
    const repository = new WebhookRepository(
      dataSource,
      new SecretBox(readWebhookSecretKey({}, 'test')),
      new UrlGuard({ allowHttp: true, allowPrivate: true }, async () => []),
    );
    await repository.register(dataSource.manager, {
      memberId: AUTHOR.memberId!,
      url: 'http://127.0.0.1:9/hooks',
      events: ['ContentPublished'],
      filter: null,
    });
    const dispatcher = new WebhookDispatcher({
      dataSource,
      webhooks: repository,
      logger,
      timeoutMs: 1_000,
      pollMs: 60_000,
    });
    const start = () => {
      const reader = new StreamReader({ dataSource, transport, target: dispatcher, logger, retryMs: 50 });
      reader.start();
      return reader;
    };

    let reader = start();
    await transport.publish('content', [published(1), published(2)]);
    expect(await deliveriesReach(2)).toBe(2);
    await reader.stop();

    // Published while the dispatcher was down; the first two are in the stream still.
    await transport.publish('content', [published(3)]);
    reader = start();
    expect(await deliveriesReach(3)).toBe(3);
    await reader.stop();
    const cursor = await dataSource.getRepository(WebhookCursor).findOneBy({ source: 'redis:content' });
    expect(cursor?.position).toMatch(/^\d+-\d+$/);
    // The same event published again (the relay's at-least-once) makes no second delivery.
    await transport.publish('content', [published(3)]);
    reader = start();
    await transport.publish('content', [published(4)]);
    expect(await deliveriesReach(4)).toBe(4);
    await reader.stop();
    expect(await dataSource.getRepository(WebhookDelivery).count()).toBe(4);
  });
});

describe('the membership process runs the dispatcher (background work)', () => {
  it('delivers a publication of the content subgraph, read from its outbox feed, on its own', async () => {
    const content = await openSubgraph(contentSubgraph, 'sqlite');
    const contentPort = await listen(content.built.httpServer, 0, '127.0.0.1');
    const receiver = await startReceiver();
    const database = await openDatabase({
      config: { kind: 'sqlite', file: ':memory:' },
      entities: membership.entities,
      migrations: membership.migrations,
    });
    await membership.seed(database.dataSource, { devCredentials: true });
    const previous = process.env.WEBHOOK_ALLOW_PRIVATE_NETWORKS;
    process.env.WEBHOOK_ALLOW_PRIVATE_NETWORKS = 'true';
    const built = await membership.build(database, createLogger('test', 'silent'), TEST_SECURITY, {
      background: {
        nodeEnv: 'test',
        env: {
          WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
          WEBHOOK_POLL_MS: '50',
          SUBGRAPH_CONTENT_URL: `http://127.0.0.1:${contentPort}/graphql`,
        },
      },
    });
    try {
      const registered = await built.executeOperation(
        {
          query: `mutation($input: RegisterWebhookInput!) { registerWebhook(input: $input) { secret } }`,
          variables: { input: { url: receiver.url, events: ['CONTENT_PUBLISHED'] } },
        },
        { viewer: AUTHOR },
      );
      const body = registered.body.kind === 'single' ? registered.body.singleResult : null;
      expect(body?.errors).toBeUndefined();
      const secret = (body!.data as { registerWebhook: { secret: string } }).registerWebhook.secret;

      const created = await content.execute<{ createContent: { id: string } }>(
        `mutation { createContent(input: { kind: ARTICLE, title: "On its own", language: "en" }) { id } }`,
        {},
        { viewer: AUTHOR },
      );
      const published = await content.execute(
        `mutation($id: ID!) { publishContent(id: $id) { id } }`,
        { id: created.data!.createContent.id },
        { viewer: AUTHOR },
      );
      expect(published.errors).toBeUndefined();

      // Waits for the delivery, however long this machine takes (the test's timeout bounds it).
      while (receiver.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      const [request] = receiver.received;
      const event = new StandardWebhook(secret).verify(request!.body, request!.headers as Record<string, string>);
      expect(event).toMatchObject({ type: 'CONTENT_PUBLISHED', data: { contentId: created.data!.createContent.id } });
    } finally {
      process.env.WEBHOOK_ALLOW_PRIVATE_NETWORKS = previous;
      await built.stop();
      await database.dataSource.destroy();
      await receiver.close();
      await new Promise((resolve) => content.built.httpServer.close(resolve));
      await content.close();
    }
  });
});
