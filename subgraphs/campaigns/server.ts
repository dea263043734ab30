import { parse } from 'graphql';
import type { GraphQLResolverMap } from '@apollo/subgraph';
import type { Database } from '../kit/database';
import type { Logger } from '../kit/logger';
import type { SubgraphProcess } from '../kit/run';
import { readSubgraphSdl } from '../kit/sdl';
import { buildSubgraph, type SubgraphDefinition, type SubgraphSecurity } from '../kit/server';
import type { CampaignsContext } from './context';
import { entities } from './entities';
import { createCampaignsLoaders, type CampaignsLoaders } from './loaders';
import { migrations } from './migrations';
import { createCampaignsRepositories, type CampaignsRepositories } from './repositories';
import { resolvers } from './resolvers';
import { isEmpty, seed } from './seed';

/** The campaigns subgraph's SDL, the source of truth for its schema. */
export const typeDefs = parse(readSubgraphSdl(__dirname));

export const campaigns: SubgraphDefinition<CampaignsRepositories, CampaignsLoaders> = {
  name: 'campaigns',
  typeDefs,
  // Codegen's resolver types are stricter than the federation helper's map; they describe the same object.
  resolvers: resolvers as GraphQLResolverMap<CampaignsContext>,
  createRepositories: createCampaignsRepositories,
  createLoaders: createCampaignsLoaders,
};

/** Builds the campaigns subgraph over an open database; it does not listen. */
export function buildCampaignsSubgraph(database: Database, logger: Logger, security: SubgraphSecurity) {
  return buildSubgraph(campaigns, database, logger, security);
}

/** Everything needed to run, seed or test the campaigns subgraph. */
export const campaignsSubgraph: SubgraphProcess<CampaignsRepositories, CampaignsLoaders> = {
  name: 'campaigns',
  entities,
  migrations,
  seed,
  isEmpty,
  build: buildCampaignsSubgraph,
};
