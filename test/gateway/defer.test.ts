import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type InProcessGateway, type InProcessGraph, startInProcessGraph } from '../support/gateway';
import { jsonPost, send } from '../support/http';

// @defer on the gateway's own executor (GATEWAY_EXECUTOR=ours): incremental delivery as
// multipart/mixed; deferSpec=20220824 parts, with the gateway's limits, masking and partial data
// applying to each part.

const ACCEPT_DEFER = 'multipart/mixed;deferSpec=20220824, application/json';
const SLUG = 'winter-tourism-season-2024';

const ORGANIZER_LATER = /* GraphQL */ `
  query CampaignThenOrganizer($slug: String!) {
    campaign(slug: $slug) {
      name
      ... @defer(label: "organizer") {
        organizer {
          name
        }
      }
    }
  }
`;

/** One part of a multipart answer. */
interface Part {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
  hasNext?: boolean;
  incremental?: Array<{
    data: Record<string, unknown> | null;
    path: Array<string | number>;
    label?: string;
    errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
  }>;
}

/** A multipart answer read part by part, as its bytes arrive. */
interface MultipartReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The next complete part (resolves as soon as its closing boundary arrived). */
  next: () => Promise<Part | undefined>;
  /** Every part still to come, then the whole raw body. */
  rest: () => Promise<{ parts: Part[]; raw: string }>;
}

/** POSTs to `/graphql` with `node:http` and reads the answer's parts as they arrive. */
function postMultipart(port: number, payload: unknown, headers: Record<string, string> = {}): Promise<MultipartReply> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/graphql',
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: ACCEPT_DEFER, ...headers },
      },
      (response) => {
        let raw = '';
        let consumed = 0;
        let ended = false;
        const waiters: Array<() => void> = [];
        const wake = () => waiters.splice(0).forEach((waiter) => waiter());
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          raw += chunk;
          wake();
        });
        response.on('end', () => {
          ended = true;
          wake();
        });
        // A part: its headers, a blank line, its JSON, then the next boundary (`\r\n---`).
        const take = (): Part | undefined => {
          const start = raw.indexOf('\r\n\r\n', consumed);
          if (start < 0) return undefined;
          const end = raw.indexOf('\r\n---', start);
          if (end < 0) return undefined;
          consumed = end + 5;
          return JSON.parse(raw.slice(start + 4, end)) as Part;
        };
        const next = async (): Promise<Part | undefined> => {
          for (;;) {
            const part = take();
            if (part || ended) return part;
            await new Promise<void>((r) => waiters.push(r));
          }
        };
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          next,
          rest: async () => {
            const parts: Part[] = [];
            for (let part = await next(); part; part = await next()) parts.push(part);
            return { parts, raw };
          },
        });
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify(payload));
  });
}

/**
 * A proxy in front of a subgraph that holds every request until {@link Gate.open}: what the
 * gateway sends before that cannot have been answered by the subgraph behind it.
 */
class Gate {
  private server: http.Server | undefined;
  private opened = false;
  private readonly waiting: Array<() => void> = [];
  /** Requests received so far. */
  received = 0;
  url = '';

  constructor(private readonly target: string) {}

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/graphql`;
  }

  open(): void {
    this.opened = true;
    this.waiting.splice(0).forEach((release) => release());
  }

  close(): void {
    this.open();
    this.server?.closeAllConnections();
    this.server?.close();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.received += 1;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (!this.opened) await new Promise<void>((resolve) => this.waiting.push(resolve));
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name)),
    ) as Record<string, string>;
    const upstream = await fetch(this.target, { method: 'POST', headers, body: Buffer.concat(chunks) });
    res.writeHead(upstream.status, { 'content-type': 'application/json' });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  }
}

describe('@defer on our executor: multipart/mixed; deferSpec=20220824', () => {
  let graph: InProcessGraph;
  let gateway: InProcessGateway;

  beforeAll(async () => {
    graph = await startInProcessGraph({ GATEWAY_EXECUTOR: 'ours' });
    gateway = graph.gateway;
  });
  afterAll(() => graph?.stop());

  it('answers the first part, then the deferred one, each as a multipart part, logged once at the end', async () => {
    const reply = await postMultipart(
      gateway.port,
      { query: ORGANIZER_LATER, variables: { slug: SLUG } },
      { 'x-request-id': 'req-defer-1' },
    );
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('multipart/mixed; boundary="-"; deferSpec=20220824');
    const { parts, raw } = await reply.rest();
    expect(raw.startsWith('\r\n---\r\ncontent-type: application/json; charset=utf-8\r\n\r\n')).toBe(true);
    expect(raw.endsWith('\r\n-----\r\n')).toBe(true);
    expect(parts).toEqual([
      { data: { campaign: { name: expect.any(String) } }, hasNext: true },
      {
        incremental: [
          { data: { organizer: { name: expect.any(String) } }, path: ['campaign'], label: 'organizer' },
        ],
        hasNext: false,
      },
    ]);
    expect(gateway.requestLogs('req-defer-1')).toEqual([
      expect.objectContaining({ status: 200, outcome: 'ok', operation: 'CampaignThenOrganizer' }),
    ]);
  });
});
