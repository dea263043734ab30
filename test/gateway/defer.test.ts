import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cardStates, createDeferClient } from '../../examples/defer';
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
  /** Leaves: closes the connection before the answer is over. */
  leave: () => void;
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
          leave: () => response.destroy(),
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
  /** Requests received so far, and answered so far. */
  received = 0;
  answered = 0;
  url = '';

  /**
   * `target`: the subgraph behind the proxy; `answer`, when given, answers instead of the
   * subgraph (from the request's body), as a faulty subgraph would.
   */
  constructor(
    private readonly target: string,
    private readonly answer?: (body: { variables?: { representations?: unknown[] } }) => unknown,
  ) {}

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
    if (this.answer) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(this.answer(JSON.parse(Buffer.concat(chunks).toString()) as never)));
      this.answered += 1;
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name)),
    ) as Record<string, string>;
    const upstream = await fetch(this.target, { method: 'POST', headers, body: Buffer.concat(chunks) });
    res.writeHead(upstream.status, { 'content-type': 'application/json' });
    res.end(Buffer.from(await upstream.arrayBuffer()));
    this.answered += 1;
  }
}

type Json = Record<string, unknown>;

/** Merges `source` into `target` (objects key by key, lists element by element). */
function merge(target: Json, source: Json): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (value && existing && typeof value === 'object' && typeof existing === 'object')
      merge(existing as Json, value as Json);
    else target[key] = value;
  }
}

/** What a client holds once every part arrived: the first part's data with each item merged at its path. */
function assemble(parts: Part[]): { data: Json | null | undefined; errors: NonNullable<Part['errors']> } {
  const [first, ...rest] = parts;
  const data = structuredClone(first?.data);
  const errors = [...(first?.errors ?? [])];
  for (const part of rest) {
    for (const item of part.incremental ?? []) {
      let target = data as unknown;
      for (const key of item.path) target = (target as Json)[key];
      if (item.data) merge(target as Json, item.data);
      errors.push(...(item.errors ?? []));
    }
  }
  return { data, errors };
}

/** The same document without any `@defer`: what the assembled parts must equal. */
const undeferred = (query: string) => query.replace(/@defer(\([^)]*\))?/g, '');

