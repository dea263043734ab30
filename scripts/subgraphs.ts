import fs from 'node:fs';
import path from 'node:path';

/**
 * Repository root, whatever the working directory, both for the sources (scripts/) and for the
 * compiled code (dist/scripts/, one level deeper). The subgraphs themselves are listed in
 * `subgraphs/index.ts` (the registry).
 */
export const ROOT = path.resolve(__dirname, path.extname(__filename) === '.js' ? '../..' : '..');

/**
 * The subgraph folders: those of `subgraphs/` with a `schema.graphql`, sorted. For tools that
 * must not load the registry (it imports every subgraph's resolvers), such as codegen, which
 * generates the types those resolvers import. `test/unit/subgraph-registry.test.ts` keeps it
 * equal to the registry's names.
 */
export function subgraphFolders(): string[] {
  const dir = path.join(ROOT, 'subgraphs');
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(dir, entry.name, 'schema.graphql')))
    .map((entry) => entry.name)
    .sort();
}
