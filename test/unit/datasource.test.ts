import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import { type GatewayContext, SUBGRAPH_UNAVAILABLE, SubgraphDataSource } from '../../gateway/datasource';
import { GatewayMetrics } from '../../gateway/metrics';
import { ANONYMOUS } from '../../subgraphs/kit/identity';
import { createLogger } from '../../subgraphs/kit/logger';
import { freePort } from '../support/processes';

/** A stand-in subgraph whose behaviour each test chooses; counts the requests it received. */
interface FakeSubgraph {
  url: string;
  received: () => number;
  answer: (handler: (req: http.IncomingMessage, res: http.ServerResponse, attempt: number) => void) => void;
  close: () => Promise<void>;
}

async function fakeSubgraph(): Promise<FakeSubgraph> {
  let count = 0;
  let handler: (req: http.IncomingMessage, res: http.ServerResponse, attempt: number) => void = () => undefined;
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    count += 1;
    req.resume();
    req.on('end', () => handler(req, res, count));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    received: () => count,
    answer: (next) => {
      count = 0;
      handler = next;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const context: GatewayContext = {
  requestId: 'req-unit',
  acceptLanguage: undefined,
  identity: ANONYMOUS,
  assertion: 'a',
};

/** Options as @apollo/gateway passes them for one fetch of a client operation. */
function fetchOf(query: string, variables?: Record<string, unknown>): GraphQLDataSourceProcessOptions<GatewayContext> {
  return {
    kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
    request: { query, variables },
    context,
    incomingRequestContext: {} as never,
  };
}

describe('the subgraph data source maps every failure to SUBGRAPH_UNAVAILABLE at the affected paths', () => {
  let subgraph: FakeSubgraph;
  const metrics = new GatewayMetrics();
  const logger = createLogger('test', 'silent');
  const sources: SubgraphDataSource[] = [];
  const source = (url: string, timeoutMs = 2000) => {
    const made = new SubgraphDataSource('tourism', url, timeoutMs, metrics, logger, {
      maxSockets: 4,
      dedupe: false,
      idleTimeoutMs: 2000,
    });
    sources.push(made);
    return made;
  };
  const failures = async (kind: string) =>
    (await metrics.subgraphErrors.get()).values.find((v) => v.labels.kind === kind)?.value ?? 0;

  beforeAll(async () => {
    subgraph = await fakeSubgraph();
  });
  afterAll(async () => {
    for (const made of sources) made.close();
    await subgraph.close();
  });

  it('passes a good answer through', async () => {
    subgraph.answer((_req, res) => res.setHeader('content-type', 'application/json').end('{"data":{"a":1}}'));
    const response = await source(subgraph.url).process(fetchOf('{ a }'));
    expect([response.data, response.errors]).toEqual([{ a: 1 }, undefined]);
  });

  it('a timeout: the fetch is cut and says "did not answer in time", at each root field', async () => {
    subgraph.answer(() => undefined); // never answers
    const before = await failures('timeout');
    const response = await source(subgraph.url, 100).process(fetchOf('{ first: a second: b }'));
    expect(response.data).toBeUndefined();
    expect(response.errors).toEqual(
      ['first', 'second'].map((key) => ({
        message: 'part of the graph did not answer in time; the data it holds is missing from this response',
        path: [key],
        extensions: { code: SUBGRAPH_UNAVAILABLE },
      })),
    );
    expect(await failures('timeout')).toBe(before + 1);
  });

  it('connection refused: "temporarily unavailable", at each entity of an entity fetch', async () => {
    const before = await failures('connection');
    const response = await source(`http://127.0.0.1:${await freePort()}/graphql`).process(
      fetchOf('query($representations: [_Any!]!) { _entities(representations: $representations) { __typename } }', {
        representations: [
          { __typename: 'Attraction', id: '1' },
          { __typename: 'Attraction', id: '2' },
        ],
      }),
    );
    expect(response.errors).toEqual(
      [0, 1].map((i) => ({
        message: 'part of the graph is temporarily unavailable; the data it holds is missing from this response',
        path: ['_entities', i],
        extensions: { code: SUBGRAPH_UNAVAILABLE },
      })),
    );
    expect(await failures('connection')).toBe(before + 1);
  });

  it("at each entity of each _entities alias of a batched entity fetch (Hive's planner)", async () => {
    const response = await source(`http://127.0.0.1:${await freePort()}/graphql`).process(
      fetchOf(
        'query($a: [_Any!]!, $b: [_Any!]!) { _e0: _entities(representations: $a) { __typename } _e1: _entities(representations: $b) { __typename } }',
        {
          a: [{ __typename: 'Attraction', id: '1' }],
          b: [
            { __typename: 'Campaign', id: '2' },
            { __typename: 'Campaign', id: '3' },
          ],
        },
      ),
    );
    expect(response.errors?.map((e) => e.path)).toEqual([
      ['_e0', 0],
      ['_e1', 0],
      ['_e1', 1],
    ]);
  });

  it('names no root field that @skip/@include leave out (with the variables sent, or their defaults), nor __typename', async () => {
    const down = source(`http://127.0.0.1:${await freePort()}/graphql`);
    const response = await down.process(
      fetchOf(
        'query($c: Boolean = true, $d: Boolean!) { __typename a @skip(if: $d) b @include(if: $c) ... @include(if: false) { c } ... { d @skip(if: false) b } }',
        { d: true },
      ),
    );
    expect(response.errors?.map((e) => e.path)).toEqual([['b'], ['d']]);
    // Nothing left: the fetch would have delivered nothing, so no error (Hive's planner sends such fetches).
    const skipped = await down.process(fetchOf('query($c: Boolean) { a @include(if: $c) }', { c: false }));
    expect(skipped.errors).toEqual([]);
  });

  it.each([
    ['a 5xx', (res: http.ServerResponse) => res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>down</h1>')],
    ['a 5xx with a JSON body', (res: http.ServerResponse) => res.writeHead(500).end('{"errors":[{"message":"boom"}]}')],
    [
      'an answer that is not JSON',
      (res: http.ServerResponse) => res.setHeader('content-type', 'application/json').end('<html>'),
    ],
    [
      'a JSON answer that is not an object',
      (res: http.ServerResponse) => res.setHeader('content-type', 'application/json').end('42'),
    ],
  ])('%s: "temporarily unavailable", no internals', async (_what, reply) => {
    subgraph.answer((_req, res) => reply(res));
    const before = await failures('http');
    const response = await source(subgraph.url).process(fetchOf('{ a }'));
    expect(response).toEqual({
      errors: [
        {
          message: 'part of the graph is temporarily unavailable; the data it holds is missing from this response',
          path: ['a'],
          extensions: { code: SUBGRAPH_UNAVAILABLE },
        },
      ],
    });
    expect(await failures('http')).toBe(before + 1);
  });

  it('retries a query once when the connection drops, and answers', async () => {
    subgraph.answer((req, res, attempt) => {
      if (attempt === 1) req.socket.destroy();
      else res.setHeader('content-type', 'application/json').end('{"data":{"a":2}}');
    });
    const response = await source(subgraph.url).process(fetchOf('{ a }'));
    expect([response.data, response.errors]).toEqual([{ a: 2 }, undefined]);
    expect(subgraph.received()).toBe(2);
  });

  it('sends a query at most twice in total, whatever fails: the pooled socket, the new connection, the retry', async () => {
    // Two pooled keep-alive sockets, then a subgraph that drops every request: the client's resend
    // on a new connection and a retry by the data source used to stack (4 sends of one query).
    subgraph.answer((_req, res) => res.setHeader('content-type', 'application/json').end('{"data":{"a":1}}'));
    const made = source(subgraph.url);
    await Promise.all([made.process(fetchOf('{ a }')), made.process(fetchOf('{ a }'))]);
    expect(subgraph.received()).toBe(2);
    subgraph.answer((req) => req.socket.destroy());
    const response = await made.process(fetchOf('query Two { a }'));
    expect(response.errors?.[0]?.extensions?.code).toBe(SUBGRAPH_UNAVAILABLE);
    expect(subgraph.received()).toBe(2);
  });

  it('never retries a mutation (it may have been applied)', async () => {
    subgraph.answer((req) => req.socket.destroy());
    const response = await source(subgraph.url).process(fetchOf('mutation { b }'));
    expect(response.errors?.[0]?.extensions?.code).toBe(SUBGRAPH_UNAVAILABLE);
    expect(subgraph.received()).toBe(1);
  });

  it('never retries after a timeout', async () => {
    subgraph.answer(() => undefined);
    await source(subgraph.url, 100).process(fetchOf('{ a }'));
    expect(subgraph.received()).toBe(1);
  });
});
