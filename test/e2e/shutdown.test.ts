/**
 * Graceful shutdown of real processes in production mode (NODE_ENV=production, where Apollo
 * Server would install its own signal handler; tests elsewhere run with NODE_ENV=test, where it
 * is off). The services run from the TypeScript sources through tsx, as in the other process
 * tests; the compiled build runs the same code (test/e2e/runtime.test.ts covers the build).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { ANONYMOUS, ASSERTION_HEADER, signAssertion } from '../../subgraphs/kit/identity';
import { type LoadOutcome, startLoad, waitFor } from '../support/load';
import { type RunningService, graphql, startService } from '../support/processes';
import { FaultProxy } from '../support/proxy';
import { productionSecrets } from '../support/secrets';

const SECRETS = productionSecrets('e2e-shutdown');
const PRODUCTION = { NODE_ENV: 'production', ...SECRETS };
const QUERY = JSON.stringify({ query: '{ members(first: 1) { totalCount } }' });
const ANSWERED = '200 with data';

/** What became of each request: an answer with data, another status, or the client's error code. */
function tally(outcomes: LoadOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) {
    const data = outcome.body?.data as { members?: { totalCount?: number } } | undefined;
    const key =
      outcome.error ??
      (outcome.status === 200 && typeof data?.members?.totalCount === 'number' && !outcome.body?.errors
        ? ANSWERED
        : `${outcome.status} ${JSON.stringify(outcome.body).slice(0, 200)}`);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/**
 * Keeps 16 clients busy against `service`, sends SIGTERM mid-load and checks what a client sees:
 * every request sent before the signal is answered in full; requests sent afterwards on open
 * connections are answered too (each with `Connection: close`); the only refusals are new
 * connections to the closed port. The service logs `stopped` and exits 0.
 */
async function expectDrainUnderLoad(service: RunningService, headers: Record<string, string> = {}): Promise<void> {
  const load = startLoad({ url: `${service.url}/graphql`, body: QUERY, headers, clients: 16 });
  await waitFor(() => load.outcomes.length >= 300, 60_000, '300 answers before the signal');
  const sentBeforeSignal = load.sent();
  const exitCode = await service.stop();
  const outcomes = await load.stop();

  const before = outcomes.filter((o) => o.seq < sentBeforeSignal);
  const after = outcomes.filter((o) => o.seq >= sentBeforeSignal);
  expect(tally(before)).toEqual({ [ANSWERED]: before.length });
  const { [ANSWERED]: _answered, ECONNREFUSED: _refused, ...otherwise } = tally(after);
  expect(otherwise).toEqual({});
  expect(exitCode).toBe(0);
  expect(service.output()).toMatch(/"msg":"stopped"/);
}

describe('shutdown in production mode', () => {
  let dataDir: string;
  let membership: RunningService;
  const gateways: RunningService[] = [];

  const startGateway = async () => {
    const gateway = await startService('gateway/index.ts', {
      ...PRODUCTION,
      SUBGRAPH_MEMBERSHIP_URL: `${membership.url}/graphql`,
      // Every request goes through to the subgraph, none is refused.
      RESPONSE_CACHE_ENTRIES: '0',
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: '0',
    });
    gateways.push(gateway);
    return gateway;
  };

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'alliance-shutdown-'));
    membership = await startService('subgraphs/membership/index.ts', {
      ...PRODUCTION,
      DATA_DIR: dataDir,
      SEED: 'if-empty',
    });
  });
  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await membership?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('the gateway answers every request sent before SIGTERM, drains open connections and exits 0', async () => {
    await expectDrainUnderLoad(await startGateway());
  });

  it('the gateway answers a request arriving after SIGTERM on an idle keep-alive connection, with Connection: close', async () => {
    const gateway = await startGateway();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await post(gateway.url, agent)).status).toBe(200);
      const exited = gateway.stop();
      await waitFor(() => gateway.output().includes('shutting down'), 10_000, 'the shutdown log line');
      // The client has not seen anything of the shutdown: it reuses its connection.
      const second = await post(gateway.url, agent);
      expect(second).toEqual({ status: 200, reused: true, connection: 'close', totalCount: expect.any(Number) });
      expect(await exited).toBe(0);
    } finally {
      agent.destroy();
    }
  });

  it('cuts a request still unanswered at SHUTDOWN_TIMEOUT_MS, says so, and exits 0', async () => {
    const proxy = new FaultProxy(membership.url);
    await proxy.up();
    try {
      const gateway = await startService('gateway/index.ts', {
        ...PRODUCTION,
        SUBGRAPH_MEMBERSHIP_URL: `${proxy.url}/graphql`,
        SHUTDOWN_TIMEOUT_MS: '300',
      });
      gateways.push(gateway);
      proxy.mode = { kind: 'delay', ms: 5_000 };
      const slow = graphql(gateway.url, '{ members(first: 1) { totalCount } }').then(
        () => 'answered',
        () => 'connection cut',
      );
      await waitFor(() => proxy.received > 0, 10_000, 'the request reaching the subgraph');
      expect(await gateway.stop()).toBe(0);
      expect(await slow).toBe('connection cut');
      expect(gateway.output()).toMatch(/"cut":1,"msg":"drain deadline reached: unanswered requests cut"/);
      expect(gateway.output()).toMatch(/"cut":1,"msg":"stopped"/);
    } finally {
      await proxy.down();
    }
  });

  it('a subgraph answers every request sent before SIGTERM, drains open connections, closes its database and exits 0', async () => {
    const subgraph = await startService('subgraphs/membership/index.ts', { ...PRODUCTION, DATA_DIR: dataDir });
    const assertion = await signAssertion(ANONYMOUS, {
      secret: new TextEncoder().encode(SECRETS.GATEWAY_ASSERTION_SECRET),
      deploymentId: SECRETS.DEPLOYMENT_ID,
    });
    await expectDrainUnderLoad(subgraph, { [ASSERTION_HEADER]: assertion });
  });

  it('a subgraph closes its WebSocket subscriptions with 1001 (going away) when the drain begins, and exits 0', async () => {
    // Open subscriptions would hold the drain until SHUTDOWN_TIMEOUT_MS, then the exit would be 1.
    const content = await startService('subgraphs/content/index.ts', {
      ...PRODUCTION,
      DATA_DIR: dataDir,
      SEED: 'if-empty',
      SHUTDOWN_TIMEOUT_MS: '10000',
    });
    const assertion = await signAssertion(ANONYMOUS, {
      secret: new TextEncoder().encode(SECRETS.GATEWAY_ASSERTION_SECRET),
      deploymentId: SECRETS.DEPLOYMENT_ID,
    });
    const client = createClient({
      url: `${content.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { [ASSERTION_HEADER]: assertion },
    });
    const connected = new Promise((resolve) => client.on('connected', resolve));
    const closed = new Promise<number>((resolve) =>
      client.on('closed', (event) => resolve((event as { code: number }).code)),
    );
    const subscription = client.iterate({ query: 'subscription { contentPublished { id } }' }).next();
    subscription.catch(() => undefined);
    await connected;
    expect(await content.stop()).toBe(0);
    expect(await closed).toBe(1001);
    expect(content.output()).toMatch(/"cut":0,"msg":"stopped"/);
    await client.dispose();
  });

  it("the gateway closes its clients' WebSocket connections with 1001 (going away) when the drain begins, and exits 0", async () => {
    const gateway = await startGateway();
    const client = createClient({
      url: `${gateway.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      // The close is what the test waits for, not an error to print.
      onNonLazyError: () => undefined,
    });
    const closed = new Promise<number>((resolve) =>
      client.on('closed', (event) => resolve((event as { code: number }).code)),
    );
    await new Promise((resolve) => client.on('connected', resolve));
    expect(await gateway.stop()).toBe(0);
    expect(await closed).toBe(1001);
    expect(gateway.output()).toMatch(/"cut":0,"msg":"stopped"/);
    await client.dispose();
  });
});

/** One query on `agent`: its status, whether it reused a connection, and the `Connection` header. */
function post(
  url: string,
  agent: http.Agent,
): Promise<{ status?: number; reused: boolean; connection?: string; totalCount?: number }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${url}/graphql`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const body = JSON.parse(text) as { data?: { members?: { totalCount?: number } } };
          resolve({
            status: response.statusCode,
            reused: request.reusedSocket,
            connection: response.headers.connection,
            totalCount: body.data?.members?.totalCount,
          });
        });
      },
    );
    request.on('error', reject);
    request.end(QUERY);
  });
}
