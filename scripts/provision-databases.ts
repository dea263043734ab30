/**
 * `SERVICE=provision-databases` (the compose one-shot service) or `npm run db:provision`:
 * creates each subgraph's MySQL database and its own user, with rights on that database
 * only (subgraphs/kit/provision.ts). Reads MYSQL_ADMIN_URL and MYSQL_<NAME>_PASSWORD;
 * idempotent, so it runs before the subgraphs on every deployment.
 */
import { SUBGRAPH_NAMES } from '../subgraphs';
import { provisionDatabases, readProvisionConfig } from '../subgraphs/kit/provision';
import { exitOnStartupError } from '../subgraphs/kit/run';

async function main(): Promise<void> {
  const config = readProvisionConfig(process.env, SUBGRAPH_NAMES);
  await provisionDatabases(config);
  process.stdout.write(
    `provision-databases: ${config.accounts.map((a) => `${a.user} on ${a.database}`).join(', ')} ready\n`,
  );
}

main().catch((error: unknown) => exitOnStartupError('provision-databases', error));
