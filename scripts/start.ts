/**
 * `npm start`: runs every subgraph and the gateway as separate processes,
 * seeds empty databases, waits until each is ready, prints the URL, and stops all
 * of them cleanly on Ctrl-C. Each service can also be started alone
 * (`npm run start:gateway`, `npm run start:service -- membership`).
 *
 * It supervises them as a development stand-in for an orchestrator: a service that exits
 * after it was ready is restarted after a pause that doubles with each restart (0.5 s up to
 * 10 s, back to 0.5 s once it has stayed up 30 s), and the others keep running. The gateway
 * serves the other subgraphs' data meanwhile. Only Ctrl-C (SIGINT, or SIGTERM to this
 * process) stops everything, or a service that exits before it is ready 3 times in a row.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { DEFAULT_PORTS, SUBGRAPHS } from '../subgraphs';
import { DEV_CREDENTIALS } from '../subgraphs/membership/credentials';
import { ROOT } from './subgraphs';

interface Service {
  name: string;
  /** Path from the repository root without extension, as `scripts/launch.cjs` takes it. */
  entry: string;
  port: number;
  env: NodeJS.ProcessEnv;
}

/** Exits before becoming ready, in a row, after which a service is given up (and everything stopped). */
const MAX_START_FAILURES = 3;
/** Pause before the first restart; it doubles with each restart, up to {@link MAX_RESTART_DELAY_MS}. */
const FIRST_RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 10_000;
/** A service up this long is well again: its next restart pauses {@link FIRST_RESTART_DELAY_MS}. */
const STABLE_MS = 30_000;
/** How long a service may take to become ready before `npm start` gives up. */
const READY_TIMEOUT_MS = 60_000;

/** A supervised service: its current process and its record of failures. */
interface Supervised {
  service: Service;
  child: ChildProcess | undefined;
  /** When the current process became ready; undefined while starting. */
  readySince: number | undefined;
  /** Exits before becoming ready, in a row. */
  startFailures: number;
  /** Restarts since the service last stayed up {@link STABLE_MS}. */
  recentRestarts: number;
  restartTimer: NodeJS.Timeout | undefined;
  /** Resolves the first time the service is ready. */
  ready: Promise<void>;
  markReady: () => void;
}

const supervised = new Map<string, Supervised>();
let stopping = false;

/** A line from `npm start` itself about one service, beside the service's own prefixed output. */
function say(name: string, message: string): void {
  process.stderr.write(`${name}: ${message}\n`);
}

function supervise(service: Service): Supervised {
  let markReady = () => undefined as void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const entry: Supervised = {
    service,
    child: undefined,
    readySince: undefined,
    startFailures: 0,
    recentRestarts: 0,
    restartTimer: undefined,
    ready,
    markReady,
  };
  supervised.set(service.name, entry);
  launch(entry);
  return entry;
}

function launch(entry: Supervised): void {
  const { service } = entry;
  // Through the launcher, so production runs the compiled services and development the sources.
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts/launch.cjs'), service.entry], {
    cwd: ROOT,
    env: { ...process.env, ...service.env, PORT: String(service.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  entry.child = child;
  entry.readySince = undefined;
  say(service.name, `started (pid ${child.pid})`);
  const prefix = `[${service.name}] `.padEnd(14);
  const relay = (stream: NodeJS.WritableStream) => (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line) stream.write(prefix + line + '\n');
  };
  child.stdout?.on('data', relay(process.stdout));
  child.stderr?.on('data', relay(process.stderr));
  child.on('exit', (code, signal) => onExit(entry, child, code, signal));
  void watchReadiness(entry, child);
}

/** Polls `/healthz` until this process answers (it is ready) or exits. */
async function watchReadiness(entry: Supervised, child: ChildProcess): Promise<void> {
  const url = `http://127.0.0.1:${entry.service.port}/healthz`;
  while (!stopping && entry.child === child && child.exitCode === null && child.signalCode === null) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      // Checked again after the await: the answer may come from a process that has just exited.
      if (response.ok && entry.child === child && child.exitCode === null && child.signalCode === null) {
        entry.readySince = Date.now();
        entry.startFailures = 0;
        entry.markReady();
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

function onExit(entry: Supervised, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
  if (entry.child !== child) return;
  entry.child = undefined;
  if (stopping) return;
  const { name } = entry.service;
  const how = signal ?? `code ${code}`;
  if (entry.readySince === undefined) {
    entry.startFailures += 1;
    if (entry.startFailures >= MAX_START_FAILURES) {
      say(name, `exited (${how}) before it was ready, ${entry.startFailures} times in a row; stopping everything`);
      void stopAll(1);
      return;
    }
  } else if (Date.now() - entry.readySince >= STABLE_MS) {
    entry.recentRestarts = 0;
  }
  const delay = Math.min(FIRST_RESTART_DELAY_MS * 2 ** entry.recentRestarts, MAX_RESTART_DELAY_MS);
  entry.recentRestarts += 1;
  say(name, `exited (${how}); restarting in ${delay / 1000} s; the other services keep running`);
  entry.restartTimer = setTimeout(() => {
    entry.restartTimer = undefined;
    if (!stopping) launch(entry);
  }, delay);
}

/** Resolves once the service is ready; fails if it takes longer than {@link READY_TIMEOUT_MS}. */
async function waitReady(entry: Supervised): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${entry.service.name} did not become ready within ${READY_TIMEOUT_MS / 1000}s`)),
      READY_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([entry.ready, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const children: ChildProcess[] = [];
  for (const entry of supervised.values()) {
    clearTimeout(entry.restartTimer);
    if (entry.child) children.push(entry.child);
  }
  const exits = children.map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once('exit', () => resolve());
      }),
  );
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(exits);
  process.exit(code);
}

async function main(): Promise<void> {
  // `on`, not `once`: a second Ctrl-C must not kill this process before the services are stopped.
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  // Where each subgraph answers, as the gateway's routes name them: the membership subgraph's
  // webhook dispatcher reads the other subgraphs' outbox feeds there (no Redis in development).
  const subgraphUrls = Object.fromEntries(
    SUBGRAPHS.map((s) => {
      const name = `SUBGRAPH_${s.name.toUpperCase()}_URL`;
      return [name, process.env[name] ?? `http://127.0.0.1:${s.port}/graphql`];
    }),
  );
  const subgraphs: Service[] = SUBGRAPHS.map((s) => ({
    name: s.name,
    entry: `subgraphs/${s.name}/index`,
    port: s.port,
    env: { SEED: process.env.SEED ?? 'if-empty', ...subgraphUrls },
  }));
  const running = subgraphs.map(supervise);
  await Promise.all(running.map(waitReady));
  if (stopping) return;

  const gateway: Service = {
    name: 'gateway',
    entry: 'gateway/index',
    port: Number(process.env.GATEWAY_PORT ?? DEFAULT_PORTS.gateway),
    env: {},
  };
  await waitReady(supervise(gateway));
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
      '  A service that exits is restarted; Ctrl-C stops everything.',
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
    `  In a browser: ${url} (explorer), ${url.replace('/graphql', '/console')} (admin console: the admin key)`,
  ];
}

main().catch((error: unknown) => {
  process.stderr.write(`start failed: ${error instanceof Error ? error.message : String(error)}\n`);
  void stopAll(1);
});
