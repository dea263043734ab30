/**
 * `npm run bench`: starts the subgraphs, our gateway and a stock gateway as real processes
 * over benchmark-scale data, drives each scenario through both with autocannon, adds a
 * direct-to-subgraph run of S1, and writes `docs/benchmarks.md`.
 *
 * Options: --scale N (default 10), --duration S per scenario (10), --connections C (16),
 * --soak S (only a soak of our gateway for S seconds, after --soak-warmup S, default 60), --profile (only S2
 * through ours, ours without deduplication and the stock gateway under `node --cpu-prof`, summarised in docs/profile.md;
 * with --only R the realistic mix R instead, printed, not written), --only S2 (scenarios whose names start
 * so, for a quick comparison; the report is then printed, not written), --out FILE (docs/benchmarks.md),
 * --executors (only the side-by-side comparison: S1, S2 without deduplication and the realistic mix R
 * through our gateway on each executor, the stock gateway and Hive Gateway's router runtime; printed).
 * Hive Gateway is installed on demand from bench/hive/package.json into bench/hive/node_modules.
 * --rounds N (1) measures every target of a scenario N times, interleaved, and sums the rounds.
 * --executor ours|apollo (GATEWAY_EXECUTOR of every run of our gateway; default: the gateway's own default),
 * --baseline DIR (with --executors: also our gateway from another checkout of this repository, e.g. a git worktree
 * of an earlier commit, as target `ours at baseline` with the settings of `ours`: a before/after in one run), --help.
 * --target NAME (repeatable) keeps only the side-by-side targets so named (e.g. `--only R --target ours`).
 * --profile-subgraphs (only R through our gateway, every subgraph under `node --cpu-prof`; each subgraph's CPU per
 * client operation and per subgraph request, and its profile summarised, in docs/profile-subgraphs.md).
 * --profile-subgraphs --baseline REF (REF a commit, extracted with git archive, or a directory): instead of the
 * profile, a before/after of the whole path: this checkout's stack (subgraphs, gateway, databases) and REF's own,
 * each seeded by its own code, both run R in --rounds interleaved rounds (no profiler); printed per round, with
 * each subgraph's CPU ms per client operation and per request, req/s and p99, and the median of the rounds' ratios.
 * --compiled runs our gateway and subgraphs (and a --baseline's) compiled to JavaScript first (SWC, as the
 * process tests run them) instead of through tsx: closer to production, which runs compiled code under plain Node.
 * --subscribers N (1000) and --publish-rate R (1 per second, for --duration S) size scenario S5: N subscribers of
 * contentPublished over WebSocket on a gateway process of its own, stories published through it at R per second;
 * it reports the delivery latency (publish request sent → event received) and the gateway's RSS per subscriber
 * (`--only S5` runs it alone; bench/subscriptions.ts).
 * `DATABASE_URL=mysql://...` runs on MySQL/MariaDB (databases alliance_bench_<name>, dropped at the end).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { readAssertionKey } from '../subgraphs/kit/config';
import { ANONYMOUS, ASSERTION_HEADER, IDENTITY_AUDIENCE, signAssertion } from '../subgraphs/kit/identity';
import { stableId } from '../subgraphs/kit/ids';
import { DEV_CREDENTIALS } from '../subgraphs/membership/credentials';
import { SUBGRAPH_NAMES } from '../subgraphs';
import { dropMysqlDatabase } from '../test/support/databases';
import { compileServicesOf } from '../test/support/compiled-services';
import { COMPILED_SERVICES_ENV, freePort, graphql, startService, type RunningService } from '../test/support/processes';
import { baselineSubgraphs, baselineTree, seedBaseline, startBaselineService } from './baseline';
import { cpuMs, rssMiB, RssSampler } from './procfs';
import { renderProfile, summariseProfile } from './profile';
import { S1, S3, S4_READ, S4_WRITE, s2Query } from './scenarios';
import { runSubscriptionBench } from './subscriptions';
import { loadGatewayConfig } from '../gateway/config';
import { benchAttractionSlug, benchCampaignSlug, seedForBenchmark } from './seed-scale';
import { REALISTIC_OPERATIONS, realisticRequests } from './realistic';
import {
  addCounters,
  renderSubgraphUsage,
  SUBGRAPH_USAGE_HEADER,
  type SubgraphCounters,
  type SubgraphUsage,
  subgraphUsage,
} from './subgraph-cpu';

const ROOT = path.resolve(__dirname, '..');
const { values: args } = parseArgs({
  options: {
    scale: { type: 'string', default: '10' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    soak: { type: 'string' },
    'soak-warmup': { type: 'string', default: '60' },
    profile: { type: 'boolean', default: false },
    'profile-subgraphs': { type: 'boolean', default: false },
    target: { type: 'string', multiple: true },
    only: { type: 'string' },
    executors: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '1' },
    out: { type: 'string', default: 'docs/benchmarks.md' },
    executor: { type: 'string' },
    baseline: { type: 'string' },
    subscribers: { type: 'string', default: '1000' },
    'publish-rate': { type: 'string', default: '1' },
    compiled: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  // The options are documented once, in this file's header comment.
  const header = /\/\*\*([\s\S]*?)\*\//.exec(fs.readFileSync(__filename, 'utf8'))?.[1] ?? '';
  process.stdout.write(`${header.replace(/^ \* ?/gm, '').trim()}\n`);
  process.exit(0);
}
if (args.executor !== undefined && !['ours', 'apollo'].includes(args.executor))
  throw new Error(`--executor must be ours or apollo, not ${args.executor}`);
const scale = Number(args.scale);
const duration = Number(args.duration);
const connections = Number(args.connections);
const secret = readAssertionKey({}, 'development');
const memberKey = `Bearer ${DEV_CREDENTIALS.member.secret}`;
const subscribers = Number(args.subscribers);
const publishRate = Number(args['publish-rate']);
if (!(subscribers >= 1) || !(publishRate > 0))
  throw new Error('--subscribers must be at least 1 and --publish-rate above 0');
/** Scenario S5's name (`--only S5`). */
const S5_NAME = 'S5 subscriptions over WebSocket';

/** The side-by-side comparison's scenarios (group `executors`). */
const SIDE_BY_SIDE_SCENARIOS = {
  s1: 'S1 side by side',
  s2: 'S2 side by side, no deduplication',
  r: 'R member-platform mix',
} as const;

/** Stands for the URL of {@link collectorStub} in a target's settings. */
const COLLECTOR_STUB = 'stub';

