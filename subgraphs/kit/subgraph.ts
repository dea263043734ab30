import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import type { Subgraph, SubgraphDefinition } from './descriptor';
import { readSubgraphSdl } from './sdl';
import { buildSubgraph } from './server';

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
    events: definition.events ?? [],
    build: (database, logger, security, events) =>
      buildSubgraph(definition, typeDefs, database, logger, security, events),
  };
}
