import fs from 'node:fs';
import path from 'node:path';

/** The SDL every subgraph shares (scalars, PageInfo, Role, the audit record types). */
export const SHARED_SDL_FILE = path.join(__dirname, 'schema/shared.graphql');

/** A subgraph's full SDL: its own `schema.graphql` after the kit's shared types. */
export function readSubgraphSdl(subgraphDir: string): string {
  const own = fs.readFileSync(path.join(subgraphDir, 'schema.graphql'), 'utf8');
  return `${own}\n${fs.readFileSync(SHARED_SDL_FILE, 'utf8')}`;
}