/** An OTLP/HTTP collector that accepts every export and keeps nothing; started on first use. */
let stubUrl: Promise<string> | undefined;
function collectorStub(): Promise<string> {
  stubUrl ??= new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`));
    server.unref();
  });
  return stubUrl;
}

/**
 * The side-by-side comparison's targets, each with the settings it runs with. No target shares
 * work between concurrent requests: our gateway runs with `SUBGRAPH_DEDUPE=false` and Hive Gateway
 * with its HTTP transport's `deduplicateInflightRequests: false` (`HIVE_DEDUPE=false`, read by
 * bench/hive/gateway.mjs); the stock gateway does not deduplicate POSTs. For R deduplication could
 * not apply anyway (every request differs), but the settings stay the same for every scenario.
 */
interface SideBySideTarget {
  name: string;
  kind: 'ours' | 'stock' | 'hive';
  env: Record<string, string>;
  /** Runs only when `--target` names it. */
  optIn?: boolean;
}
const SIDE_BY_SIDE: readonly SideBySideTarget[] = (<SideBySideTarget[]>[
  { name: 'ours', kind: 'ours', env: { GATEWAY_EXECUTOR: 'ours', SUBGRAPH_DEDUPE: 'false' } },
  { name: 'ours, apollo executor', kind: 'ours', env: { GATEWAY_EXECUTOR: 'apollo', SUBGRAPH_DEDUPE: 'false' } },
  // Usage recording off (it is on in `ours`): what recording costs, side by side (`--target ours --target "ours, usage off"`).
  {
    name: 'ours, usage off',
    kind: 'ours',
    env: { GATEWAY_EXECUTOR: 'ours', SUBGRAPH_DEDUPE: 'false', USAGE_RECORDING: 'false' },
    optIn: true,
  },
  // Traces on (docs/tracing.md), sent to a stub collector of this process that drops them: what tracing costs.
  {
    name: 'ours, traced',
    kind: 'ours',
    env: { GATEWAY_EXECUTOR: 'ours', SUBGRAPH_DEDUPE: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: COLLECTOR_STUB },
    optIn: true,
  },
  { name: 'stock', kind: 'stock', env: {} },
  { name: 'hive router runtime', kind: 'hive', env: { HIVE_DEDUPE: 'false' } },
]).filter((t) => (args.target ? args.target.includes(t.name) : !t.optIn));
if (args.target && SIDE_BY_SIDE.length === 0)
  throw new Error(
    `--target names none of the side-by-side targets (ours, "ours, apollo executor", "ours, usage off", "ours, traced", stock, "hive router runtime")`,
  );

/** Whether a scenario runs: `--executors` keeps the side-by-side group only, `--only` filters by name prefix. */
function selected(group: Group, name: string): boolean {
  return (group === 'executors' || !args.executors) && (!args.only || name.startsWith(args.only));
}

interface Target {
  name: string;
  url: string;
  pid: number;
  /** Extra headers every request to this target needs (direct runs: a signed assertion). */
  headers?: () => Promise<Record<string, string>>;
}

interface Request {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Draws a fresh body for every request sent (scenario R: new variables each time). */
  nextBody?: () => string;
}

/** Which warm-up or measured run a scenario's requests are for (R draws a different sequence for each). */
type Phase = 'warm-up' | 'measured';

/**
 * Scenario groups: `main` compares our gateway (default settings, and variants) with the stock one;
 * `executors` runs S1, S2 without deduplication and R through every {@link SIDE_BY_SIDE} target.
 */
type Group = 'main' | 'executors';

interface Result {
  group: Group;
  scenario: string;
  target: string;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  requests: number;
  errors: number;
  cpuMsPerOp: number;
  gatewayPeakMiB: number;
  subgraphPeakMiB: number;
  sqlPerOp: number;
  /** Each subgraph's CPU, requests and SQL per operation over the measured run. */
  subgraphs: SubgraphUsage[];
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function body(query: string, variables?: Record<string, unknown>): string {
  return JSON.stringify({ query, variables });
}

/** A gateway's Prometheus text, from its operator's listener (`RunningService.metricsUrl`). */
async function metricsOf(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

/** The value of one series (name with its labels, as printed) in Prometheus text; 0 when absent. */
function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/**
 * Starts a baseline gateway script (`bench/stock-gateway.ts`, `bench/hive/gateway.mjs`) under tsx
 * and waits until it answers a query.
 */
async function startScriptGateway(
  label: string,
  entry: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<RunningService> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(ROOT, entry)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (c: Buffer) => (text += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (text += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${label} exited:\n${text}`);
    try {
      if ((await graphql(url, '{ __typename }')).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${label} did not start:\n${text}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    port,
    url,
    child,
    output: () => text,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

const HIVE_DIR = path.join(ROOT, 'bench/hive');

/**
 * Installs Hive Gateway and its router runtime into bench/hive/node_modules from the pinned
 * bench/hive/package-lock.json when they are missing (they are not project dependencies).
 * Returns why Hive Gateway cannot run, or undefined when it can.
 */
function ensureHive(): string | undefined {
  const wanted = JSON.parse(fs.readFileSync(path.join(HIVE_DIR, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const installed = (name: string): string | undefined => {
    try {
      const file = path.join(HIVE_DIR, 'node_modules', name, 'package.json');
      return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
    } catch {
      return undefined;
    }
  };
  const stale = () => Object.entries(wanted.dependencies).filter(([name, version]) => installed(name) !== version);
  if (stale().length > 0) {
    log(
      `installing Hive Gateway for the bench (npm ci in bench/hive: ${stale()
        .map(([n, v]) => `${n}@${v}`)
        .join(', ')})...`,
    );
    // No install scripts: the router's query planner ships its native addon prebuilt in the tarball.
    const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts'], {
      cwd: HIVE_DIR,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (npm.status !== 0)
      return `npm ci in bench/hive failed (${npm.status ?? npm.error?.message}): ${npm.stderr.trim().split('\n').slice(-3).join(' ')}`;
    if (stale().length > 0)
      return `npm ci in bench/hive did not install ${stale()
        .map(([n, v]) => `${n}@${v}`)
        .join(', ')}`;
  }
  return undefined;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alliance-bench-'));
  const names = SUBGRAPH_NAMES;
  const mysql = process.env.DATABASE_URL?.replace(/\/$/, '');
  const databaseEnv: Record<string, string> = mysql
    ? Object.fromEntries(names.map((n) => [`${n.toUpperCase()}_DATABASE_URL`, `${mysql}/alliance_bench_${n}`]))
    : { DATA_DIR: dir };
  // --profile-subgraphs --baseline: the other commit's stack, with databases of its own.
  const baselineStack = Boolean(args['profile-subgraphs'] && args.baseline);
  const baselineDatabaseEnv: Record<string, string> = !baselineStack
    ? {}
    : mysql
      ? Object.fromEntries(names.map((n) => [`${n.toUpperCase()}_DATABASE_URL`, `${mysql}/alliance_bench_base_${n}`]))
      : { DATA_DIR: path.join(dir, 'baseline-data') };
  const services: RunningService[] = [];
  const stopAll = async () => {
    await Promise.all(services.map((s) => s.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
    for (const [key, url] of Object.entries({ ...databaseEnv, ...baselineDatabaseEnv }))
      if (key.endsWith('_DATABASE_URL')) await dropMysqlDatabase(url);
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    if (args.compiled) {
      // Every service startService starts (ours and a baseline's) then runs from the compiled JavaScript.
      const out = path.join(dir, 'compiled');
      fs.mkdirSync(out);
      process.env[COMPILED_SERVICES_ENV] = compileServicesOf(ROOT, out);
      log(`compiled this checkout's services into ${out}`);
    }
    log(`seeding (scale ${scale}, ${mysql ? 'MySQL' : 'SQLite'})...`);
    for (const line of await seedForBenchmark(databaseEnv, scale)) log(`  ${line}`);

    const quiet = { LOG_LEVEL: 'warn', NODE_ENV: 'development' };
    // Ports chosen up front: subgraphs that check ids with their owners (content) must know where peers listen.
    const ports: Record<string, number> = {};
    for (const name of names) ports[name] = await freePort();
    const urls = Object.fromEntries(
      names.map((n) => [`SUBGRAPH_${n.toUpperCase()}_URL`, `http://127.0.0.1:${ports[n]}/graphql`]),
    );
    const profileDir = (name: string) => path.join(dir, `profile-${name.replace(/\W+/g, '-')}`);
    const subgraphs: Record<string, RunningService> = {};
    for (const name of names) {
      subgraphs[name] = await startService(
        `subgraphs/${name}/index.ts`,
        {
          ...databaseEnv,
          ...quiet,
          ...urls,
          PORT: String(ports[name]),
          // BENCH_SUBGRAPH_NODE_OPTIONS: V8 settings or a preloaded probe for the subgraphs, like the gateway's below.
          ...(process.env.BENCH_SUBGRAPH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SUBGRAPH_NODE_OPTIONS } : {}),
        },
        args['profile-subgraphs'] && !args.baseline
          ? ['--cpu-prof', `--cpu-prof-dir=${profileDir(`subgraph-${name}`)}`]
          : [],
      );
      services.push(subgraphs[name]!);
    }
    const supergraph = path.join(ROOT, 'schema/supergraph.graphql');
    const profiling = (name: string): string[] =>
      args.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir(name)}`] : [];
    // Every gateway the bench starts (ours, its variants, a baseline's) has these settings.
    const gatewaySettings: Record<string, string> = {
      ...quiet,
      // The benchmark measures throughput, not the per-client limits; the cost limit must admit S2 at first: 50.
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: '0',
      RATE_LIMIT_MEMBER_PER_MINUTE: '0',
      RATE_LIMIT_ADMIN_PER_MINUTE: '0',
      LIMIT_MAX_COST: '10000000',
      // BENCH_GATEWAY_NODE_OPTIONS compares V8 settings, e.g. '--max-semi-space-size=64' (see docs/performance.md).
      ...(process.env.BENCH_GATEWAY_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_GATEWAY_NODE_OPTIONS } : {}),
      ...(args.executor ? { GATEWAY_EXECUTOR: args.executor } : {}),
    };
    const startOurs = async (env: Record<string, string>, nodeArgs: string[] = [], entry = 'gateway/index.ts') => {
      const started = await startService(
        entry,
        { ...gatewaySettings, ...urls, SUPERGRAPH_PATH: supergraph, ...env },
        nodeArgs,
      );
      services.push(started);
      return started;
    };
    // Settings of our gateway that the bench's own environment may change, e.g. SUBGRAPH_DEDUPE=false with --profile.
    const passed = ['GATEWAY_WORKERS', 'SUBGRAPH_DEDUPE', 'SUBGRAPH_MAX_SOCKETS'].filter((k) => process.env[k]);
    const ours = await startOurs(Object.fromEntries(passed.map((k) => [k, process.env[k]!])), profiling('ours'));
    // S2 also runs through variants of our gateway: without in-flight deduplication (the full
    // run and the profile) and with two worker processes (the full run, or when S2 is selected).
    const dedupeOff = ['ours, dedupe off', { SUBGRAPH_DEDUPE: 'false' }] as const;
    const workers = ['ours, 2 workers', { GATEWAY_WORKERS: '2' }] as const;
    const s2Name = `S2 across ${names.includes('content') ? 'four' : 'three'} subgraphs`;
    const variantSpecs = args.profile
      ? [dedupeOff]
      : args.soak || args['profile-subgraphs'] || !selected('main', s2Name)
        ? []
        : [dedupeOff, workers];
    const variants: Array<Target & { service: RunningService }> = [];
    for (const [name, env] of variantSpecs) {
      const service = await startOurs(env, profiling(name));
      variants.push({ name, url: service.url, pid: service.child.pid!, service });
    }

    // The member identity the stock gateway asserts for requests carrying a credential.
    const verify = await fetch(`${subgraphs.membership!.url}/internal/credentials/verify`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [ASSERTION_HEADER]: await signAssertion(ANONYMOUS, secret, IDENTITY_AUDIENCE),
      },
      body: JSON.stringify({ apiKey: DEV_CREDENTIALS.member.secret }),
    });
    const check = (await verify.json()) as { keyId: string; memberId: string; role: 'MEMBER' };
    const stock = await startScriptGateway(
      'stock gateway',
      'bench/stock-gateway.ts',
      {
        ...urls,
        SUPERGRAPH_PATH: supergraph,
        STOCK_MEMBER_IDENTITY: JSON.stringify({ role: check.role, memberId: check.memberId, keyId: check.keyId }),
      },
      profiling('stock'),
    );
    services.push(stock);

    // The side-by-side comparison's own processes: our gateway on each executor, Hive Gateway.
    const sideBySide: Target[] = [];
    let hiveUnavailable: string | undefined;
    if (
      !args.soak &&
      !args.profile &&
      !args['profile-subgraphs'] &&
      Object.values(SIDE_BY_SIDE_SCENARIOS).some((n) => selected('executors', n))
    ) {
      for (const spec of SIDE_BY_SIDE) {
        if (spec.kind === 'stock') {
          sideBySide.push({ name: spec.name, url: stock.url, pid: stock.child.pid! });
        } else if (spec.kind === 'ours') {
          const env =
            spec.env.OTEL_EXPORTER_OTLP_ENDPOINT === COLLECTOR_STUB
              ? { ...spec.env, OTEL_EXPORTER_OTLP_ENDPOINT: await collectorStub() }
              : spec.env;
          const service = await startOurs(env);
          sideBySide.push({ name: spec.name, url: service.url, pid: service.child.pid! });
          if (args.baseline && spec.name === 'ours') {
            // The same gateway from another checkout (its own sources, this run's subgraphs and settings),
            // compiled as this checkout's with --compiled.
            let baseline: RunningService;
            if (args.compiled) {
              const tree = path.resolve(args.baseline);
              const compiled = path.join(dir, 'baseline-compiled');
              fs.mkdirSync(compiled);
              compileServicesOf(tree, compiled);
              baseline = await startBaselineService(tree, 'gateway/index.ts', compiled, {
                ...gatewaySettings,
                ...urls,
                SUPERGRAPH_PATH: supergraph,
                ...spec.env,
              });
              services.push(baseline);
            } else {
              const entry = path.relative(ROOT, path.resolve(args.baseline, 'gateway/index.ts'));
              // tsx reads the tsconfig of the working directory (this checkout's) unless told otherwise.
              const tsconfig = path.resolve(args.baseline, 'tsconfig.json');
              baseline = await startOurs({ ...spec.env, TSX_TSCONFIG_PATH: tsconfig }, [], entry);
            }
            sideBySide.push({ name: 'ours at baseline', url: baseline.url, pid: baseline.child.pid! });
          }
        } else {
          hiveUnavailable = ensureHive();
          if (!hiveUnavailable) {
            try {
              const hive = await startScriptGateway('Hive Gateway', 'bench/hive/gateway.mjs', {
                ...urls,
                SUPERGRAPH_PATH: supergraph,
                STOCK_MEMBER_IDENTITY: JSON.stringify({
                  role: check.role,
                  memberId: check.memberId,
                  keyId: check.keyId,
                }),
                ...spec.env,
              });
              services.push(hive);
              // Proof that the router runtime plans: its Rust planner's addon is mapped once a query is planned.
              await graphql(hive.url, S1, {}, { 'cache-control': 'no-cache' });
              const maps = fs.readFileSync(`/proc/${hive.child.pid!}/maps`, 'utf8');
              if (!maps.includes('hive_router_query_planner'))
                throw new Error("Hive Router's query planner (hive_router_query_planner.*.node) is not loaded");
              sideBySide.push({ name: spec.name, url: hive.url, pid: hive.child.pid! });
            } catch (error) {
              hiveUnavailable = `it did not start, or not with its router runtime: ${error instanceof Error ? error.message : String(error)}`;
            }
          }
          if (hiveUnavailable) log(`Hive Gateway is left out of the comparison: ${hiveUnavailable}`);
        }
      }
    }

    const subgraphCounters = () => readSubgraphCounters(names, subgraphs);
    const sqlTotal = async () => Object.values(await subgraphCounters()).reduce((sum, c) => sum + c.sql, 0);

    // S4 writes for a campaign the dev member takes part in.
    const campaignId = stableId('campaign', benchCampaignSlug(0));
    const joined = await graphql(
      ours.url,
      `mutation { joinCampaign(campaignId: "${campaignId}") { role } }`,
      {},
      { authorization: memberKey },
    );
    const joinCode = joined.body.errors?.[0]?.extensions?.code;
    if (joinCode && joinCode !== 'CONFLICT') throw new Error(`joinCampaign failed: ${JSON.stringify(joined.body)}`);

    const withContent = names.includes('content');
    const json = { 'content-type': 'application/json' };
    // `cache-control: no-cache` asks our gateway to skip its response cache: every scenario but S3 is uncached.
    const noCache = { 'cache-control': 'no-cache' };
    const post = (payload: string, headers: Record<string, string> = {}): Request => ({
      method: 'POST',
      path: '/graphql',
      headers: { ...json, ...headers },
      body: payload,
    });
    const s2Request = () =>
      post(body(s2Query(withContent), { first: 5, contents: 5 }), { ...noCache, authorization: memberKey });
    let day = 0;
    const s4Requests = (): Request[] => {
      const requests: Request[] = [];
      for (let i = 0; i < 9; i += 1) requests.push(post(body(S4_READ), { ...noCache, authorization: memberKey }));
      // Reports are for past days (the campaigns subgraph refuses future dates): 2026-01-01 onwards, 300 days.
      const date = new Date(Date.UTC(2026, 0, 1 + (day++ % 300))).toISOString().slice(0, 10);
      requests.push(
        post(
          body(S4_WRITE, {
            input: { campaignId, date, impressions: 1000 + day, engagements: 100, clicks: 10 },
          }),
          { ...noCache, authorization: memberKey },
        ),
      );
      return requests;
    };
    // R: a fresh draw for every request; the warm-up and each measured round draw different
    // sequences, and every target gets the same ones.
    const rRequests = (phase: Phase, round: number): Request[] => {
      const next = realisticRequests(phase === 'warm-up' ? 1 : 2 + round, scale);
      return [{ ...post(next().body, { ...noCache, authorization: memberKey }), nextBody: () => next().body }];
    };
    const scenarios: Array<{
      group: Group;
      name: string;
      requests: (phase: Phase, round: number) => Request[];
      targets: Target[];
    }> = [];
    const gateways: Target[] = [
      { name: 'ours', url: ours.url, pid: ours.child.pid! },
      { name: 'stock', url: stock.url, pid: stock.child.pid! },
    ];
    const direct: Target = {
      name: 'direct (tourism)',
      url: subgraphs.tourism!.url,
      pid: subgraphs.tourism!.child.pid!,
      headers: async () => ({ [ASSERTION_HEADER]: await signAssertion(ANONYMOUS, secret) }),
    };
    scenarios.push({
      group: 'main',
      name: 'S1 attractions(first: 50)',
      requests: () => [post(body(S1), noCache)],
      targets: [...gateways, direct],
    });
    scenarios.push({
      group: 'main',
      name: s2Name,
      requests: () => [s2Request()],
      targets: [...gateways, ...variants],
    });
    scenarios.push({
      group: 'main',
      name: 'S3 public query, uncached',
      requests: () => [post(body(S3), noCache)],
      targets: [gateways[0]!],
    });
    scenarios.push({
      group: 'main',
      name: 'S3 public query, cached',
      requests: () => [post(body(S3))],
      targets: gateways,
    });
    scenarios.push({
      group: 'main',
      name: 'S4 90% reads / 10% writes (member)',
      requests: s4Requests,
      targets: gateways,
    });
    scenarios.push(
      {
        group: 'executors',
        name: SIDE_BY_SIDE_SCENARIOS.s1,
        requests: () => [post(body(S1), noCache)],
        targets: sideBySide,
      },
      { group: 'executors', name: SIDE_BY_SIDE_SCENARIOS.s2, requests: () => [s2Request()], targets: sideBySide },
      { group: 'executors', name: SIDE_BY_SIDE_SCENARIOS.r, requests: rRequests, targets: sideBySide },
    );

    const subgraphPids = Object.fromEntries(names.map((n) => [n, subgraphs[n]!.child.pid!]));

    const drive = async (target: Target, requests: Request[], seconds: number) => {
      const extra = target.headers ? await target.headers() : {};
      const latencies: number[] = [];
      let graphqlErrors = 0;
      const result = await new Promise<autocannon.Result>((resolve, reject) => {
        const instance = autocannon(
          {
            url: target.url,
            connections,
            duration: seconds,
            requests: requests.map(({ nextBody, ...r }) => ({
              ...r,
              headers: { ...r.headers, ...extra },
              ...(nextBody
                ? { setupRequest: (request: autocannon.Request) => ({ ...request, body: nextBody() }) }
                : {}),
              onResponse: (status: number, responseBody: string) => {
                if (status === 200 && responseBody.includes('"errors"')) graphqlErrors += 1;
              },
            })),
          },
          (error, finished) => (error ? reject(error) : resolve(finished)),
        );
        instance.on('response', (_client: unknown, _status: number, _bytes: number, time: number) =>
          latencies.push(time),
        );
      });
      latencies.sort((a, b) => a - b);
      return { result, latencies, graphqlErrors };
    };

    if (args.soak) {
      const soakSeconds = Number(args.soak);
      const target = gateways[0]!;
      const mix = [post(body(S1), noCache), s2Request(), post(body(S3)), ...s4Requests()];
      const warmUp = Number(args['soak-warmup']);
      log(`soak: warming up for ${warmUp} s...`);
      await drive(target, mix, warmUp);
      // RSS and V8 heap (from the gateway's own /metrics) every 10 s, to tell growth from a plateau.
      // The soak's target is our gateway (gateways[0]), whose metrics are on its operator's listener.
      const heapMiB = async () =>
        metricValue(await metricsOf(ours.metricsUrl!), 'nodejs_heap_size_used_bytes') / 2 ** 20;
      const samples: Array<{ at: number; rss: number; heap: number }> = [];
      const sample = async (at: number) => samples.push({ at, rss: rssMiB(target.pid), heap: await heapMiB() });
      await sample(0);
      const before = samples[0]!.rss;
      log(`soak: gateway RSS after warm-up ${before.toFixed(1)} MiB; running ${soakSeconds} s...`);
      const started = Date.now();
      const timer = setInterval(() => void sample(Math.round((Date.now() - started) / 1000)), 10_000);
      const { result } = await drive(target, mix, soakSeconds);
      clearInterval(timer);
      await sample(soakSeconds);
      const after = samples[samples.length - 1]!.rss;
      const growth = ((after - before) / before) * 100;
      const peak = Math.max(...samples.map((s) => s.rss));
      const line = `soak ${soakSeconds} s after a ${warmUp} s warm-up, ${result.requests.total} requests (${result.errors + result.non2xx} errors): gateway RSS ${before.toFixed(1)} MiB after warm-up → ${after.toFixed(1)} MiB at the end (${growth >= 0 ? '+' : ''}${growth.toFixed(1)} %), peak ${peak.toFixed(1)} MiB`;
      log(line);
      const table = [
        '| s | RSS MiB | V8 heap used MiB |',
        '| ---: | ---: | ---: |',
        ...samples.map((s) => `| ${s.at} | ${s.rss.toFixed(1)} | ${s.heap.toFixed(1)} |`),
      ].join('\n');
      fs.mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
      fs.writeFileSync(
        path.join(ROOT, 'docs/soak.md'),
        [
          '# Soak',
          '',
          `Generated by \`npm run bench -- --soak ${soakSeconds} --soak-warmup ${warmUp} --scale ${scale}\` on ${new Date().toISOString().slice(0, 10)} (${machine()}).`,
          'Mixed load (S1, S2, S3 cached, S4 reads and writes) through our gateway only.',
          '',
          `${line}.`,
          '',
          table,
          '',
        ].join('\n'),
      );
      return;
    }

    if (args.profile) {
      // `--only R` profiles the realistic mix (fresh variables per request) instead of S2.
      const realistic = args.only?.startsWith('R') ?? false;
      const label = realistic ? 'R' : 'S2';
      const load = (phase: Phase) => (realistic ? rRequests(phase, 0) : [s2Request()]);
      const sections: string[] = [];
      for (const [target, service] of [
        [gateways[0]!, ours],
        [variants[0]!, variants[0]!.service],
        [gateways[1]!, stock],
      ] as const) {
        log(`profile: ${label} through ${target.name} for ${duration} s...`);
        await drive(target, load('warm-up'), Math.max(2, Math.round(duration / 3)));
        const started = Date.now();
        const { latencies } = await drive(target, load('measured'), duration);
        // The profile is written as the process exits; only its last (exit − start) ms are the measured load.
        await service.stop();
        const lastMs = Date.now() - started;
        const file = fs.readdirSync(profileDir(target.name)).find((f) => f.endsWith('.cpuprofile'));
        if (!file) throw new Error(`${target.name} wrote no CPU profile`);
        // Kept (data/ is not committed) for Chrome DevTools or speedscope.
        const kept = path.join(
          ROOT,
          'data/bench',
          `${target.name.replace(/\W+/g, '-')}-${label.toLowerCase()}.cpuprofile`,
        );
        fs.mkdirSync(path.dirname(kept), { recursive: true });
        fs.copyFileSync(path.join(profileDir(target.name), file), kept);
        const summary = summariseProfile(kept, { lastMs });
        sections.push(renderProfile(`${target.name} gateway`, summary, latencies.length));
        log(sections[sections.length - 1]!);
      }
      if (realistic) {
        log('(the profile of R is printed, not written: docs/profile.md is the profile of S2)');
        return;
      }
      const report = [
        '# CPU profile of S2',
        '',
        `Generated by \`npm run bench -- --profile --scale ${scale} --duration ${duration} --connections ${connections}\` on ${new Date().toISOString().slice(0, 10)}`,
        `(${machine()}). Each gateway runs under \`node --cpu-prof\`; the tables count the samples of the measured`,
        'S2 run only (not start-up or warm-up), self time, idle left out. The full profiles are kept in',
        '`data/bench/*.cpuprofile` (not committed) for Chrome DevTools or speedscope. "dedupe off" is our gateway',
        'with `SUBGRAPH_DEDUPE=false`: every request fetches from the subgraphs on its own, as the stock gateway does.',
        '',
        ...sections,
      ].join('\n');
      fs.mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
      fs.writeFileSync(path.join(ROOT, 'docs/profile.md'), report);
      log('written to docs/profile.md');
      return;
    }

    if (baselineStack) {
      await compareWithBaseline({
        scratch: dir,
        databaseEnv: baselineDatabaseEnv,
        subgraphSettings: quiet,
        gatewaySettings,
        ours: { url: ours.url, metricsUrl: ours.metricsUrl!, pid: ours.child.pid!, counters: subgraphCounters },
        rRequests,
        drive,
        services,
      });
      return;
    }

    if (args['profile-subgraphs']) {
      // R through our gateway while every subgraph runs under --cpu-prof: where the subgraphs' CPU goes.
      const target = gateways[0]!;
      log(`profile: R through ${target.name} for ${duration} s, subgraphs under --cpu-prof...`);
      await drive(target, rRequests('warm-up', 0), Math.max(2, Math.round(duration / 3)));
      const before = await subgraphCounters();
      const started = Date.now();
      const { result, latencies, graphqlErrors } = await drive(target, rRequests('measured', 0), duration);
      const after = await subgraphCounters();
      const usage = subgraphUsage(before, after, latencies.length);
      // A profile is written as its process exits; only its last (exit − start) ms are the measured load.
      await Promise.all(names.map((name) => subgraphs[name]!.stop()));
      const lastMs = Date.now() - started;
      latencies.sort((a, b) => a - b);
      const errors = result.errors + result.non2xx + graphqlErrors;
      const headline = `${latencies.length} operations, ${(latencies.length / duration).toFixed(0)} req/s, p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, ${errors} errors (every subgraph profiled, so slower than unprofiled)`;
      log(headline);
      const sections: string[] = [];
      for (const name of names) {
        const profile = profileDir(`subgraph-${name}`);
        const file = fs.readdirSync(profile).find((f) => f.endsWith('.cpuprofile'));
        if (!file) throw new Error(`subgraph ${name} wrote no CPU profile`);
        // Kept (data/ is not committed) for Chrome DevTools or speedscope.
        const kept = path.join(ROOT, 'data/bench', `subgraph-${name}-r.cpuprofile`);
        fs.mkdirSync(path.dirname(kept), { recursive: true });
        fs.copyFileSync(path.join(profile, file), kept);
        sections.push(renderProfile(`${name} subgraph`, summariseProfile(kept, { lastMs }), latencies.length));
        log(sections[sections.length - 1]!);
      }
      const report = [
        '# CPU profile of the subgraphs under R',
        '',
        `Generated by \`npm run bench -- --profile-subgraphs --scale ${scale} --duration ${duration} --connections ${connections}\` on ${new Date().toISOString().slice(0, 10)}`,
        `(${machine()}; ${mysql ? 'MySQL/MariaDB' : 'SQLite'}). Scenario R (the member-platform mix, bench/realistic.ts) through our gateway; every`,
        'subgraph runs under `node --cpu-prof`, and the tables count the samples of the measured run only (not start-up',
        'or warm-up), self time, idle left out. "ms/op" is per client operation. The full profiles are kept in',
        '`data/bench/subgraph-*-r.cpuprofile` (not committed) for Chrome DevTools or speedscope.',
        '',
        `R through our gateway: ${headline}.`,
        '',
        "CPU from each process's own accounting (`/proc/<pid>/stat`, profiler overhead included), requests and SQL",
        'statements from its `/internal/stats`:',
        '',
        ...SUBGRAPH_USAGE_HEADER,
        ...renderSubgraphUsage('R', usage),
        '',
        ...sections,
      ].join('\n');
      fs.mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
      // As for docs/benchmarks.md: what follows the marker (before/after comparisons) survives the rewrite.
      const out = path.join(ROOT, 'docs/profile-subgraphs.md');
      const previous = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
      const kept = previous.includes(KEPT_MARKER) ? previous.slice(previous.indexOf(KEPT_MARKER)) : '';
      fs.writeFileSync(out, kept ? `${report}\n${kept}` : report);
      log('written to docs/profile-subgraphs.md');
      return;
    }

    // Statement counts must not grow with page sizes: one S2 at first: 5 and one at first: 50.
    const sqlFor = async (first: number) => {
      const before = await sqlTotal();
      // Members' contents stay at most 10 per member: 50 × 50 × 50 would pass the gateway's cost limit.
      const variables = withContent ? { first, contents: Math.min(first, 10) } : { first };
      const response = await graphql(ours.url, s2Query(withContent), variables, {
        ...noCache,
        authorization: memberKey,
      });
      if (response.body.errors) throw new Error(`S2 failed: ${JSON.stringify(response.body.errors[0])}`);
      return (await sqlTotal()) - before;
    };
    const sql5 = await sqlFor(5);
    const sql50 = await sqlFor(50);
    log(`SQL statements per S2 operation: ${sql5} at first: 5, ${sql50} at first: 50 (contents: 10)`);

    // Before R is measured: a fixed sequence of R requests through each side-by-side target, one at a
    // time, must answer data without errors, and the same data as the stock gateway.
    const rChecks: string[] = [];
    if (selected('executors', SIDE_BY_SIDE_SCENARIOS.r) && sideBySide.length > 0) {
      const count = 120;
      const answers = new Map<string, string[]>();
      for (const target of sideBySide) {
        const next = realisticRequests(3, scale);
        const bytes = new Map<string, { requests: number; bytes: number }>();
        const texts: string[] = [];
        let failed = 0;
        for (let i = 0; i < count; i += 1) {
          const request = next();
          const response = await fetch(`${target.url}/graphql`, {
            method: 'POST',
            headers: { ...json, ...noCache, authorization: memberKey },
            body: request.body,
          });
          const text = await response.text();
          let parsed: { data?: Record<string, unknown> | null; errors?: unknown[] };
          try {
            parsed = JSON.parse(text) as typeof parsed;
          } catch {
            parsed = { errors: [`not JSON: ${text.slice(0, 100)}`] };
          }
          const empty = !parsed.data || Object.values(parsed.data).some((v) => v === null);
          if (response.status !== 200 || parsed.errors || empty) {
            failed += 1;
            if (failed <= 3)
              log(`R check, ${target.name}, ${request.operation}: ${response.status} ${text.slice(0, 300)}`);
          }
          const seen = bytes.get(request.operation) ?? { requests: 0, bytes: 0 };
          bytes.set(request.operation, { requests: seen.requests + 1, bytes: seen.bytes + text.length });
          texts.push(JSON.stringify({ data: parsed.data, errors: parsed.errors }));
        }
        answers.set(target.name, texts);
        const sizes = [...bytes].map(([op, b]) => `${op} ${(b.bytes / b.requests / 1024).toFixed(1)}`).join(', ');
        rChecks.push(
          `${target.name}: ${count - failed}/${count} answered data without errors; mean KiB per response: ${sizes}`,
        );
      }
      const stockTexts = answers.get('stock');
      if (stockTexts)
        for (const [name, texts] of answers) {
          if (name === 'stock') continue;
          const differing = texts.filter((t, i) => t !== stockTexts[i]).length;
          rChecks.push(`${name}: ${differing}/${count} answers differ from the stock gateway's`);
        }
      for (const line of rChecks) log(`R check: ${line}`);
    }

    const results: Result[] = [];
    const rounds = Math.max(1, Number(args.rounds));
    for (const scenario of scenarios.filter((s) => selected(s.group, s.name))) {
      // With --rounds N every target runs N times, interleaved, and its figures are summed over the
      // rounds: on a shared machine, a burst of someone else's load then falls on every target alike.
      interface Totals {
        latencies: number[];
        cpu: number;
        sql: number;
        errors: number;
        peaks: Map<string, number>;
        /** Each subgraph's counters summed over the rounds (differences, from zero). */
        subgraphs: Record<string, SubgraphCounters>;
      }
      const totals = new Map<string, Totals>();
      for (let round = 0; round < rounds; round += 1) {
        // Each round starts with another target, so none always runs right after the same one.
        const order = scenario.targets.map((_, i) => scenario.targets[(i + round) % scenario.targets.length]!);
        for (const target of order) {
          if (round === 0) await drive(target, scenario.requests('warm-up', 0), Math.max(2, Math.round(duration / 3)));
          const sampler = new RssSampler({ gateway: target.pid, ...subgraphPids });
          const countersBefore = await subgraphCounters();
          const cpuBefore = cpuMs(target.pid);
          sampler.start();
          const { result, latencies, graphqlErrors } = await drive(
            target,
            scenario.requests('measured', round),
            duration,
          );
          const cpu = cpuMs(target.pid) - cpuBefore;
          const peaks = sampler.stop();
          const countersAfter = await subgraphCounters();
          const sql = subgraphUsage(countersBefore, countersAfter, 1).reduce((sum, u) => sum + u.sqlPerOp, 0);
          const total: Totals = totals.get(target.name) ?? {
            latencies: [],
            cpu: 0,
            sql: 0,
            errors: 0,
            peaks: new Map(),
            subgraphs: {},
          };
          for (const latency of latencies) total.latencies.push(latency);
          total.cpu += cpu;
          total.sql += sql;
          total.subgraphs = addCounters(total.subgraphs, countersBefore, countersAfter);
          total.errors += result.errors + result.non2xx + graphqlErrors;
          for (const [name, peak] of peaks) total.peaks.set(name, Math.max(total.peaks.get(name) ?? 0, peak));
          totals.set(target.name, total);
          if (rounds > 1)
            log(
              `${scenario.name} | ${target.name}, round ${round + 1}/${rounds}: ${(latencies.length / duration).toFixed(0)} req/s, CPU ${(cpu / Math.max(1, latencies.length)).toFixed(2)} ms/op`,
            );
        }
      }
      for (const target of scenario.targets) {
        const { latencies, cpu, sql, errors, peaks, subgraphs: used } = totals.get(target.name)!;
        latencies.sort((a, b) => a - b);
        const ops = Math.max(1, latencies.length);
        const row: Result = {
          group: scenario.group,
          scenario: scenario.name,
          target: target.name,
          rps: latencies.length / (duration * rounds),
          p50: percentile(latencies, 50),
          p95: percentile(latencies, 95),
          p99: percentile(latencies, 99),
          requests: latencies.length,
          errors,
          cpuMsPerOp: cpu / ops,
          gatewayPeakMiB: target.name.startsWith('direct') ? 0 : (peaks.get('gateway') ?? 0),
          subgraphPeakMiB: Math.max(...names.map((n) => peaks.get(n) ?? 0)),
          sqlPerOp: sql / ops,
          // The totals are differences already, so they are measured from zero.
          subgraphs: subgraphUsage(
            Object.fromEntries(Object.keys(used).map((n) => [n, { cpuMs: 0, sql: 0, requests: 0 }])),
            used,
            latencies.length,
          ),
        };
        results.push(row);
        log(
          `${row.scenario} | ${row.target}: ${row.rps.toFixed(0)} req/s, p50 ${row.p50.toFixed(1)} ms, p95 ${row.p95.toFixed(1)} ms, p99 ${row.p99.toFixed(1)} ms, ${row.errors} errors, CPU ${row.cpuMsPerOp.toFixed(2)} ms/op, SQL ${row.sqlPerOp.toFixed(2)}/op; subgraph CPU ms/op ${row.subgraphs.map((u) => `${u.name} ${u.cpuMsPerOp.toFixed(2)}`).join(', ')}`,
        );
      }
    }
    // S5: subscriptions, on a gateway process of its own so that its memory is the subscribers' alone.
    let subscriptionFigures: string | undefined;
    if (selected('main', S5_NAME) && withContent) {
      // Every subscriber is anonymous from this one address: the caps on both must admit them all.
      const cap = String(Math.max(subscribers, 1000));
      const gateway = await startOurs({ SUBSCRIPTIONS_PER_CREDENTIAL: cap, SUBSCRIPTIONS_PER_IP: cap });
      const attractionIds = [0, 1].map((i) => stableId('attraction', benchAttractionSlug(i)));
      const mutate = async (query: string, variables: Record<string, unknown>) => {
        const response = await graphql(gateway.url, query, variables, { authorization: memberKey });
        if (response.body.errors) throw new Error(`S5: ${JSON.stringify(response.body.errors[0])}`);
        return response.body.data!;
      };
      const subgraphSampler = new RssSampler(subgraphPids);
      subgraphSampler.start();
      const before = await subgraphCounters();
      const run = await runSubscriptionBench({
        gatewayUrl: gateway.url,
        gatewayPid: gateway.child.pid!,
        subscribers,
        ratePerSecond: publishRate,
        seconds: duration,
        createDraft: async (i) => {
          const data = await mutate('mutation($input: CreateContentInput!) { createContent(input: $input) { id } }', {
            input: { kind: 'ARTICLE', title: `Bench story ${i}`, language: 'en', attractionIds },
          });
          return (data as { createContent: { id: string } }).createContent.id;
        },
        publish: async (id) => {
          await mutate('mutation($id: ID!) { publishContent(id: $id) { id } }', { id });
        },
        log,
      });
      const used = subgraphUsage(before, await subgraphCounters(), run.delivered);
      const subgraphPeaks = subgraphSampler.stop();
      await gateway.stop();
      const deliveries = Math.max(1, run.delivered);
      const row: Result = {
        group: 'main',
        scenario: `${S5_NAME} (${run.subscribers} subscribers, ${publishRate} publishes/s)`,
        target: 'ours',
        rps: run.delivered / run.elapsedSeconds,
        p50: percentile(run.latencies, 50),
        p95: percentile(run.latencies, 95),
        p99: percentile(run.latencies, 99),
        requests: run.delivered,
        errors: run.expected - run.delivered + run.errors,
        cpuMsPerOp: run.gatewayCpuMs / deliveries,
        gatewayPeakMiB: run.peakRssMiB,
        subgraphPeakMiB: Math.max(...names.map((n) => subgraphPeaks.get(n) ?? 0)),
        sqlPerOp: used.reduce((sum, u) => sum + u.sqlPerOp, 0),
        subgraphs: used,
      };
      results.push(row);
      const perSubscriberKiB = ((run.rssWithMiB - run.rssBeforeMiB) * 1024) / run.subscribers;
      subscriptionFigures = `S5: ${run.subscribers} subscribers over WebSocket (one connection each), ${run.published} stories published through the gateway at ${publishRate}/s (${fmt(run.subscribers * publishRate, 0)} deliveries/s offered): ${run.delivered} of ${run.expected} deliveries in ${fmt(run.elapsedSeconds)} s (${fmt(run.delivered / run.elapsedSeconds, 0)}/s), ${run.errors} with errors${run.errorMessages.length ? ` (${run.errorMessages.map((m) => `"${m}"`).join(', ')})` : ''}; delivery latency from the publish request sent to the event received p50 ${fmt(row.p50)} ms, p99 ${fmt(row.p99)} ms, max ${fmt(run.latencies[run.latencies.length - 1] ?? 0)} ms; gateway RSS ${fmt(run.rssBeforeMiB)} MiB before, ${fmt(run.rssWithMiB)} MiB with the subscribers: ${fmt(perSubscriberKiB)} KiB per subscriber; gateway CPU ${fmt(row.cpuMsPerOp, 3)} ms per delivery`;
      log(subscriptionFigures);
    }
    const metricsText = await metricsOf(ours.metricsUrl!);
    // The bench leaves the bounds at the gateway's defaults.
    const defaults = loadGatewayConfig({});
    const bounds = { document: defaults.documentCacheMiB, query_plan: defaults.queryPlanCacheMiB };
    const caches = (['document', 'query_plan'] as const)
      .map((cache) => {
        const figure = (series: string) => metricValue(metricsText, series);
        const hits = figure(`gateway_cache_lookups_total{cache="${cache}",result="hit"}`);
        const misses = figure(`gateway_cache_lookups_total{cache="${cache}",result="miss"}`);
        const entries = figure(`gateway_cache_entries{cache="${cache}"}`);
        const kib = figure(`gateway_cache_bytes{cache="${cache}"}`) / 1024;
        return `${cache.replace('_', ' ')} cache ${entries} entries, ${kib.toFixed(1)} KiB of a ${bounds[cache]} MiB bound, ${((hits / Math.max(1, hits + misses)) * 100).toFixed(2)} % hits (${misses} misses)`;
      })
      .join('; ');
    const report = renderReport(results, {
      sql5,
      sql50,
      withContent,
      databases: mysql ? 'MySQL/MariaDB' : 'SQLite',
      caches,
      subscriptions: subscriptionFigures,
      sideBySide: { hiveUnavailable, rChecks },
    });
    // A subset is a quick comparison: printed, never written over the full report.
    if (args.only || args.executors) {
      log(`\n${report}`);
      return;
    }
    const out = path.resolve(ROOT, args.out!);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    // Sections written by hand after the marker (e.g. before/after comparisons of two builds,
    // which one run cannot make) survive the rewrite.
    const previous = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
    const kept = previous.includes(KEPT_MARKER) ? previous.slice(previous.indexOf(KEPT_MARKER)) : '';
    fs.writeFileSync(out, kept ? `${report}\n${kept}` : report);
    log(`\n${report}`);
    log(`written to ${path.relative(ROOT, out)}`);
  } finally {
    await stopAll();
  }
}

/** One stack (gateway and subgraphs) of a before/after. */
interface Stack {
  url: string;
  metricsUrl: string;
  /** The gateway's process. */
  pid: number;
  counters: () => Promise<Record<string, SubgraphCounters>>;
}

/** One measured round of one stack in a before/after. */
interface StackRound {
  rps: number;
  p99: number;
  gatewayCpuMsPerOp: number;
  errors: number;
  subgraphs: SubgraphUsage[];
}

/** What {@link compareWithBaseline} needs from the bench's main run. */
interface BaselineComparison {
  scratch: string;
  databaseEnv: Record<string, string>;
  subgraphSettings: Record<string, string>;
  gatewaySettings: Record<string, string>;
  ours: Stack;
  rRequests: (phase: Phase, round: number) => Request[];
  drive: (
    target: Target,
    requests: Request[],
    seconds: number,
  ) => Promise<{ result: autocannon.Result; latencies: number[]; graphqlErrors: number }>;
  services: RunningService[];
}

/**
 * Every subgraph's counters: CPU from /proc, SQL statements and GraphQL requests from its
 * /internal/stats (a subgraph built before the request counter existed reports none).
 */
async function readSubgraphCounters(
  names: readonly string[],
  subgraphs: Record<string, RunningService>,
): Promise<Record<string, SubgraphCounters>> {
  const assertion = await signAssertion(ANONYMOUS, secret, IDENTITY_AUDIENCE);
  const counters: Record<string, SubgraphCounters> = {};
  for (const name of names) {
    const response = await fetch(`${subgraphs[name]!.url}/internal/stats`, {
      headers: { [ASSERTION_HEADER]: assertion },
    });
    const stats = (await response.json()) as { sqlStatements: number; graphqlRequests?: number };
    counters[name] = {
      cpuMs: cpuMs(subgraphs[name]!.child.pid!),
      sql: stats.sqlStatements,
      ...(stats.graphqlRequests !== undefined ? { requests: stats.graphqlRequests } : {}),
    };
  }
  return counters;
}

/** GraphQL requests a gateway has sent to each subgraph, from its `subgraph_fetch_duration_seconds` histogram. */
async function fetchesBySubgraph(metricsUrl: string): Promise<Record<string, number>> {
  const text = await metricsOf(metricsUrl.replace(/\/metrics$/, ''));
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^subgraph_fetch_duration_seconds_count\{[^}]*subgraph="([^"]+)"[^}]*\} (\S+)$/.exec(line);
    if (match) counts[match[1]!] = (counts[match[1]!] ?? 0) + Number(match[2]);
  }
  return counts;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/**
 * `--profile-subgraphs --baseline REF`: REF's whole stack beside this checkout's, R through each in
 * interleaved rounds; prints each round and the medians of the rounds' new/old ratios.
 */
