/**
 * `npm run seed`: migrates and seeds every subgraph's database wherever the environment
 * points (embedded SQLite by default, MySQL with DATABASE_URL). Idempotent.
 */
import { SUBGRAPHS } from '../subgraphs';
import { loadSubgraphConfig } from '../subgraphs/kit/config';
import { openDatabase } from '../subgraphs/kit/database';
import { exitOnStartupError } from '../subgraphs/kit/run';

async function main(): Promise<void> {
  for (const subgraph of SUBGRAPHS) {
    const config = loadSubgraphConfig(subgraph);
    const database = await openDatabase({
      config: config.database,
      entities: subgraph.entities,
      migrations: subgraph.migrations,
    }).catch((error: unknown) => exitOnStartupError(subgraph.name, error));
    try {
      process.stdout.write(
        `${subgraph.name}: seeded ${await subgraph.seed(database.dataSource, { devCredentials: config.nodeEnv !== 'production' })}\n`,
      );
    } finally {
      await database.dataSource.destroy();
    }
  }
}

main().catch((error: unknown) => exitOnStartupError('seed', error));
