import { parse } from 'graphql';
import type { GraphQLResolverMap } from '@apollo/subgraph';
import type { Database } from '../kit/database';
import type { Logger } from '../kit/logger';
import type { SubgraphProcess } from '../kit/run';
import { readSubgraphSdl } from '../kit/sdl';
import { buildSubgraph, type SubgraphDefinition, type SubgraphSecurity } from '../kit/server';
import type { TourismContext } from './context';
import { entities } from './entities';
import { createTourismLoaders, type TourismLoaders } from './loaders';
import { migrations } from './migrations';
import { createTourismRepositories, type TourismRepositories } from './repositories';
import { resolvers } from './resolvers';
import { isEmpty, seed } from './seed';

/** The tourism subgraph's SDL, the source of truth for its schema. */
export const typeDefs = parse(readSubgraphSdl(__dirname));

export const tourism: SubgraphDefinition<TourismRepositories, TourismLoaders> = {
  name: 'tourism',
  typeDefs,
  // Codegen's resolver types are stricter than the federation helper's map; they describe the same object.
  resolvers: resolvers as GraphQLResolverMap<TourismContext>,
  createRepositories: createTourismRepositories,
  createLoaders: createTourismLoaders,
};

/** Builds the tourism subgraph over an open database; it does not listen. */
export function buildTourismSubgraph(database: Database, logger: Logger, security: SubgraphSecurity) {
  return buildSubgraph(tourism, database, logger, security);
}

/** Everything needed to run, seed or test the tourism subgraph. */
export const tourismSubgraph: SubgraphProcess<TourismRepositories, TourismLoaders> = {
  name: 'tourism',
  entities,
  migrations,
  seed,
  isEmpty,
  build: buildTourismSubgraph,
};
