import net from 'node:net';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  ANONYMOUS,
  ASSERTION_HEADER,
  type AssertionKey,
  IDENTITY_AUDIENCE,
  signAssertion,
} from '../../subgraphs/kit/identity';
import { graphql } from './processes';

/**
 * A TCP forwarder to a Redis (or any TCP server) that can be started on a port chosen before:
 * until {@link TcpForwarder.up}, nothing listens there, as when Redis is down.
 */
export class TcpForwarder {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  /** Starts forwarding every connection to the target. */
  async up(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', resolve);
    });
  }

  /** Stops listening and cuts every forwarded connection. */
  async down(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}

/** Host and port of TEST_REDIS_URL. */
export function testRedisAddress(): { host: string; port: number } {
  const url = new URL(process.env.TEST_REDIS_URL!);
  return { host: url.hostname, port: Number(url.port || 6379) };
}

/** A subgraph process's `/internal/stats`: subscriptions receiving events, outbox rows pruned. */
export async function subgraphStats(
  url: string,
  assertionKey: AssertionKey,
): Promise<{ subscriptionsReceiving: number; outboxPruned: number; sqlStatements: number }> {
  const response = await fetch(`${url}/internal/stats`, {
    headers: { [ASSERTION_HEADER]: await signAssertion(ANONYMOUS, assertionKey, IDENTITY_AUDIENCE) },
  });
  return (await response.json()) as never;
}

/** What a subscriber has received so far, in order; `client` is its graphql-ws connection. */
export interface Collector {
  client: Client;
  results: Array<{ data?: Record<string, unknown> | null; errors?: unknown[] }>;
  /** The titles delivered (`contentPublished { title }`), in order. */
  titles: () => string[];
  /** Set when the subscription ended or failed. */
  ended: () => unknown;
}

/**
 * Subscribes to `subscription { contentPublished { title } }` (or `query`) over WebSocket on a
 * gateway (anonymous: published content is public), collecting every result.
 */
export function collectSubscription(
  gatewayUrl: string,
  query = 'subscription { contentPublished { title author { name } } }',
): Collector {
  const client = createClient({
    url: `${gatewayUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
  });
  const results: Collector['results'] = [];
  let end: unknown;
  void (async () => {
    try {
      for await (const result of client.iterate({ query })) results.push(result as Collector['results'][number]);
      end = 'completed';
    } catch (error) {
      end = error ?? 'failed';
    }
  })();
  return {
    client,
    results,
    titles: () =>
      results.map((result) => (result.data?.contentPublished as { title: string } | undefined)?.title ?? '?'),
    ended: () => end,
  };
}

/** Creates a story as `bearer` and publishes it through the gateway; returns its id. */
export async function publishStory(gatewayUrl: string, bearer: string, title: string): Promise<string> {
  const headers = { authorization: `Bearer ${bearer}` };
  const created = await graphql<{ createContent: { id: string } }>(
    gatewayUrl,
    'mutation($input: CreateContentInput!) { createContent(input: $input) { id } }',
    { input: { kind: 'ARTICLE', title, language: 'en' } },
    headers,
  );
  if (created.body.errors) throw new Error(`createContent: ${JSON.stringify(created.body.errors)}`);
  const id = created.body.data!.createContent.id;
  const published = await graphql<{ publishContent: { status: string } }>(
    gatewayUrl,
    'mutation($id: ID!) { publishContent(id: $id) { status } }',
    { id },
    headers,
  );
  if (published.body.errors || published.body.data?.publishContent.status !== 'PUBLISHED') {
    throw new Error(`publishContent: ${JSON.stringify(published.body)}`);
  }
  return id;
}