async function compareWithBaseline(options: BaselineComparison): Promise<void> {
  const { scratch, databaseEnv, ours, drive, rRequests, services } = options;
  const tree = baselineTree(args.baseline!, path.join(scratch, 'baseline-tree'));
  const names = baselineSubgraphs(tree, SUBGRAPH_NAMES);
  let compiled: string | undefined;
  if (args.compiled) {
    compiled = path.join(scratch, 'baseline-compiled');
    fs.mkdirSync(compiled);
    compileServicesOf(tree, compiled);
    log(`compiled the baseline's services into ${compiled}`);
  }
  log(`baseline ${args.baseline} (${tree}): seeding its own databases with its own code...`);
  for (const line of seedBaseline(tree, databaseEnv, scale, scratch)) log(`  ${line}`);
  const ports: Record<string, number> = {};
  for (const name of names) ports[name] = await freePort();
  const urls = Object.fromEntries(
    names.map((n) => [`SUBGRAPH_${n.toUpperCase()}_URL`, `http://127.0.0.1:${ports[n]}/graphql`]),
  );
  const subgraphs: Record<string, RunningService> = {};
  for (const name of names) {
    subgraphs[name] = await startBaselineService(tree, `subgraphs/${name}/index.ts`, compiled, {
      ...databaseEnv,
      ...options.subgraphSettings,
      ...urls,
      PORT: String(ports[name]),
    });
    services.push(subgraphs[name]!);
  }
  const gateway = await startBaselineService(tree, 'gateway/index.ts', compiled, {
    ...options.gatewaySettings,
    ...urls,
    SUPERGRAPH_PATH: path.join(tree, 'schema/supergraph.graphql'),
  });
  services.push(gateway);
  const old: Stack = {
    url: gateway.url,
    metricsUrl: gateway.metricsUrl!,
    pid: gateway.child.pid!,
    counters: () => readSubgraphCounters(names, subgraphs),
  };
  const stacks = { old, new: ours } as const;

  // The same fixed sequence of R requests through both, one at a time: both must answer data.
  const answers: Record<string, string[]> = {};
  for (const [label, stack] of Object.entries(stacks)) {
    const next = realisticRequests(3, scale);
    answers[label] = [];
    for (let i = 0; i < 60; i += 1) {
      const response = await fetch(`${stack.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'cache-control': 'no-cache', authorization: memberKey },
        body: next().body,
      });
      const text = await response.text();
      if (response.status !== 200 || text.includes('"errors"'))
        throw new Error(`R check through the ${label} stack: ${response.status} ${text.slice(0, 300)}`);
      answers[label].push(text);
    }
  }
  const differing = answers.new!.filter((text, i) => text !== answers.old![i]).length;
  log(`R check: 60/60 answered without errors through each stack; ${differing}/60 answers differ between them`);

  const rounds = Math.max(1, Number(args.rounds));
  const measured: Record<'old' | 'new', StackRound[]> = { old: [], new: [] };
  for (let round = 0; round < rounds; round += 1) {
    const order = (round % 2 === 0 ? ['old', 'new'] : ['new', 'old']) as Array<'old' | 'new'>;
    for (const label of order) {
      const stack = stacks[label];
      const target: Target = { name: label, url: stack.url, pid: stack.pid };
      if (round === 0) await drive(target, rRequests('warm-up', 0), Math.max(2, Math.round(duration / 3)));
      const before = await stack.counters();
      const fetchesBefore = await fetchesBySubgraph(stack.metricsUrl);
      const cpuBefore = cpuMs(stack.pid);
      const { result, latencies, graphqlErrors } = await drive(target, rRequests('measured', round), duration);
      const gatewayCpu = cpuMs(stack.pid) - cpuBefore;
      const after = await stack.counters();
      const fetchesAfter = await fetchesBySubgraph(stack.metricsUrl);
      // Requests per subgraph: its own counter, else (a build without it) what the gateway sent it.
      for (const name of Object.keys(after))
        if (after[name]!.requests === undefined) {
          before[name]!.requests = fetchesBefore[name] ?? 0;
          after[name]!.requests = fetchesAfter[name] ?? 0;
        }
      latencies.sort((a, b) => a - b);
      const row: StackRound = {
        rps: latencies.length / duration,
        p99: percentile(latencies, 99),
        gatewayCpuMsPerOp: gatewayCpu / Math.max(1, latencies.length),
        errors: result.errors + result.non2xx + graphqlErrors,
        subgraphs: subgraphUsage(before, after, latencies.length),
      };
      measured[label].push(row);
      log(
        `round ${round + 1}/${rounds}, ${label}: ${row.rps.toFixed(0)} req/s, p99 ${row.p99.toFixed(1)} ms, ${row.errors} errors, gateway CPU ${row.gatewayCpuMsPerOp.toFixed(2)} ms/op; subgraph CPU ms/op ${row.subgraphs.map((u) => `${u.name} ${u.cpuMsPerOp.toFixed(2)}`).join(', ')}; SQL/op ${row.subgraphs.reduce((sum, u) => sum + u.sqlPerOp, 0).toFixed(2)}`,
      );
    }
  }

  // Per round: old → new (ratio) for each subgraph both stacks have, their sum, and the whole path.
  const both = names;
  type Value = (row: StackRound) => number | undefined;
  const cell = (a: number | undefined, b: number | undefined, digits = 2) =>
    a === undefined || b === undefined || !(a > 0)
      ? `${a?.toFixed(digits) ?? '–'} → ${b?.toFixed(digits) ?? '–'}`
      : `${a.toFixed(digits)} → ${b.toFixed(digits)} (${(b / a).toFixed(2)}×)`;
  const pick = (row: StackRound, name: string) => row.subgraphs.find((u) => u.name === name);
  const common = (row: StackRound) => both.reduce((sum, n) => sum + (pick(row, n)?.cpuMsPerOp ?? 0), 0);
  // The subgraphs that do work on R (a subgraph that served no request has no CPU per request).
  const busy = both.filter((n) => measured.old.some((r) => pick(r, n)?.cpuMsPerRequest !== undefined));
  const columns: Array<[string, Value, number]> = [
    ...both.map((n): [string, Value, number] => [n, (r) => pick(r, n)?.cpuMsPerOp, 2]),
    [`all ${both.length} subgraphs`, common, 2],
    ...busy.map((n): [string, Value, number] => [`${n} per request`, (r) => pick(r, n)?.cpuMsPerRequest, 2]),
    ['req/s', (r) => r.rps, 0],
    ['p99 ms', (r) => r.p99, 0],
    ['gateway CPU ms/op', (r) => r.gatewayCpuMsPerOp, 2],
    ['SQL/op', (r) => r.subgraphs.filter((u) => both.includes(u.name)).reduce((s, u) => s + u.sqlPerOp, 0), 2],
  ];
  const medianRatio = (value: Value) => {
    const ratios = measured.old
      .map((o, i) => {
        const [a, b] = [value(o), value(measured.new[i]!)];
        return a === undefined || b === undefined || !(a > 0) ? undefined : b / a;
      })
      .filter((r): r is number => r !== undefined);
    return ratios.length > 0 ? `**${median(ratios).toFixed(2)}×**` : '–';
  };
  const lines = [
    `Before/after of the whole path on R: ${args.baseline} (old) and this checkout (new), ${rounds} interleaved rounds of ${duration} s, ${process.env.DATABASE_URL ? 'MySQL/MariaDB' : 'SQLite'}; subgraph CPU ms per client operation unless "per request"`,
    '',
    `| round | ${columns.map(([name]) => name).join(' | ')} |`,
    `| --- | ${columns.map(() => '---:').join(' | ')} |`,
  ];
  for (let round = 0; round < rounds; round += 1)
    lines.push(
      `| ${round + 1} | ${columns.map(([, value, digits]) => cell(value(measured.old[round]!), value(measured.new[round]!), digits)).join(' | ')} |`,
    );
  lines.push(`| **median ratio** | ${columns.map(([, value]) => medianRatio(value)).join(' | ')} |`);
  const extra = (measured.new[0]?.subgraphs ?? []).filter((u) => !both.includes(u.name)).map((u) => u.name);
  for (const name of extra)
    lines.push(
      '',
      `${name} (new only): CPU ms/op per round ${measured.new.map((r) => pick(r, name)!.cpuMsPerOp.toFixed(2)).join(', ')}`,
    );
  log(`\n${lines.join('\n')}`);
}

/** In a written report, what follows this line is kept when the bench rewrites the file. */
const KEPT_MARKER =
  '<!-- Written by hand: npm run bench keeps everything from this line on when it rewrites this file. -->';

function machine(): string {
  const cpu = /model name\s*:\s*(.*)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model;
  return `${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

/** What the side-by-side section states besides the measured rows. */
interface SideBySideFacts {
  /** Why Hive Gateway was left out, when it was. */
  hiveUnavailable?: string;
  /** The R check's lines (answers without errors, sizes, agreement with the stock gateway). */
  rChecks: string[];
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);

/**
 * The side-by-side comparison: every target's figures with their ratio to the stock gateway's
 * in the same scenario of the same run.
 */
function renderSideBySide(results: Result[], facts: SideBySideFacts): string[] {
  if (results.length === 0) return [];
  const hive = (name: string) => {
    try {
      const file = path.join(HIVE_DIR, 'node_modules', name, 'package.json');
      return `${name}@${(JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version}`;
    } catch {
      return name;
    }
  };
  const lines = [
    "## Side by side: our executor, Apollo's executor, stock, Hive Gateway",
    '',
    'S1, S2 and R through each target in the same run; each figure is followed by its ratio to the stock',
    "gateway's in the same scenario (for CPU, latency and RSS below 1 is better; for req/s above 1 is better).",
    '',
    '| scenario | target | gateway CPU ms/op | req/s | p50 ms | p99 ms | gateway peak RSS MiB | errors | SQL/op |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    const stock = results.find((s) => s.scenario === r.scenario && s.target === 'stock');
    const ratio = (value: number, base: number | undefined, digits = 1) =>
      `${fmt(value, digits)}${stock && base ? ` (${fmt(value / base, 2)}×)` : ''}`;
    lines.push(
      `| ${r.scenario} | ${r.target} | ${ratio(r.cpuMsPerOp, stock?.cpuMsPerOp, 2)} | ${ratio(r.rps, stock?.rps, 0)} | ${ratio(r.p50, stock?.p50)} | ${ratio(r.p99, stock?.p99)} | ${ratio(r.gatewayPeakMiB, stock?.gatewayPeakMiB)} | ${r.errors} | ${fmt(r.sqlPerOp, 2)} |`,
    );
  }
  // The issue's targets compare our executor's CPU per operation with every other target's.
  const scenarios = [...new Set(results.map((r) => r.scenario))];
  const versus = scenarios
    .map((scenario) => {
      const row = (target: string) => results.find((r) => r.scenario === scenario && r.target === target);
      const ours = row(SIDE_BY_SIDE[0]!.name);
      if (!ours) return undefined;
      // Every other target of the scenario, `ours at baseline` (--baseline) included.
      const others = results
        .filter((r) => r.scenario === scenario && r !== ours)
        .map((r) => `${fmt(ours.cpuMsPerOp / r.cpuMsPerOp, 2)}× \`${r.target}\``);
      return `${scenario}: ${others.join(', ')}`;
    })
    .filter((line): line is string => line !== undefined);
  if (versus.length > 0)
    lines.push(
      '',
      `Gateway CPU per operation of \`${SIDE_BY_SIDE[0]!.name}\` against each other target's: ${versus.join('; ')}.`,
    );
  const settings = SIDE_BY_SIDE.map(
    (t) =>
      `\`${t.name}\`${
        Object.keys(t.env).length
          ? ` (${Object.entries(t.env)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')})`
          : ''
      }`,
  ).join('; ');
  lines.push(
    '',
    `Targets and settings: ${settings}. Nothing shares work between concurrent requests: our gateway without in-flight`,
    "deduplication, Hive Gateway with its HTTP transport's `deduplicateInflightRequests: false`, the stock gateway",
    "never deduplicates POSTs. S1's and S2's requests are identical to one another, R's never are, so for R",
    'deduplication could not apply whatever the setting. Our gateway also skips its response cache (`cache-control: no-cache`).',
    `Hive Gateway: ${facts.hiveUnavailable ? `**not run**: ${facts.hiveUnavailable}` : `${hive('@graphql-hive/gateway')} with ${hive('@graphql-hive/router-runtime')} (\`unifiedGraphHandler\`: Hive Router's Rust query planner and its plan executor), installed for the bench only (bench/hive), one process on \`node:http\`, default settings, over the same supergraph file; like the stock gateway it forwards a pre-signed assertion and checks no credentials (bench/hive/gateway.mjs)`}.`,
    '',
    `R, the member-platform mix, draws new variables for every request from the benchmark-scale seed with a seeded generator (the same sequence for every target), as the development member: ${REALISTIC_OPERATIONS.map((op) => `${op.name} (${op.subgraphs} subgraph${op.subgraphs > 1 ? 's' : ''}, ${op.weight} %)`).join(', ')} (bench/realistic.ts).`,
  );
  if (facts.rChecks.length > 0)
    lines.push(
      '',
      'Before R is measured, 120 R requests through each target, one at a time:',
      '',
      ...facts.rChecks.map((c) => `- ${c}.`),
    );
  lines.push('', ...renderSubgraphTable(results));
  return lines;
}

/**
 * Each subgraph's share of every measured row: CPU per client operation and per subgraph request
 * (from the subgraph processes' own accounting, so the same whichever gateway sends the requests).
 */
function renderSubgraphTable(results: Result[]): string[] {
  if (results.every((r) => r.subgraphs.length === 0)) return [];
  return [
    '### Subgraph CPU',
    '',
    "Each subgraph process's user + system CPU from `/proc/<pid>/stat` over the measured run, per client operation",
    'and per GraphQL request it served (its `/internal/stats` counter), with its SQL statements per operation.',
    '',
    ...SUBGRAPH_USAGE_HEADER,
    ...results.flatMap((r) => renderSubgraphUsage(`${r.scenario}, ${r.target}`, r.subgraphs)),
    '',
  ];
}

/** What the main section states besides the measured rows. */
interface MainFacts {
  sql5: number;
  sql50: number;
  withContent: boolean;
  caches: string;
  /** S5's figures, when it ran. */
  subscriptions?: string;
}

function renderReport(all: Result[], facts: MainFacts & { databases: string; sideBySide: SideBySideFacts }): string {
  const results = all.filter((r) => r.group === 'main');
  const lines = [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench -- --scale ${scale} --duration ${duration} --connections ${connections}${Number(args.rounds) > 1 ? ` --rounds ${args.rounds}` : ''}\` on ${new Date().toISOString().slice(0, 10)}.`,
    '',
    `Machine: ${machine()}. Databases: ${facts.databases}. Load generator, gateways and subgraphs share the machine.`,
    '',
  ];
  // Only the side-by-side comparison (--executors, --only R) leaves the main table empty.
  if (results.length > 0) lines.push(...renderMain(results, facts));
  lines.push(
    ...renderSideBySide(
      all.filter((r) => r.group === 'executors'),
      facts.sideBySide,
    ),
  );
  return lines.join('\n');
}

/** The main table and ratios (S1–S4 through our gateway with default settings, its variants and stock). */
function renderMain(results: Result[], facts: MainFacts): string[] {
  const lines = [
    '| scenario | target | req/s | p50 ms | p95 ms | p99 ms | errors | gateway CPU ms/op | gateway peak RSS MiB | subgraph peak RSS MiB | SQL/op |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${r.scenario} | ${r.target} | ${fmt(r.rps, 0)} | ${fmt(r.p50)} | ${fmt(r.p95)} | ${fmt(r.p99)} | ${r.errors} | ${r.target.startsWith('direct') ? '–' : fmt(r.cpuMsPerOp, 2)} | ${r.gatewayPeakMiB ? fmt(r.gatewayPeakMiB) : '–'} | ${fmt(r.subgraphPeakMiB)} | ${fmt(r.sqlPerOp, 2)} |`,
    ),
    '',
    '## Ours / stock',
    '',
    '| scenario | req/s ratio | p99 ratio | CPU per op ratio |',
    '| --- | ---: | ---: | ---: |',
  ];
  for (const scenario of [...new Set(results.map((r) => r.scenario))]) {
    const ours = results.find((r) => r.scenario === scenario && r.target === 'ours');
    const stock = results.find((r) => r.scenario === scenario && r.target === 'stock');
    if (!ours || !stock) continue;
    lines.push(
      `| ${scenario} | ${fmt(ours.rps / stock.rps, 2)}× | ${fmt(ours.p99 / Math.max(1, stock.p99), 2)} | ${fmt(ours.cpuMsPerOp / stock.cpuMsPerOp, 2)} |`,
    );
  }
  const s1 = results.find((r) => r.scenario.startsWith('S1') && r.target === 'ours');
  const s1Direct = results.find((r) => r.scenario.startsWith('S1') && r.target.startsWith('direct'));
  const s3Cached = results.find((r) => r.scenario === 'S3 public query, cached' && r.target === 'ours');
  const s3Uncached = results.find((r) => r.scenario === 'S3 public query, uncached' && r.target === 'ours');
  lines.push('', '## Other figures', '');
  if (s1 && s1Direct)
    lines.push(
      `- Gateway overhead on S1: ours ${fmt(s1.rps, 0)} req/s (p50 ${fmt(s1.p50)} ms) against the tourism subgraph directly ${fmt(s1Direct.rps, 0)} req/s (p50 ${fmt(s1Direct.p50)} ms).`,
    );
  if (s3Cached && s3Uncached)
    lines.push(
      `- S3 with our response cache: ${fmt(s3Cached.rps / s3Uncached.rps, 1)}× our uncached S3 (${fmt(s3Cached.rps, 0)} against ${fmt(s3Uncached.rps, 0)} req/s).`,
    );
  const s2 = (target: string) => results.find((r) => r.scenario.startsWith('S2') && r.target === target);
  const [s2Ours, s2Stock, s2NoDedupe, s2Workers] = ['ours', 'stock', 'ours, dedupe off', 'ours, 2 workers'].map(s2);
  if (s2Ours && s2Stock && s2NoDedupe)
    lines.push(
      `- S2 without in-flight deduplication (\`SUBGRAPH_DEDUPE=false\`; every request fetches on its own): ${fmt(s2NoDedupe.rps, 0)} req/s, ${fmt(s2NoDedupe.rps / s2Stock.rps, 2)}× the stock gateway, gateway CPU ${fmt(s2NoDedupe.cpuMsPerOp, 2)} ms/op (${fmt(s2NoDedupe.cpuMsPerOp / s2Stock.cpuMsPerOp, 2)} of the stock gateway's), p99 ${fmt(s2NoDedupe.p99)} ms, ${fmt(s2NoDedupe.sqlPerOp, 2)} SQL statements/op.`,
    );
  if (s2Ours && s2Workers)
    lines.push(
      `- S2 with \`GATEWAY_WORKERS=2\`: ${fmt(s2Workers.rps, 0)} req/s against ${fmt(s2Ours.rps, 0)} with one process (CPU ${fmt(s2Workers.cpuMsPerOp, 2)} ms/op over primary and workers), on ${os.cpus().length} cores shared with the load generator and the subgraphs.`,
    );
  if (facts.subscriptions)
    lines.push(
      `- ${facts.subscriptions}. In the table, S5's req/s are deliveries per second, its latencies are publish → delivery, and its CPU and SQL are per delivery.`,
    );
  lines.push(
    `- Caches of our gateway after the run (from its \`/metrics\`): ${facts.caches}.`,
    `- SQL statements per S2 operation (${facts.withContent ? 'four' : 'three'} subgraphs): ${facts.sql5} at \`first: 5\`, ${facts.sql50} at \`first: 50\` (members' contents at \`first: 10\`, to stay under the cost limit).`,
    '',
    'Notes: every scenario except "S3 cached" sends `cache-control: no-cache`, so our response cache is skipped; S2 and S4',
    'run as the development member (our gateway checks the key; the stock gateway checks nothing and forwards a',
    'pre-signed assertion). Gateway CPU is user + system time from `/proc/<pid>/stat` over the measured run; peak RSS',
    "is the highest sampled VmRSS. SQL/op is the sum of every subgraph's statement counter over the run, per operation;",
    "under load ours is far below the stock gateway's mostly because every connection sends the same operation, so",
    'in-flight deduplication shares identical subgraph queries (compare the "dedupe off" row).',
    '',
    ...renderSubgraphTable(results),
  );
  return lines;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
