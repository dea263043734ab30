/**
 * The runtime contract: Node.js 24 or a one-line refusal, the compiled build that production
 * runs, and no outbound connection from any service but to the graph's own services.
 *
 * The no-egress runs start the whole graph exactly as `npm start` does (its command,
 * `node scripts/launch.cjs scripts/start`), in a private network namespace when `unshare` works
 * (root), with a preloaded recorder that logs every TCP connect, DNS lookup and UDP send of every
 * process before it happens. Without the gateway's own telemetry switch, `@apollo/gateway` looks up
 * `metadata.google.internal` at start and `usage-reporting.api.apollographql.com` on shutdown.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_PORTS } from '../../subgraphs';
import { canIsolateNetwork } from '../support/netns';
import { productionSecrets } from '../support/secrets';

const ROOT = path.resolve(__dirname, '../..');
const RECORDER = path.join(__dirname, '../support/egress-recorder.cjs');
const GRAPH_PORTS = new Set<number>(Object.values(DEFAULT_PORTS));
const QUERY = JSON.stringify({
  query:
    '{ members(first: 1) { totalCount nodes { slug contents(first: 1) { totalCount } } } ' +
    'attractions(first: 1) { totalCount } campaigns(first: 1) { totalCount } }',
});

interface EgressRecord {
  pid: number;
  kind: 'tcp' | 'dns' | 'udp';
  host: string;
  port: number | null;
}

const isLoopback = (host: string) => /^(localhost|127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/.test(host);

/**
 * Starts the graph as `npm start` does, sends one query through the gateway, stops it with
 * Ctrl-C (SIGINT) and returns the gateway's answer, the output and every recorded attempt.
 */
async function runGraph(env: Record<string, string>): Promise<{
  answer: string;
  output: string;
  exitCode: number | null;
  egress: EgressRecord[];
}> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alliance-egress-'));
  const egressLog = path.join(dir, 'egress.jsonl');
  const outputLog = path.join(dir, 'output.log');
  const gateway = `http://127.0.0.1:${DEFAULT_PORTS.gateway}`;
  const script = [
    'set -u',
    'if [ -n "${ISOLATED:-}" ]; then ip link set lo up; fi',
    `node scripts/launch.cjs scripts/start >"${outputLog}" 2>&1 &`,
    'pid=$!',
    `for _ in $(seq 1 480); do curl -fsS -o /dev/null ${gateway}/healthz 2>/dev/null && break; kill -0 $pid 2>/dev/null || exit 3; sleep 0.25; done`,
    `curl -sS ${gateway}/graphql -H 'content-type: application/json' -d '${QUERY}'`,
    'kill -INT $pid',
    'wait $pid',
  ].join('\n');
  const isolated = canIsolateNetwork();
  const [command, args] = isolated ? ['unshare', ['-n', 'bash', '-c', script]] : ['bash', ['-c', script]];
  const child = spawn(command, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dir,
      ...(isolated ? { ISOLATED: '1' } : {}),
      DATA_DIR: path.join(dir, 'data'),
      EGRESS_LOG: egressLog,
      NODE_OPTIONS: `--require ${RECORDER}`,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let answer = '';
  child.stdout.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const output = fs.existsSync(outputLog) ? fs.readFileSync(outputLog, 'utf8') : '';
  const egress = fs.existsSync(egressLog)
    ? fs
        .readFileSync(egressLog, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as EgressRecord)
    : [];
  fs.rmSync(dir, { recursive: true, force: true });
  return { answer, output, exitCode, egress };
}

/** Checks that the graph answered, the recorder saw every process, and nothing left the machine. */
function expectOnlyTheGraph(run: Awaited<ReturnType<typeof runGraph>>): void {
  const answer = JSON.parse(run.answer.trim().split('\n').pop() ?? '{}') as {
    data?: { members: { totalCount: number }; attractions: { totalCount: number } };
  };
  expect([run.exitCode, answer.data?.members.totalCount]).toEqual([0, 35]);
  expect(answer.data?.attractions.totalCount).toBeGreaterThan(0);
  // The recorder ran in the launcher and in all five services, and saw the gateway's fetches.
  expect(new Set(run.egress.map((r) => r.pid)).size).toBeGreaterThanOrEqual(6);
  expect(run.egress).toContainEqual(expect.objectContaining({ kind: 'tcp', port: DEFAULT_PORTS.membership }));
  const elsewhere = run.egress.filter(
    (r) => !isLoopback(r.host) || (r.kind !== 'dns' && (r.port === null || !GRAPH_PORTS.has(r.port))),
  );
  expect(elsewhere).toEqual([]);
}

describe('runtime', () => {
  it('refuses an older Node.js with one line and exit 1 before loading anything', () => {
    const stub = path.join(os.tmpdir(), `alliance-old-node-${randomBytes(4).toString('hex')}.cjs`);
    fs.writeFileSync(
      stub,
      "Object.defineProperty(process.versions, 'node', { value: '20.19.0' });\n" +
        "Object.defineProperty(process, 'version', { value: 'v20.19.0' });\n",
    );
    let result: { status: number | null; stderr: string };
    try {
      execFileSync(process.execPath, ['--require', stub, 'scripts/launch.cjs', 'scripts/start'], {
        cwd: ROOT,
        stdio: 'pipe',
      });
      result = { status: 0, stderr: '' };
    } catch (error) {
      const failed = error as { status: number | null; stderr: Buffer };
      result = { status: failed.status, stderr: failed.stderr.toString() };
    } finally {
      fs.rmSync(stub, { force: true });
    }
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('Node.js 24 LTS is needed (this is Node.js v20.19.0); see .nvmrc\n');
  });

  it('runs on Node.js 24 or newer', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
  });

  it('`npm start` in development makes no connection but to its own services', async () => {
    const run = await runGraph({ NODE_ENV: 'development' });
    if (run.exitCode !== 0) throw new Error(`npm start failed (${run.exitCode}):\n${run.answer}\n${run.output}`);
    expectOnlyTheGraph(run);
    expect(run.output).toContain('Alliance graph ready');
  });

  it('production builds, runs the compiled JavaScript and makes no connection but to its own services', async () => {
    execFileSync(process.execPath, ['scripts/build.cjs'], { cwd: ROOT, stdio: 'pipe' });
    for (const entry of [
      'gateway/index',
      'scripts/service',
      'scripts/healthcheck',
      'scripts/start',
      'subgraphs/content/index',
    ]) {
      expect(fs.existsSync(path.join(ROOT, 'dist', `${entry}.js`))).toBe(true);
    }
    const run = await runGraph({
      NODE_ENV: 'production',
      ...productionSecrets(),
      SEED: 'if-empty',
    });
    if (run.exitCode !== 0) throw new Error(`npm start failed (${run.exitCode}):\n${run.answer}\n${run.output}`);
    expectOnlyTheGraph(run);
    // Every service process ran from dist/, none through tsx.
    expect(run.output).not.toMatch(/tsx/);
  });
});
