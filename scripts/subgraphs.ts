import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_PORTS, SUBGRAPH_NAMES, type SubgraphName } from '../subgraphs/kit/config';

/**
 * Repository root, whatever the working directory, both for the sources (scripts/) and for the
 * compiled code (dist/scripts/, one level deeper).
 */
export const ROOT = path.resolve(__dirname, path.extname(__filename) === '.js' ? '../..' : '..');

/** One subgraph of the fixed list, with where its files are. */
export interface SubgraphInfo {
  name: SubgraphName;
  dir: string;
  schemaFile: string;
  port: number;
}

/**
 * Every subgraph of the fixed list `SUBGRAPH_NAMES`, in port order. The list is not read from
 * the disk: a subgraph whose `schema.graphql` is missing is an error naming the file, so that a
 * deleted or misplaced subgraph fails composition, start-up and its tests instead of silently
 * dropping out of them.
 */
export function allSubgraphs(root: string = ROOT): SubgraphInfo[] {
  const subgraphs = SUBGRAPH_NAMES.map((name) => {
    const dir = path.join(root, 'subgraphs', name);
    return { name, dir, schemaFile: path.join(dir, 'schema.graphql'), port: DEFAULT_PORTS[name] };
  });
  const missing = subgraphs.filter((s) => !fs.existsSync(s.schemaFile)).map((s) => s.schemaFile);
  if (missing.length > 0) {
    throw new Error(
      `subgraph schema file missing: ${missing.join(', ')} (the subgraphs are fixed in SUBGRAPH_NAMES, subgraphs/kit/config.ts)`,
    );
  }
  return subgraphs;
}
