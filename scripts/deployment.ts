/**
 * `npm run deployment`: writes the per-subgraph parts of the deployment files from the registry
 * (`subgraphs/index.ts`), so a new subgraph needs no hand edit there:
 *   docker-compose.yml  each subgraph's service, its MySQL password for provisioning, the
 *                       gateway's route to it and the gateway's wait for it
 *   .env.example        each subgraph's MYSQL_<NAME>_PASSWORD
 * Only the regions between the markers below are written; the rest of each file is edited by
 * hand. `--check` writes nothing and fails naming each stale region and its missing lines
 * (CI runs it; so does `test/unit/deployment.test.ts`).
 *
 *   # generated from subgraphs/index.ts by `npm run deployment`: <region>
 *   ...
 *   # end of generated <region>
 */
import fs from 'node:fs';
import path from 'node:path';
import { SUBGRAPHS } from '../subgraphs';
import { mysqlDatabaseName } from '../subgraphs/kit/config';
import { mysqlUserName } from '../subgraphs/kit/provision';
import { databasePasswordPlaceholder } from '../subgraphs/kit/secrets';
import { ROOT } from './subgraphs';

/** What the deployment files need to know of a subgraph. */
export interface DeployedSubgraph {
  name: string;
  port: number;
}

/** The files with generated regions, and each region's lines (without the marker's indentation). */
type Regions = Record<string, Record<string, string[]>>;

const BEGIN = /^(\s*)# generated from subgraphs\/index\.ts by `npm run deployment`: (.+)$/;
const end = (region: string) => `# end of generated ${region}`;

/** The generated regions of each deployment file, for these subgraphs. */
function deploymentRegions(subgraphs: readonly DeployedSubgraph[]): Regions {
  const upper = (name: string) => name.toUpperCase();
  const password = (name: string) => `\${MYSQL_${upper(name)}_PASSWORD:?set MYSQL_${upper(name)}_PASSWORD in .env}`;
  return {
    'docker-compose.yml': {
      'subgraph passwords': subgraphs.map(({ name }) => `MYSQL_${upper(name)}_PASSWORD: ${password(name)}`),
      'subgraph services': subgraphs.flatMap(({ name, port }, i) => [
        ...(i > 0 ? [''] : []),
        `${name}:`,
        '  <<: *subgraph',
        '  environment:',
        '    <<: *subgraph-environment',
        `    SERVICE: ${name}`,
        `    ${upper(name)}_DATABASE_URL: mysql://${mysqlUserName(name)}:${password(name)}@mysql:3306/${mysqlDatabaseName(name)}`,
        `    PORT: ${port}`,
        '  healthcheck:',
        "    test: ['CMD', 'node', 'dist/scripts/healthcheck.js', '/readyz']",
        '    <<: *healthcheck',
      ]),
      'gateway routes': subgraphs.map(
        ({ name, port }) => `SUBGRAPH_${upper(name)}_URL: http://${name}:${port}/graphql`,
      ),
      'gateway dependencies': subgraphs.flatMap(({ name }) => [`${name}:`, '  condition: service_healthy']),
    },
    '.env.example': {
      'subgraph passwords': subgraphs.map(
        ({ name }) => `MYSQL_${upper(name)}_PASSWORD=${databasePasswordPlaceholder(name)}`,
      ),
    },
  };
}

/** A region whose text differs from what the registry gives, and how. */
export interface StaleRegion {
  file: string;
  region: string;
  /** Generated lines the file lacks. */
  missing: string[];
  /** Lines in the file's region that the registry does not give. */
  extra: string[];
}

/**
 * `text` with each of its regions replaced by `regions` (the file's own), and the regions whose
 * text changed. Throws for a region the file lacks, one it has twice or never closes, or an
 * unknown one: the markers are part of the file's contract.
 */
function renderRegions(
  file: string,
  text: string,
  regions: Record<string, string[]>,
): { text: string; stale: StaleRegion[] } {
  const lines = text.split('\n');
  const out: string[] = [];
  const stale: StaleRegion[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    out.push(line);
    const begin = BEGIN.exec(line);
    if (!begin) continue;
    const [, indent, region] = begin as unknown as [string, string, string];
    const wanted = regions[region];
    if (!wanted) throw new Error(`${file}: unknown generated region "${region}"`);
    if (seen.has(region)) throw new Error(`${file}: generated region "${region}" appears twice`);
    seen.add(region);
    const close = lines.findIndex((candidate, j) => j > i && candidate === indent + end(region));
    if (close < 0) throw new Error(`${file}: generated region "${region}" has no "${indent}${end(region)}" line`);
    const current = lines.slice(i + 1, close);
    const fresh = wanted.map((generated) => (generated === '' ? '' : indent + generated));
    if (current.join('\n') !== fresh.join('\n')) {
      stale.push({
        file,
        region,
        missing: fresh.filter((generated) => !current.includes(generated)).map((l) => l.trim()),
        extra: current.filter((existing) => !fresh.includes(existing)).map((l) => l.trim()),
      });
    }
    out.push(...fresh, lines[close]!);
    i = close;
  }
  const absent = Object.keys(regions).filter((region) => !seen.has(region));
  if (absent.length > 0) throw new Error(`${file}: generated region(s) missing: ${absent.join(', ')}`);
  return { text: out.join('\n'), stale };
}

/** The deployment files as the registry makes them, and what is stale in the committed ones. */
export function renderDeploymentFiles(
  subgraphs: readonly DeployedSubgraph[],
  read: (file: string) => string = (file) => fs.readFileSync(path.join(ROOT, file), 'utf8'),
): Array<{ file: string; text: string; stale: StaleRegion[] }> {
  return Object.entries(deploymentRegions(subgraphs)).map(([file, regions]) => ({
    file,
    ...renderRegions(file, read(file), regions),
  }));
}

function main(): void {
  const check = process.argv.includes('--check');
  const files = renderDeploymentFiles(SUBGRAPHS.map(({ name, port }) => ({ name, port })));
  const stale = files.flatMap((file) => file.stale);
  if (check) {
    for (const { file, region, missing, extra } of stale) {
      process.stderr.write(`stale: ${file}, region "${region}"\n`);
      for (const line of missing) process.stderr.write(`  missing: ${line}\n`);
      for (const line of extra) process.stderr.write(`  not from the registry: ${line}\n`);
    }
    if (stale.length > 0) {
      process.stderr.write('run `npm run deployment` and commit the result\n');
      process.exit(1);
    }
    process.stdout.write('deployment files are up to date\n');
    return;
  }
  for (const { file, text, stale: changed } of files) {
    if (changed.length === 0) continue;
    fs.writeFileSync(path.join(ROOT, file), text);
    process.stdout.write(`wrote ${file} (${changed.map((region) => region.region).join(', ')})\n`);
  }
}

if (require.main === module) main();
