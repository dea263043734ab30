/**
 * `npm start`: runs every subgraph and the gateway as separate processes,
 * seeds empty databases, waits until each is ready, prints the URL, and stops all
 * of them cleanly on Ctrl-C. Each service can also be started alone
 * (`npm run start:gateway`, `npm run start:membership`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { DEFAULT_PORTS } from '../subgraphs/kit/config';
import { DEV_CREDENTIALS } from '../subgraphs/membership/credentials';
import { ROOT, allSubgraphs } from './subgraphs';

interface Service {
  name: string;
  /** Path from the repository root without extension, as `scripts/launch.cjs` takes it. */
  entry: string;
  port: number;
  env: NodeJS.ProcessEnv;
}

const children = new Map<string, ChildProcess>();
let stopping = false;

function launch(service: Service): ChildProcess {
  // Through the launcher, so production runs the compiled services and development the sources.
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts/launch.cjs'), service.entry], {
    cwd: ROOT,
    env: { ...process.env, ...service.env, PORT: String(service.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${service.name}] `.padEnd(14);
  const relay = (stream: NodeJS.WritableStream) => (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line) stream.write(prefix + line + '\n');
  };
  child.stdout?.on('data', relay(process.stdout));
  child.stderr?.on('data', relay(process.stderr));
  child.on('exit', (code, signal) => {
    children.delete(service.name);
    if (!stopping) {
      process.stderr.write(`${service.name} exited (${signal ?? `code ${code}`}); stopping everything\n`);
      void stopAll(1);
    }
  });
  children.set(service.name, child);
  return child;
}

async function waitReady(service: Service, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (stopping) return;
    try {
      const response = await fetch(`http://127.0.0.1:${service.port}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`${service.name} did not become ready within ${timeoutMs / 1000}s`);
}

async function stopAll(code: number): Promise<void> {
  stopping = true;
  const exits = [...children.values()].map(
    (child) => new Promise<void>((resolve) => child.once('exit', () => resolve())),
  );
  for (const child of children.values()) child.kill('SIGTERM');
  await Promise.all(exits);
  process.exit(code);
}

async function main(): Promise<void> {
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  const subgraphs: Service[] = allSubgraphs().map((s) => ({
    name: s.name,
    entry: `subgraphs/${s.name}/index`,
    port: s.port,
    env: { SEED: process.env.SEED ?? 'if-empty' },
  }));
  for (const service of subgraphs) launch(service);
  await Promise.all(subgraphs.map((s) => waitReady(s)));

  const gateway: Service = {
    name: 'gateway',
    entry: 'gateway/index',
    port: Number(process.env.GATEWAY_PORT ?? DEFAULT_PORTS.gateway),
    env: {},
  };
  launch(gateway);
  await waitReady(gateway);
  if (stopping) return;

  const url = `http://localhost:${gateway.port}/graphql`;
  process.stdout.write(
    [
      '',
      `  Alliance graph ready: ${url}`,
      ...subgraphs.map((s) => `    ${s.name.padEnd(11)} http://127.0.0.1:${s.port}/graphql`),
      `  Try: curl -s ${url} -H 'content-type: application/json' \\`,
      `         -d '{"query":"{ members(first: 5) { totalCount nodes { slug name kind } } }"}'`,
      ...devCredentialLines(url),
      '  Ctrl-C stops everything.',
      '',
    ].join('\n') + '\n',
  );
}

/** Development credentials, printed outside production only: they are public by design. */
function devCredentialLines(url: string): string[] {
  if (process.env.NODE_ENV === 'production') return [];
  return [
    '  Development credentials (send as Authorization: Bearer <key>):',
    `    admin  (${DEV_CREDENTIALS.admin.memberSlug})  ${DEV_CREDENTIALS.admin.secret}`,
    `    member (${DEV_CREDENTIALS.member.memberSlug})  ${DEV_CREDENTIALS.member.secret}`,
    `  Access token for browser apps: curl -s -X POST ${url.replace('/graphql', '/auth/token')} -H 'authorization: Bearer <key>'`,
  ];
}

main().catch((error: unknown) => {
  process.stderr.write(`start failed: ${error instanceof Error ? error.message : String(error)}\n`);
  void stopAll(1);
});
