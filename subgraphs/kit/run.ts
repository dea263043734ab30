import type http from 'node:http';
import { loadSubgraphConfig } from './config';
import { openDatabase, optimizeDatabase } from './database';
import { StartupError } from './env';
import { createLogger } from './logger';
import { listen } from './server';
import { stopOnSignals } from './shutdown';
import { startTracing, traceIdLogFields } from './tracing';
import type { Subgraph } from './descriptor';

// Seeds take their options from here; they are declared with the subgraph descriptor.
export type { SeedOptions } from './descriptor';

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
export async function runSubgraph(definition: Subgraph): Promise<void> {
  const config = loadSubgraphConfig(definition);
  const logger = createLogger(definition.name, config.logLevel, undefined, config.tracing && traceIdLogFields);
  const tracing = config.tracing ? await startTracing(config.tracing) : undefined;
  const database = await openDatabase({
    config: config.database,
    entities: definition.entities,
    migrations: definition.migrations,
  });
  if (config.seed === 'if-empty' && (await definition.isEmpty(database.dataSource))) {
    const devCredentials = config.nodeEnv !== 'production';
    logger.info({ summary: await definition.seed(database.dataSource, { devCredentials }) }, 'seeded sample data');
    // The planner's statistics were taken of the empty tables.
    optimizeDatabase(database.dataSource);
  }
  const built = await definition.build(database, logger, config.security, {
    config: config.events,
    background: { env: process.env, nodeEnv: config.nodeEnv },
    tracing,
  });
  if (config.security.allowUnsigned) {
    logger.warn('ALLOW_UNSIGNED_REQUESTS is on: requests without a gateway assertion are served as anonymous');
  }
  stopOnSignals({
    service: definition.name,
    logger,
    server: built.httpServer,
    settings: config.http,
    beforeDrain: built.goingAway,
    close: async () => {
      await built.stop();
      await database.dataSource.destroy();
      // The spans of the last requests are sent before the process exits.
      await tracing?.shutdown();
    },
  });
  const port = await listenOrExplain(built.httpServer, config.port, config.host);
  logger.info(
    {
      url: `http://${config.host}:${port}/graphql`,
      database: config.database.kind,
      ...(built.events ? { events: built.events.transport.kind } : {}),
      ...(config.tracing ? { traces: 'otlp' } : {}),
    },
    'subgraph ready',
  );
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
