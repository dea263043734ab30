/**
 * One entry point for every service, so one container image runs any of them:
 *   SERVICE=<gateway or a subgraph's name>  (or the name as first argument:
 *   `npm run start:service -- tourism`, `node dist/scripts/service.js tourism`)
 * and the one-shot SERVICE=provision-databases that creates the subgraphs' MySQL databases and users.
 * Subgraphs are those of the registry (`subgraphs/index.ts`), each run by its `index.ts`.
 */
import path from 'node:path';
import type * as Registry from '../subgraphs';

/** Services that are not subgraphs, and their entries. */
const ENTRIES: Record<string, string> = {
  gateway: 'gateway/index',
  'provision-databases': 'scripts/provision-databases',
};
const service = process.argv[2] ?? process.env.SERVICE;

/**
 * The subgraphs' names, from the registry. Loaded only when SERVICE is not the gateway: the
 * registry imports every subgraph's code, which the gateway's process has no use for.
 */
function subgraphNames(): readonly string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const registry: typeof Registry = require('../subgraphs');
  return registry.SUBGRAPH_NAMES;
}

if (!service || !(Object.hasOwn(ENTRIES, service) || subgraphNames().includes(service))) {
  const services = ['gateway', ...subgraphNames(), 'provision-databases'];
  process.stderr.write(`SERVICE must be one of: ${services.join(', ')} (got ${service ?? 'nothing'})\n`);
  process.exit(2);
}
// The same file runs as TypeScript (tsx) and compiled (dist/): load the entry with our own extension,
// synchronously, as the CommonJS module it is in both cases.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(path.join(__dirname, '..', `${ENTRIES[service] ?? `subgraphs/${service}/index`}${path.extname(__filename)}`));
