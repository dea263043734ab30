import type http from 'node:http';
import type { DataSource } from 'typeorm';
import { type SubgraphName, loadSubgraphConfig } from './config';
import { type Database, type DatabaseOptions, openDatabase } from './database';
import { StartupError } from './env';
import { createLogger, type Logger } from './logger';
import { type BuiltSubgraph, type SubgraphSecurity, listen } from './server';
import { stopOnSignals } from './shutdown';

/** How a subgraph's `index.ts` describes itself to {@link runSubgraph}. */
export interface SubgraphProcess<Repos, Loaders> {
  name: SubgraphName;
  entities: DatabaseOptions['entities'];
  migrations: DatabaseOptions['migrations'];
  /** Writes the sample data; must be idempotent. Returns a one-line summary. */
  seed: (dataSource: DataSource, options: SeedOptions) => Promise<string>;
  /** True when the subgraph holds no data yet (first start). */
  isEmpty: (dataSource: DataSource) => Promise<boolean>;
  build: (database: Database, logger: Logger, security: SubgraphSecurity) => Promise<BuiltSubgraph<Repos, Loaders>>;
}

/** How seeding may differ between environments. */
export interface SeedOptions {
  /** Development credentials (public, printed by `npm start`); never in production. */
  devCredentials: boolean;
}

/** Prints a start-up failure as one line and exits non-zero; other errors keep their stack. */
export function exitOnStartupError(service: string, error: unknown): never {
  if (error instanceof StartupError) {
    process.stderr.write(`${service}: ${error.message}\n`);
  } else {
    process.stderr.write(`${service}: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  }
  process.exit(1);
}

/**
 * The whole life of a subgraph process: read config, open and migrate the database,
 * seed when asked, listen, and on SIGTERM/SIGINT drain (see `./shutdown`), close the
 * database and exit 0.
 */
export async function runSubgraph<Repos, Loaders>(definition: SubgraphProcess<Repos, Loaders>): Promise<void> {
  const config = loadSubgraphConfig(definition.name);
  const logger = createLogger(definition.name, config.logLevel);
  const database = await openDatabase({
    config: config.database,
    entities: definition.entities,
    migrations: definition.migrations,
  });
  if (config.seed === 'if-empty' && (await definition.isEmpty(database.dataSource))) {
    const devCredentials = config.nodeEnv !== 'production';
    logger.info({ summary: await definition.seed(database.dataSource, { devCredentials }) }, 'seeded sample data');
  }
  const built = await definition.build(database, logger, config.security);
  if (config.security.allowUnsigned) {
    logger.warn('ALLOW_UNSIGNED_REQUESTS is on: requests without a gateway assertion are served as anonymous');
  }
  stopOnSignals({
    service: definition.name,
    logger,
    server: built.httpServer,
    settings: config.http,
    close: async () => {
      await built.apollo.stop();
      await database.dataSource.destroy();
    },
  });
  const port = await listenOrExplain(built.httpServer, config.port, config.host);
  logger.info({ url: `http://${config.host}:${port}/graphql`, database: config.database.kind }, 'subgraph ready');
}

/**
 * Listens on the configured address, turning "port in use" into a one-line start-up error
 * naming `variable`, the setting that chose the port.
 */
export async function listenOrExplain(
  server: http.Server,
  port: number,
  host: string,
  variable = 'PORT',
): Promise<number> {
  try {
    return await listen(server, port, host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new StartupError(`cannot listen on ${host}:${port} (${variable}): ${code}`);
  }
}
