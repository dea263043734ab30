import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { dropMysqlDatabase, mysqlServerUrl } from './databases';
import { startService, type RunningService } from './processes';

const SUPERGRAPH = path.resolve(__dirname, '../../schema/supergraph.graphql');

/** The membership subgraph and the gateway as real processes, on a fresh database. */
export interface Stack {
  membership: RunningService;
  gateway: RunningService;
  /** A private copy of the supergraph the gateway watches. */
  supergraphPath: string;
  /** Environment that points a membership process at this stack's database. */
  databaseEnv: Record<string, string>;
  /** Restarts the membership subgraph on the same port and database. */
  restartMembership: () => Promise<RunningService>;
  stop: () => Promise<void>;
}

/** Starts a stack on `engine`; `gatewayEnv` adds or overrides gateway settings. */
export async function startStack(engine: 'sqlite' | 'mysql', gatewayEnv: Record<string, string> = {}): Promise<Stack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alliance-e2e-'));
  const databaseEnv: Record<string, string> =
    engine === 'sqlite'
      ? { DATA_DIR: dir }
      : // A database of its own per stack; the service must create it.
        { MEMBERSHIP_DATABASE_URL: `${mysqlServerUrl()}/alliance_e2e_${randomBytes(4).toString('hex')}` };
  const supergraphPath = path.join(dir, 'supergraph.graphql');
  fs.copyFileSync(SUPERGRAPH, supergraphPath);
  const stack: Stack = {
    membership: await startService('subgraphs/membership/index.ts', { ...databaseEnv, SEED: 'if-empty' }),
    gateway: undefined as unknown as RunningService, // set just below, once membership's port is known
    supergraphPath,
    databaseEnv,
    restartMembership: async () => {
      const port = String(stack.membership.port);
      await stack.membership.stop();
      stack.membership = await startService('subgraphs/membership/index.ts', {
        ...databaseEnv,
        SEED: 'if-empty',
        PORT: port,
      });
      return stack.membership;
    },
    stop: async () => {
      await stack.gateway?.stop();
      await stack.membership?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      if (databaseEnv.MEMBERSHIP_DATABASE_URL) await dropMysqlDatabase(databaseEnv.MEMBERSHIP_DATABASE_URL);
    },
  };
  stack.gateway = await startService('gateway/index.ts', {
    SUPERGRAPH_PATH: supergraphPath,
    SUBGRAPH_MEMBERSHIP_URL: `${stack.membership.url}/graphql`,
    ...gatewayEnv,
  });
  return stack;
}
