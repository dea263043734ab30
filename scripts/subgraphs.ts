import path from 'node:path';

/**
 * Repository root, whatever the working directory, both for the sources (scripts/) and for the
 * compiled code (dist/scripts/, one level deeper). The subgraphs themselves are listed in
 * `subgraphs/index.ts` (the registry).
 */
export const ROOT = path.resolve(__dirname, path.extname(__filename) === '.js' ? '../..' : '..');
