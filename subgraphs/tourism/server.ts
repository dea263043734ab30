import type { GraphQLResolverMap } from '@apollo/subgraph';
import { defineSubgraph } from '../kit/subgraph';
import type { TourismContext } from './context';
import { entities } from './entities';
import { createTourismLoaders } from './loaders';
import { migrations } from './migrations';
import { createTourismRepositories } from './repositories';
import { resolvers } from './resolvers';
import { isEmpty, seed } from './seed';

/** The tourism subgraph: destinations, attractions and visitor statistics. */
export const tourism = defineSubgraph({
  name: 'tourism',
  port: 4004,
  dir: __dirname,
  entities,
  migrations,
  seed,
  isEmpty,
  // Codegen's resolver types are stricter than the federation helper's map; they describe the same object.
  resolvers: resolvers as GraphQLResolverMap<TourismContext>,
  createRepositories: createTourismRepositories,
  createLoaders: createTourismLoaders,
});
