import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Client as WsClient, createClient } from 'graphql-ws';
import type { Client as SseClient } from 'graphql-sse';
import WebSocket from 'ws';
import { operationId } from '../../gateway/operations';
import { stableId } from '../../subgraphs/kit/ids';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { type InProcessGateway, type InProcessGraph, startInProcessGraph } from '../support/gateway';
import { graphql } from '../support/processes';
import { type Subscriber, sseClient, subscriberOf, until } from '../support/subscriptions';

const ADMIN = DEV_CREDENTIALS.admin.secret;
const PUBLISHED = 'subscription { contentPublished { title } }';

/** How the gateway closed a WebSocket. */
interface Closed {
  code: number;
  reason: string;
}

/**
 * Caps, idle connections, revocation and supergraph reloads, over both transports. The engine
 * of the subgraphs' databases plays no part here: SQLite only.
 */
describe('subscription limits and endings through the gateway', () => {
  let graph: InProcessGraph;
  const disposers: Array<() => unknown> = [];

  const run = async <T = Record<string, unknown>>(query: string, variables: Record<string, unknown>, as: string) => {
    const { body } = await graphql<T>(graph.gateway.url, query, variables, { authorization: `Bearer ${as}` });
    expect(body.errors).toBeUndefined();
    return body.data!;
  };

  /** A new API key of a member (and its id, to revoke it). */
  const issueKey = async (member: string, label: string) => {
    const { issueApiKey } = await run<{ issueApiKey: { secret: string; apiKey: { id: string } } }>(
      `mutation($m: ID!, $l: String!) { issueApiKey(memberId: $m, label: $l) { secret apiKey { id } } }`,
      { m: stableId('member', member), l: label },
      ADMIN,
    );
    return { secret: issueApiKey.secret, id: issueApiKey.apiKey.id };
  };

  const receiving = () => graph.subgraphs.content!.built.receiving();

  /** A graphql-ws client with `authorization` in its connectionParams and `headers` on its upgrade request. */
  const ws = (gateway: InProcessGateway, authorization?: string, headers: Record<string, string> = {}) => {
    const client = createClient({
      url: `${gateway.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: class extends WebSocket {
        constructor(url: string, protocols?: string | string[]) {
          super(url, protocols, { headers });
        }
      },
      retryAttempts: 0,
      connectionParams: authorization ? { authorization } : {},
    });
    disposers.push(() => client.dispose());
    return client;
  };

  const sse = (gateway: InProcessGateway, authorization?: string, headers: Record<string, string> = {}) => {
    const client = sseClient(gateway.url, authorization, headers);
    disposers.push(() => client.dispose());
    return client;
  };

  /** Subscribes and waits until the content subgraph receives events for it. */
  const subscribe = async (client: WsClient | SseClient): Promise<Subscriber> => {
    const before = receiving();
    const subscriber = subscriberOf(client.iterate({ query: PUBLISHED }));
    await until(() => receiving() > before);
    return subscriber;
  };

  /** The code of the first error a refused subscription reads (WebSocket: thrown; SSE: a result, then complete). */
  const refusal = async (client: WsClient | SseClient) => {
    const iterator = client.iterate({ query: PUBLISHED });
    try {
      const { value } = await iterator.next();
      return (value as { errors?: Array<{ message: string; extensions?: { code?: string } }> }).errors?.[0];
    } catch (errors) {
      return (errors as Array<{ message: string; extensions?: { code?: string } }>)[0];
    }
  };

  /** The transports of the subscriptions `gateway` logged as ended with `outcome`, sorted. */
  const endedWith = (gateway: InProcessGateway, outcome: string) =>
    gateway
      .subscriptionLogs()
      .filter((line) => line.outcome === outcome)
      .map((line) => line.transport)
      .sort();

  /** How the gateway closes a graphql-ws client's connection. */
  const closeOf = (client: WsClient): Promise<Closed> =>
    new Promise((resolve) =>
      client.on('closed', (event) => {
        const { code, reason } = event as Closed;
        resolve({ code, reason });
      }),
    );

  beforeAll(async () => {
    graph = await startInProcessGraph();
  });
  afterEach(async () => {
    for (const dispose of disposers.splice(0)) await dispose();
    await until(() => receiving() === 0);
  });
  afterAll(() => graph?.stop());

  it('caps subscriptions per credential across WebSocket and SSE (SUBSCRIPTIONS_PER_CREDENTIAL)', async () => {
    const gateway = await graph.startGateway({ SUBSCRIPTIONS_PER_CREDENTIAL: '1' });
    const key = `Bearer ${(await issueKey('bayu-video', 'per-credential cap')).secret}`;
    const first = await subscribe(ws(gateway, key));
    expect(await refusal(sse(gateway, key))).toMatchObject({
      message: expect.stringMatching(/this API key .* at most 1 .*complete one/),
      extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
    });
    await subscribe(ws(gateway)); // anonymous: another credential
    await subscribe(sse(gateway, `Bearer ${ADMIN}`)); // another key at the same address
    await first.stop();
    await until(() => receiving() === 2);
    await subscribe(sse(gateway, key)); // a released subscription makes room
  });

  it('caps subscriptions per client address across WebSocket and SSE (SUBSCRIPTIONS_PER_IP)', async () => {
    const gateway = await graph.startGateway({ SUBSCRIPTIONS_PER_IP: '1', TRUST_PROXY: 'loopback' });
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    await subscribe(sse(gateway, undefined, from('203.0.113.7')));
    expect(await refusal(ws(gateway, `Bearer ${ADMIN}`, from('203.0.113.7')))).toMatchObject({
      message: expect.stringMatching(/your address .* at most 1 /),
      extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
    });
    await subscribe(ws(gateway, undefined, from('203.0.113.8')));
  });

  it('closes a WebSocket with no subscription for WEBSOCKET_IDLE_TIMEOUT_MS with 1000 and a reason', async () => {
    const gateway = await graph.startGateway({ WEBSOCKET_IDLE_TIMEOUT_MS: '1000' });
    const socket = new WebSocket(`${gateway.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    disposers.push(() => socket.close());
    const closed = new Promise<Closed>((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    const acknowledged = new Promise((resolve) => socket.once('message', resolve));
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
    expect(JSON.parse(String(await acknowledged))).toEqual({ type: 'connection_ack' });
    expect(await closed).toEqual({ code: 1000, reason: expect.stringMatching(/^Idle: no subscription/) });
  });

  it('ends the subscriptions of a revoked key within the credential cache time (WebSocket 4401, SSE UNAUTHENTICATED)', async () => {
    const gateway = await graph.startGateway({ CREDENTIAL_CACHE_TTL_SECONDS: '1' });
    const key = await issueKey('bayu-video', 'revoked while subscribed');
    const wsClient = ws(gateway, `Bearer ${key.secret}`);
    const closed = closeOf(wsClient);
    await subscribe(wsClient);
    const stream = await subscribe(sse(gateway, `Bearer ${key.secret}`));
    const survivor = await subscribe(sse(gateway, `Bearer ${ADMIN}`));
    await run(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: key.id }, ADMIN);
    expect(await closed).toEqual({ code: 4401, reason: expect.stringMatching(/^Unauthorized: .*revoked/) });
    expect(await stream.next()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
    expect(await stream.ended()).toBe(true);
    await until(() => endedWith(gateway, 'revoked').length === 2);
    expect(endedWith(gateway, 'revoked')).toEqual(['sse', 'ws']);
    // Another credential's subscription runs on.
    await until(() => receiving() === 1);
    await survivor.stop();
  });

  it('subscribes to trusted documents only, over both transports (TRUSTED_DOCUMENTS)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alliance-manifest-'));
    disposers.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const manifest = path.join(dir, 'manifest.json');
    const operation = { id: operationId(PUBLISHED), name: 'Published', type: 'subscription', body: PUBLISHED };
    fs.writeFileSync(
      manifest,
      JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [operation] }),
    );
    const gateway = await graph.startGateway({ TRUSTED_DOCUMENTS: manifest });
    const other = 'subscription { contentPublished { id } }';
    await expect(ws(gateway).iterate({ query: other }).next()).rejects.toEqual([
      expect.objectContaining({ extensions: { code: 'OPERATION_NOT_TRUSTED' } }),
    ]);
    const refused = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json' },
      body: JSON.stringify({ query: other }),
    });
    expect(refused.status).toBe(400);
    expect(
      ((await refused.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code,
    ).toBe('OPERATION_NOT_TRUSTED');
    await subscribe(ws(gateway));
    await subscribe(sse(gateway));
  });

  // Last: the reload changes the supergraph file every gateway of the graph watches.
  it('ends every subscription when the supergraph is reloaded (WebSocket 1012, SSE SUPERGRAPH_RELOADED)', async () => {
    const gateway = graph.gateway;
    const wsClient = ws(gateway);
    const closed = closeOf(wsClient);
    await subscribe(wsClient);
    const stream = await subscribe(sse(gateway));
    fs.appendFileSync(graph.supergraphPath, '\n# reloaded by the subscription limits test\n');
    expect(await closed).toEqual({ code: 1012, reason: expect.stringMatching(/subscribe again/) });
    expect(await stream.next()).toMatchObject({ errors: [{ extensions: { code: 'SUPERGRAPH_RELOADED' } }] });
    expect(await stream.ended()).toBe(true);
    await until(() => endedWith(gateway, 'reloaded').length === 2);
    expect(endedWith(gateway, 'reloaded')).toEqual(['sse', 'ws']);
    // The new graph serves the next subscription.
    await until(() => receiving() === 0);
    await subscribe(sse(gateway));
  });
});
