import { loadSubgraphConfig } from './config';
import { openDatabase, optimizeDatabase } from './database';
import { createLogger } from './logger';
import { listenOrExplain } from './listener';
import { stopOnSignals } from './shutdown';
import { startTracing, traceIdLogFields } from './tracing';
import type { Subgraph } from './descriptor';

// The gateway and scripts import these from `listener.ts`; kept here for the subgraphs' entry points.
export { exitOnStartupError, listenOrExplain } from './listener';
// Seeds take their options from here; they are declared with the subgraph descriptor.
export type { SeedOptions } from './descriptor';

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
