/**
 * One entry point for every service, so one container image runs any of them:
 *   SERVICE=gateway|membership|content|campaigns|tourism  (or the name as first argument)
 * and the one-shot SERVICE=provision-databases that creates the subgraphs' MySQL databases and users.
 */
import path from 'node:path';
import { SUBGRAPH_NAMES } from '../subgraphs/kit/config';

const SERVICES = ['gateway', ...SUBGRAPH_NAMES, 'provision-databases'] as const;
const ENTRIES: Record<string, string> = {
  gateway: 'gateway/index',
  'provision-databases': 'scripts/provision-databases',
};
const service = process.argv[2] ?? process.env.SERVICE;

if (!service || !(SERVICES as readonly string[]).includes(service)) {
  process.stderr.write(`SERVICE must be one of: ${SERVICES.join(', ')} (got ${service ?? 'nothing'})\n`);
  process.exit(2);
}
// The same file runs as TypeScript (tsx) and compiled (dist/): load the entry with our own extension,
// synchronously, as the CommonJS module it is in both cases.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(path.join(__dirname, '..', `${ENTRIES[service] ?? `subgraphs/${service}/index`}${path.extname(__filename)}`));
