import fs from 'node:fs';
import path from 'node:path';
import { type DocumentNode, parse } from 'graphql';
import type { Database } from './database';
import type { Logger } from './logger';
import { readSubgraphSdl } from './sdl';
import { type BuiltSubgraph, buildSubgraph, type SubgraphDefinition, type SubgraphSecurity } from './server';

/**
 * A subgraph as the rest of the code base sees it: the registry (`subgraphs/index.ts`), the
 * process runner, the scripts, the tests and the benchmark. Made by {@link defineSubgraph}; its
 * repository and loader types are closed over by `build`, so subgraphs of different types sit in
 * one list without casts.
 */
export interface Subgraph<Name extends string = string> extends Pick<
  SubgraphDefinition<unknown, unknown>,
  'port' | 'dir' | 'entities' | 'migrations' | 'seed' | 'isEmpty'
> {
  name: Name;
  /** `<dir>/schema.graphql`, the subgraph's own SDL (without the kit's shared types). */
  schemaFile: string;
  /** The full SDL, parsed: the subgraph's own types after the kit's shared ones. */
  typeDefs: DocumentNode;
  /** Builds the subgraph over an open database; it does not listen. */
  build: (database: Database, logger: Logger, security: SubgraphSecurity) => Promise<BuiltSubgraph>;
}

/**
 * Declares a subgraph: one descriptor from which its process, its tests, composition, codegen,
 * seeding and the deployment files are derived. Reads the SDL now, so a subgraph whose
 * `schema.graphql` is missing fails where it is listed, naming the file.
 */
export function defineSubgraph<Name extends string, Repos, Loaders>(
  definition: SubgraphDefinition<Repos, Loaders> & { name: Name },
): Subgraph<Name> {
  const schemaFile = path.join(definition.dir, 'schema.graphql');
  if (!fs.existsSync(schemaFile)) {
    throw new Error(`subgraph "${definition.name}" has no schema: ${schemaFile} is missing`);
  }
  const typeDefs = parse(readSubgraphSdl(definition.dir));
  return {
    name: definition.name,
    port: definition.port,
    dir: definition.dir,
    schemaFile,
    typeDefs,
    entities: definition.entities,
    migrations: definition.migrations,
    seed: definition.seed,
    isEmpty: definition.isEmpty,
    build: (database, logger, security) => buildSubgraph(definition, typeDefs, database, logger, security),
  };
}
