import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_PORTS, SUBGRAPH_NAMES, type SubgraphName } from '../subgraphs/kit/config';

/**
 * Repository root, whatever the working directory, both for the sources (scripts/) and for the
 * compiled code (dist/scripts/, one level deeper).
 */
export const ROOT = path.resolve(__dirname, path.extname(__filename) === '.js' ? '../..' : '..');

/** A subgraph present in this checkout. */
export interface SubgraphInfo {
  name: SubgraphName;
  dir: string;
  schemaFile: string;
  port: number;
}

/** The subgraphs that exist so far (those with a `schema.graphql`), in port order. */
export function presentSubgraphs(): SubgraphInfo[] {
  return SUBGRAPH_NAMES.map((name) => {
    const dir = path.join(ROOT, 'subgraphs', name);
    return {
      name,
      dir,
      schemaFile: path.join(dir, 'schema.graphql'),
      port: DEFAULT_PORTS[name],
    };
  }).filter((s) => fs.existsSync(s.schemaFile));
}
