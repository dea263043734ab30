/**
 * `npm start` as the development supervisor: the real command (`node scripts/launch.cjs
 * scripts/start`) with every service a real process. The services listen on their fixed ports
 * (4000-4004), so the graph runs in a private network namespace when `unshare` works (root), and
 * the test reaches it with `nsenter`; elsewhere on the host's loopback.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_PORTS } from '../../subgraphs';
import { waitFor } from '../support/load';
import { canIsolateNetwork } from '../support/netns';

const ROOT = path.resolve(__dirname, '../..');
const GATEWAY = `http://127.0.0.1:${DEFAULT_PORTS.gateway}/graphql`;
/** Alliance data from membership and an attraction from tourism. */
const QUERY = '{ alliance { name } attraction(slug: "mount-emei") { name } }';

const isolated = canIsolateNetwork();

/** `npm start` running as a child of the test. */
interface Supervisor {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** The process id of `service` (`tourism`, `gateway`) running under the supervisor now. */
  pid: (service: string) => number | undefined;
  /** Posts `query` to the gateway from inside the graph's network; the parsed answer. */
  query: (
    query: string,
  ) => Promise<{ data?: unknown; errors?: Array<{ path?: unknown[]; extensions?: { code?: string } }> }>;
}

function startSupervisor(dataDir: string, env: Record<string, string>): Supervisor {
  const command = 'exec node scripts/launch.cjs scripts/start';
  const child = isolated
    ? spawn('unshare', ['-n', 'bash', '-c', `ip link set lo up && ${command}`], { cwd: ROOT, env: environment() })
    : spawn('bash', ['-c', command], { cwd: ROOT, env: environment() });
  function environment(): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dataDir,
      NODE_ENV: 'development',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      // The answers under test must come from the subgraphs, not from the gateway's cache.
      RESPONSE_CACHE_ENTRIES: '0',
      ...env,
    };
  }
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    exited,
    pid: (service) => {
      const entry = service === 'gateway' ? 'gateway/index' : `subgraphs/${service}/index`;
      return childrenOf(child.pid!).find((pid) => commandLine(pid).includes(entry));
    },
    query: (query) =>
      new Promise((resolve, reject) => {
        const body = JSON.stringify({ query });
        const args = ['curl', '-sS', '-m', '10', GATEWAY, '-H', 'content-type: application/json', '-d', body];
        const [file, ...rest] = isolated ? ['nsenter', `--net=/proc/${child.pid}/ns/net`, ...args] : args;
        execFile(file!, rest, (error, stdout) => {
          if (error) return reject(error);
          try {
            resolve(JSON.parse(stdout) as never);
          } catch {
            reject(new Error(`not JSON: ${stdout}`));
          }
        });
      }),
  };
}

function readProc(pid: number, file: string): string {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return ''; // gone meanwhile
  }
}
const commandLine = (pid: number) => readProc(pid, 'cmdline').split('\0').join(' ');
const allPids = () =>
  fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);

/** Processes whose parent is `parent`. */
function childrenOf(parent: number): number[] {
  // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
  return allPids().filter((pid) => Number(readProc(pid, 'stat').split(') ')[1]?.split(' ')[1]) === parent);
}

/** Live processes of the graph started with `dataDir`: every service inherits `DATA_DIR`. */
function graphProcesses(dataDir: string): number[] {
  return allPids().filter((pid) => readProc(pid, 'environ').split('\0').includes(`DATA_DIR=${dataDir}`));
}

describe('npm start supervises the services', () => {
  let dataDir: string;
  let supervisor: Supervisor;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'alliance-supervisor-'));
    supervisor = startSupervisor(dataDir, {});
    await waitFor(
      () => supervisor.output().includes('Alliance graph ready') || supervisor.child.exitCode !== null,
      150_000,
      'npm start ready',
    );
    if (supervisor.child.exitCode !== null) throw new Error(`npm start exited:\n${supervisor.output()}`);
  });
  afterAll(async () => {
    if (supervisor?.child.exitCode === null) supervisor.child.kill('SIGTERM');
    await supervisor?.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the whole graph', async () => {
    expect(await supervisor.query(QUERY)).toEqual({
      data: { alliance: { name: expect.any(String) }, attraction: { name: expect.any(String) } },
    });
  });

  it('restarts a subgraph killed with SIGKILL and says so; the gateway serves the rest meanwhile, and everything once it is back', async () => {
    const others = ['gateway', 'membership', 'content', 'campaigns'].map(supervisor.pid);
    const tourism = supervisor.pid('tourism');
    process.kill(tourism!, 'SIGKILL');
    await waitFor(
      () => /^tourism: exited \(SIGKILL\); restarting in 0\.5 s/m.test(supervisor.output()),
      10_000,
      'the restart notice',
    );
    // Restarting takes at least the 0.5 s pause: the graph answers without tourism meanwhile.
    const partial = await supervisor.query(QUERY);
    expect(partial).toEqual({
      data: { alliance: { name: expect.any(String) }, attraction: null },
      errors: [
        expect.objectContaining({
          path: ['attraction'],
          extensions: expect.objectContaining({ code: 'SUBGRAPH_UNAVAILABLE' }),
        }),
      ],
    });
    await waitFor(() => ![undefined, tourism].includes(supervisor.pid('tourism')), 10_000, 'tourism started again');
    // Full answers again once the new process is ready, without restarting the gateway.
    let answer: Awaited<ReturnType<Supervisor['query']>> = {};
    await waitFor(
      () => answer.errors === undefined && answer.data !== undefined,
      60_000,
      'a full answer',
      async () => {
        answer = await supervisor.query(QUERY).catch(() => ({}));
      },
    );
    expect(answer).toEqual({
      data: { alliance: { name: expect.any(String) }, attraction: { name: expect.any(String) } },
    });
    // Nothing else was restarted.
    expect(['gateway', 'membership', 'content', 'campaigns'].map(supervisor.pid)).toEqual(others);
  });

  it('stops every service on Ctrl-C (SIGINT) and exits 0', async () => {
    expect(graphProcesses(dataDir).length).toBeGreaterThanOrEqual(6);
    process.kill(supervisor.child.pid!, 'SIGINT');
    expect(await supervisor.exited).toBe(0);
    expect(graphProcesses(dataDir)).toEqual([]);
  });
});

describe('npm start with a service that cannot start', () => {
  it('tries it 3 times, then stops every service and exits 1', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'alliance-supervisor-'));
    try {
      // Only tourism reads this variable; it refuses the scheme at start-up and exits 1.
      const supervisor = startSupervisor(dataDir, { TOURISM_DATABASE_URL: 'postgres://db.invalid:5432/tourism' });
      const timer = setTimeout(() => supervisor.child.kill('SIGKILL'), 120_000);
      const code = await supervisor.exited;
      clearTimeout(timer);
      const output = supervisor.output();
      expect(code).toBe(1);
      expect(output).toMatch(
        /^tourism: exited \(code 1\) before it was ready, 3 times in a row; stopping everything$/m,
      );
      // Each try printed the service's own one-line start-up error.
      expect(output.match(/^\[tourism\] +tourism: TOURISM_DATABASE_URL has unsupported scheme/gm)).toHaveLength(3);
      expect(graphProcesses(dataDir)).toEqual([]);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
