import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
/** Names the directory of the services compiled for this Jest run (test/support/compiled-services.ts). */
export const COMPILED_SERVICES_ENV = 'ALLIANCE_COMPILED_SERVICES';

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * True when `/healthz` answers 200. On a connection of its own that closes with the answer: an
 * idle keep-alive connection left by the check would hold the service's drain at stop until the
 * keep-alive timeout (5 s in production mode), in every test that stops what it started.
 */
function answersHealthz(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('error', () => resolve(false));
  });
}

/** A service running as its own process, as in production. */
export interface RunningService {
  port: number;
  url: string;
  /**
   * The operator's listener (`METRICS_PORT`: `/metrics`, detailed `/readyz`) of a gateway
   * started by {@link startService}; absent for processes started otherwise.
   */
  metricsUrl?: string;
  child: ChildProcess;
  output: () => string;
  /** Sends SIGTERM and resolves with the exit code once the process is gone. */
  stop: () => Promise<number | null>;
}

function spawnEntry(
  entry: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): { child: ChildProcess; output: () => string } {
  // The services compiled once for this Jest run, else (bench, a script) the source through tsx.
  const compiled = process.env[COMPILED_SERVICES_ENV];
  const command = compiled
    ? [path.join(compiled, entry.replace(/\.ts$/, '.js'))]
    : ['--import', 'tsx', path.join(ROOT, entry)];
  const child = spawn(process.execPath, [...nodeArgs, ...command], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { child, output: () => text };
}

/**
 * Starts `entry` (e.g. `gateway/index.ts`) on a free port and waits until `/healthz` answers.
 * `METRICS_PORT` gets a free port too (the gateway's default, 9464, would collide between
 * processes); subgraphs ignore it. `nodeArgs` go to Node itself (e.g. `--cpu-prof`, which
 * NODE_OPTIONS does not accept).
 */
export async function startService(
  entry: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<RunningService> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const metricsPort = env.METRICS_PORT ? Number(env.METRICS_PORT) : await freePort();
  const { child, output } = spawnEntry(
    entry,
    { ...env, PORT: String(port), METRICS_PORT: String(metricsPort) },
    nodeArgs,
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${entry} exited with ${child.exitCode}:\n${output()}`);
    if (await answersHealthz(port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${entry} did not start within 120s:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    metricsUrl: `http://127.0.0.1:${metricsPort}`,
    child,
    output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Runs `entry` until it exits by itself (a start-up failure); resolves with code and output. */
export function runToExit(
  entry: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const { child, output } = spawnEntry(entry, env);
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output: output() });
    }),
  );
}

/** Posts a GraphQL operation and returns the HTTP status and parsed body. */
export async function graphql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  body: {
    data?: T | null;
    errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
  };
}> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as never };
}