/** Waits (polling, at most 10 s) until `condition` holds. */
async function eventually(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 20));
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
        incremental: [{ data: { organizer: { name: expect.any(String) } }, path: ['campaign'], label: 'organizer' }],
        hasNext: false,
      },
    ]);
    expect(gateway.requestLogs('req-defer-1')).toEqual([
      expect.objectContaining({ status: 200, outcome: 'ok', operation: 'CampaignThenOrganizer' }),
    ]);
  });

  it('answers the first part while the deferred part still waits for its subgraph', async () => {
    const gate = new Gate(graph.subgraphs.membership!.url);
    await gate.start();
    const held = await graph.startGateway({ GATEWAY_EXECUTOR: 'ours', SUBGRAPH_MEMBERSHIP_URL: gate.url });
    try {
      const reply = await postMultipart(
        held.port,
        { query: ORGANIZER_LATER, variables: { slug: SLUG } },
        { 'x-request-id': 'req-defer-held' },
      );
      // The membership subgraph has answered nothing yet: the first part cannot have waited for it.
      await expect(reply.next()).resolves.toEqual({ data: { campaign: { name: expect.any(String) } }, hasNext: true });
      // The request is not over: its log line waits for the last part.
      expect(held.requestLogs('req-defer-held')).toEqual([]);
      gate.open();
      await expect(reply.next()).resolves.toEqual({
        incremental: [{ data: { organizer: { name: expect.any(String) } }, path: ['campaign'], label: 'organizer' }],
        hasNext: false,
      });
      await expect(reply.next()).resolves.toBeUndefined();
      expect(gate.received).toBeGreaterThan(0);
      expect(held.requestLogs('req-defer-held')).toEqual([expect.objectContaining({ status: 200, outcome: 'ok' })]);
    } finally {
      gate.close();
    }
  });

  it("delivers the parts with Hive's planner too (a document with @defer is planned by Apollo's)", async () => {
    const hive = await graph.startGateway({ GATEWAY_EXECUTOR: 'ours', GATEWAY_PLANNER: 'hive' });
    const reply = await postMultipart(hive.port, { query: ORGANIZER_LATER, variables: { slug: SLUG } });
    expect(reply.headers['content-type']).toBe('multipart/mixed; boundary="-"; deferSpec=20220824');
    expect((await reply.rest()).parts).toEqual([
      { data: { campaign: { name: expect.any(String) } }, hasNext: true },
      {
        incremental: [{ data: { organizer: { name: expect.any(String) } }, path: ['campaign'], label: 'organizer' }],
        hasNext: false,
      },
    ]);
  });

  it('logs a client that leaves before the last part once, as aborted', async () => {
    const gate = new Gate(graph.subgraphs.membership!.url);
    await gate.start();
    const held = await graph.startGateway({ GATEWAY_EXECUTOR: 'ours', SUBGRAPH_MEMBERSHIP_URL: gate.url });
    try {
      const reply = await postMultipart(
        held.port,
        { query: ORGANIZER_LATER, variables: { slug: SLUG } },
        { 'x-request-id': 'req-defer-left' },
      );
      await expect(reply.next()).resolves.toMatchObject({ hasNext: true });
      reply.leave();
      await eventually(() => held.requestLogs('req-defer-left').length > 0);
      // The deferred part completes after the client left: nothing more is logged.
      gate.open();
      await eventually(() => gate.answered > 0);
      expect(held.requestLogs('req-defer-left')).toEqual([
        expect.objectContaining({ status: null, outcome: 'aborted', operation: 'CampaignThenOrganizer' }),
      ]);
    } finally {
      gate.close();
    }
  });

  it.each([
    [
      'in list elements',
      `query AttractionCampaignOrganizers($slug: String!) {
        attraction(slug: $slug) { name campaigns { slug ... @defer { status organizer { name } } } }
      }`,
      { slug: 'leshan-giant-buddha' },
      undefined,
    ],
    [
      'nested, labelled, on fragment spreads, with aliases and at the root',
      `query Nested($slug: String!) {
        alliance { name }
        ... @defer(label: "root") { c: campaign(slug: $slug) { name } }
        campaign(slug: $slug) {
          slug
          ...Later @defer(label: "later")
        }
      }
      fragment Later on Campaign {
        status
        lead: organizer { name ... @defer(label: "kind") { kind } }
        participants(first: 3) { nodes { role member { slug ... @defer { n: name } } } }
      }`,
      { slug: SLUG },
      undefined,
    ],
    [
      'with a false @defer(if:) next to a true one',
      `query Conditional($slug: String!, $later: Boolean!) {
        campaign(slug: $slug) { name ... @defer(if: $later) { status } ... @defer(if: true) { organizer { name } } }
      }`,
      { slug: SLUG, later: false },
      `query Conditional($slug: String!) { campaign(slug: $slug) { name status organizer { name } } }`,
    ],
    [
      'nested in a deferred fragment, with a false @defer(if:) inside',
      `query InnerOff($slug: String!, $x: Boolean!) {
        campaign(slug: $slug) { name ... @defer { organizer { name ... @defer(if: $x) { kind } } } }
      }`,
      { slug: SLUG, x: false },
      `query InnerOff($slug: String!) { campaign(slug: $slug) { name organizer { name kind } } }`,
    ],
  ])('assembles, %s, into exactly the undeferred answer', async (_name, query, variables, plainQuery) => {
    const { parts } = await (await postMultipart(gateway.port, { query, variables })).rest();
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.slice(0, -1).every((part) => part.hasNext === true)).toBe(true);
    expect(parts.at(-1)?.hasNext).toBe(false);
    const plain = await send(gateway.url, jsonPost({ query: plainQuery ?? undeferred(query), variables }));
    expect(plain.body?.errors).toBeUndefined();
    expect(assemble(parts)).toEqual({ data: plain.body?.data, errors: [] });
  });

  it('gives each list element its own item, with its path and label', async () => {
    const query = `query Organizers { campaigns(first: 3) { nodes { slug ... @defer(label: "o") { organizer { name } } } } }`;
    const { parts } = await (await postMultipart(gateway.port, { query })).rest();
    const items = parts.slice(1).flatMap((part) => part.incremental ?? []);
    expect(items.map((item) => [item.path, item.label])).toEqual([
      [['campaigns', 'nodes', 0], 'o'],
      [['campaigns', 'nodes', 1], 'o'],
      [['campaigns', 'nodes', 2], 'o'],
    ]);
  });

  it('masks internal errors of a deferred part, with the request id and no subgraph name', async () => {
    const faulty = new Gate(graph.subgraphs.membership!.url, (body) => ({
      data: { _entities: (body.variables?.representations ?? []).map(() => null) },
      errors: [{ message: 'ER_ACCESS_DENIED for root@10.0.0.7', path: ['_entities', 0] }],
    }));
    await faulty.start();
    faulty.open();
    const failing = await graph.startGateway({ GATEWAY_EXECUTOR: 'ours', SUBGRAPH_MEMBERSHIP_URL: faulty.url });
    try {
      const reply = await postMultipart(
        failing.port,
        { query: ORGANIZER_LATER, variables: { slug: SLUG } },
        { 'x-request-id': 'req-defer-masked' },
      );
      const { parts, raw } = await reply.rest();
      expect(raw).not.toContain('ER_ACCESS_DENIED');
      expect(raw).not.toContain('membership');
      expect(parts).toEqual([
        { data: { campaign: { name: expect.any(String) } }, hasNext: true },
        {
          incremental: [
            {
              data: { organizer: null },
              path: ['campaign'],
              label: 'organizer',
              errors: [
                {
                  message: 'Internal server error',
                  path: ['campaign', 'organizer'],
                  extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-defer-masked' },
                },
              ],
            },
          ],
          hasNext: false,
        },
      ]);
      expect(failing.requestLogs('req-defer-masked')).toEqual([
        expect.objectContaining({ status: 200, outcome: 'error', errorCodes: ['INTERNAL_SERVER_ERROR'] }),
      ]);
    } finally {
      faulty.close();
    }
  });

  it('keeps the first part whole when the subgraph of the deferred part is down: SUBGRAPH_UNAVAILABLE in that part', async () => {
    const down = await graph.startGateway({
      GATEWAY_EXECUTOR: 'ours',
      SUBGRAPH_MEMBERSHIP_URL: 'http://127.0.0.1:1/graphql',
    });
    const reply = await postMultipart(
      down.port,
      { query: ORGANIZER_LATER, variables: { slug: SLUG } },
      { 'x-request-id': 'req-defer-down' },
    );
    const { parts } = await reply.rest();
    expect(parts).toEqual([
      { data: { campaign: { name: expect.any(String) } }, hasNext: true },
      {
        incremental: [
          {
            data: { organizer: null },
            path: ['campaign'],
            label: 'organizer',
            errors: [
              expect.objectContaining({
                path: ['campaign', 'organizer'],
                extensions: { code: 'SUBGRAPH_UNAVAILABLE', requestId: 'req-defer-down' },
              }),
            ],
          },
        ],
        hasNext: false,
      },
    ]);
    expect(down.requestLogs('req-defer-down')).toEqual([
      expect.objectContaining({ status: 200, outcome: 'error', errorCodes: ['SUBGRAPH_UNAVAILABLE'] }),
    ]);
  });

  it('counts deferred fields toward the cost limit', async () => {
    const limited = await graph.startGateway({ GATEWAY_EXECUTOR: 'ours', LIMIT_MAX_COST: '50' });
    const query = `query Participants($slug: String!) {
      campaign(slug: $slug) { name ... @defer { participants(first: 50) { nodes { role } } } }
    }`;
    const refused = await send(limited.url, jsonPost({ query, variables: { slug: SLUG } }, { accept: ACCEPT_DEFER }));
    expect([refused.status, refused.body?.errors?.[0]?.extensions?.code]).toEqual([400, 'OPERATION_LIMIT_EXCEEDED']);
    const without = await send(
      limited.url,
      jsonPost({ query: `query Name($slug: String!) { campaign(slug: $slug) { name } }`, variables: { slug: SLUG } }),
    );
    expect(without.status).toBe(200);
  });

  it.each([
    ['no Accept header', {}],
    ['Accept: application/json', { accept: 'application/json' }],
    ['multipart/mixed without deferSpec', { accept: 'multipart/mixed, application/json' }],
    ['only the newer incrementalSpec=v0.2', { accept: 'multipart/mixed;incrementalSpec=v0.2, application/json' }],
  ])('refuses a @defer operation with 406 BAD_REQUEST for %s, as Apollo Server does', async (_name, headers) => {
    const statements = graph.sqlStatements('campaigns');
    const reply = await send(
      gateway.url,
      jsonPost({ query: ORGANIZER_LATER, variables: { slug: SLUG } }, { ...headers, 'x-request-id': 'req-406' }),
    );
    expect(reply.status).toBe(406);
    expect(reply.body?.errors?.[0]).toMatchObject({
      message: expect.stringContaining('multipart/mixed;deferSpec=20220824'),
      extensions: { code: 'BAD_REQUEST', requestId: 'req-406' },
    });
    // Refused once the operation is resolved, before anything is fetched.
    expect(graph.sqlStatements('campaigns')).toBe(statements);
  });

  it.each([
    ['@defer(if: false)', '', 'false', {}],
    ['@defer(if: $later) with $later false by default', '($later: Boolean! = false)', '$later', {}],
  ])(
    'answers plain JSON when nothing is deferred (%s), whatever the client accepts',
    async (_name, definitions, condition, variables) => {
      const query = `query Off${definitions} { campaign(slug: "${SLUG}") { name ... @defer(if: ${condition}) { organizer { name } } } }`;
      const reply = await send(gateway.url, jsonPost({ query, variables }));
      expect(reply.status).toBe(200);
      expect(reply.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
      expect(reply.body).toEqual({
        data: { campaign: { name: expect.any(String), organizer: { name: expect.any(String) } } },
      });
    },
  );

  it('never stores a deferred answer in the response cache', async () => {
    const cached = await graph.startGateway({ GATEWAY_EXECUTOR: 'ours', RESPONSE_CACHE_ENTRIES: '100' });
    for (let i = 0; i < 2; i++) {
      const reply = await postMultipart(cached.port, { query: ORGANIZER_LATER, variables: { slug: SLUG } });
      expect(reply.headers['content-type']).toBe('multipart/mixed; boundary="-"; deferSpec=20220824');
      expect(reply.headers['cache-control']).toBe('no-store');
      expect((await reply.rest()).parts).toHaveLength(2);
    }
  });

  it('shows Apollo Client 4 (examples/defer) the first part, then the completed answer', async () => {
    // The organizer's subgraph answers only once Apollo Client has shown the first state.
    const gate = new Gate(graph.subgraphs.membership!.url);
    await gate.start();
    const gateway = await graph.startGateway({ GATEWAY_EXECUTOR: 'ours', SUBGRAPH_MEMBERSHIP_URL: gate.url });
    const client = createDeferClient(`${gateway.url}/graphql`);
    try {
      const states = await cardStates(client, SLUG, () => gate.open());
      expect(states).toEqual([
        { dataState: 'streaming', name: 'Sichuan Winter Tourism Season 2024', organizer: undefined },
        { dataState: 'complete', name: 'Sichuan Winter Tourism Season 2024', organizer: 'Tianfu Daily' },
      ]);
    } finally {
      client.stop();
      gate.close();
    }
  });
});

describe('@defer with the executor of @apollo/gateway (GATEWAY_EXECUTOR=apollo)', () => {
  let graph: InProcessGraph;
  beforeAll(async () => {
    graph = await startInProcessGraph({ GATEWAY_EXECUTOR: 'apollo' });
  });
  afterAll(() => graph?.stop());

  it('is unknown to the schema: 400 GRAPHQL_VALIDATION_FAILED, nothing fetched', async () => {
    const reply = await send(
      graph.gateway.url,
      jsonPost({ query: ORGANIZER_LATER, variables: { slug: SLUG } }, { accept: ACCEPT_DEFER }),
    );
    expect(reply.status).toBe(400);
    expect(reply.body?.errors?.[0]).toMatchObject({
      message: 'Unknown directive "@defer".',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  });
});
