import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { readAssertionKey } from '../../subgraphs/kit/config';
import {
  ANONYMOUS,
  ASSERTION_HEADER,
  type AssertionKey,
  IDENTITY_AUDIENCE,
  signAssertion,
} from '../../subgraphs/kit/identity';
import { SUBGRAPH_NAMES } from '../../subgraphs';
import { dropMysqlDatabase, mysqlServerUrl } from './databases';
import { freePort, startService, type RunningService } from './processes';

const SUPERGRAPH = path.resolve(__dirname, '../../schema/supergraph.graphql');

/**
 * A stopping service drains: it waits for idle keep-alive connections to close on their own
 * (closing them early could lose a request just sent). With the default 5 s, every stack's stop
 * waited up to that long per process; the shortest allowed keep-alive keeps suites fast. The
 * gateway closes its idle sockets to subgraphs sooner still, as in production. A suite may
 * override both through `serviceEnv` or `gatewayEnv`.
 */
const QUICK_DRAIN = { KEEP_ALIVE_TIMEOUT_MS: '1000' };

/** Every subgraph and the gateway as real processes, each subgraph on a fresh database. */
export interface Stack {
  gateway: RunningService;
  /** Subgraph processes by name (`membership`, ...). */
  subgraphs: Record<string, RunningService>;
  /** Shorthand for `subgraphs.membership`. */
  membership: RunningService;
  /** A private copy of the supergraph the gateway watches. */
  supergraphPath: string;
  /** Environment that points subgraph processes at this stack's databases. */
  databaseEnv: Record<string, string>;
  /** The assertion key every process of this stack shares (from `serviceEnv`, else the development one). */
  assertionKey: AssertionKey;
  /**
   * Restarts one subgraph on the same port and database (stopping it first unless it is gone,
   * e.g. killed); `env` adds settings for the new process.
   */
  restart: (name: string, env?: Record<string, string>) => Promise<RunningService>;
  /** Restarts the membership subgraph on the same port and database. */
  restartMembership: () => Promise<RunningService>;
  /** Starts another gateway on the same subgraphs, e.g. in production mode; stopped with the stack. */
  startGateway: (env: Record<string, string>) => Promise<RunningService>;
  /** SQL statements a subgraph has sent so far (from its `/internal/stats`). */
  sqlStatements: (name: string) => Promise<number>;
  stop: () => Promise<void>;
}

/**
 * Starts a stack on `engine`; `gatewayEnv` adds or overrides gateway settings, `serviceEnv`
 * settings of every process, gateways and subgraphs (e.g. `GATEWAY_ASSERTION_SECRET`,
 * `DEPLOYMENT_ID`, `LOG_LEVEL`).
 */
export async function startStack(
  engine: 'sqlite' | 'mysql',
  gatewayEnv: Record<string, string> = {},
  serviceEnv: Record<string, string> = {},
): Promise<Stack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alliance-e2e-'));
  const names = SUBGRAPH_NAMES;
  const run = randomBytes(4).toString('hex');
  const databaseEnv: Record<string, string> =
    engine === 'sqlite'
      ? { DATA_DIR: dir }
      : // Databases of their own per stack; the services must create them.
        Object.fromEntries(
          names.map((name) => [
            `${name.toUpperCase()}_DATABASE_URL`,
            `${mysqlServerUrl()}/alliance_e2e_${run}_${name}`,
          ]),
        );
  const supergraphPath = path.join(dir, 'supergraph.graphql');
  fs.copyFileSync(SUPERGRAPH, supergraphPath);
  const entry = (name: string) => `subgraphs/${name}/index.ts`;

  // Ports chosen up front so that subgraphs that ask each other (content checks attraction
  // and campaign ids with their owners) know where their peers listen.
  const ports: Record<string, number> = {};
  for (const name of names) ports[name] = await freePort();
  const peerEnv = Object.fromEntries(
    names.map((name) => [`SUBGRAPH_${name.toUpperCase()}_URL`, `http://127.0.0.1:${ports[name]}/graphql`]),
  );
  const subgraphEnv = (name: string) => ({
    ...QUICK_DRAIN,
    ...serviceEnv,
    ...databaseEnv,
    ...peerEnv,
    SEED: 'if-empty',
    PORT: String(ports[name]),
  });

  const subgraphs: Record<string, RunningService> = Object.fromEntries(
    await Promise.all(names.map(async (name) => [name, await startService(entry(name), subgraphEnv(name))] as const)),
  );
  const restart = async (name: string, env: Record<string, string> = {}) => {
    await subgraphs[name]!.stop();
    subgraphs[name] = await startService(entry(name), { ...subgraphEnv(name), ...env });
    return subgraphs[name]!;
  };
  const extraGateways: RunningService[] = [];
  const startGateway = (env: Record<string, string>) =>
    startService('gateway/index.ts', {
      ...QUICK_DRAIN,
      SUBGRAPH_KEEP_ALIVE_MS: '500',
      ...serviceEnv,
      SUPERGRAPH_PATH: supergraphPath,
      ...Object.fromEntries(
        names.map((name) => [`SUBGRAPH_${name.toUpperCase()}_URL`, `${subgraphs[name]!.url}/graphql`]),
      ),
      ...env,
    });
  const gateway = await startGateway(gatewayEnv);
  const assertionKey = readAssertionKey(serviceEnv, 'test');

  return {
    gateway,
    subgraphs,
    get membership() {
      return subgraphs.membership!;
    },
    supergraphPath,
    databaseEnv,
    assertionKey,
    restart,
    restartMembership: () => restart('membership'),
    startGateway: async (env) => {
      const started = await startGateway(env);
      extraGateways.push(started);
      return started;
    },
    sqlStatements: async (name) => {
      const response = await fetch(`${subgraphs[name]!.url}/internal/stats`, {
        headers: { [ASSERTION_HEADER]: await signAssertion(ANONYMOUS, assertionKey, IDENTITY_AUDIENCE) },
      });
      return ((await response.json()) as { sqlStatements: number }).sqlStatements;
    },
    stop: async () => {
      await Promise.all([gateway, ...extraGateways].map((g) => g.stop()));
      await Promise.all(Object.values(subgraphs).map((s) => s.stop()));
      fs.rmSync(dir, { recursive: true, force: true });
      for (const [key, url] of Object.entries(databaseEnv))
        if (key.endsWith('_DATABASE_URL')) await dropMysqlDatabase(url);
    },
  };
}
