import { parse } from 'graphql';
import type { Database } from '../kit/database';
import { readSubgraphSdl } from '../kit/sdl';
import type { Logger } from '../kit/logger';
import { buildSubgraph, type SubgraphDefinition, type SubgraphSecurity } from '../kit/server';
import { identityRoutes } from './identity-endpoint';
import type { GraphQLResolverMap } from '@apollo/subgraph';
import { createMembershipLoaders, type MembershipLoaders } from './loaders';
import { createMembershipRepositories, type MembershipRepositories } from './repositories';
import type { SubgraphProcess } from '../kit/run';
import type { MembershipContext } from './context';
import { entities } from './entities';
import { migrations } from './migrations';
import { isEmpty, seed } from './seed';
import { resolvers } from './resolvers';

/** The membership subgraph's SDL, the source of truth for its schema. */
export const typeDefs = parse(readSubgraphSdl(__dirname));

export const membership: SubgraphDefinition<MembershipRepositories, MembershipLoaders> = {
  name: 'membership',
  typeDefs,
  // Codegen's resolver types are stricter than the federation helper's map; they describe the same object.
  resolvers: resolvers as GraphQLResolverMap<MembershipContext>,
  createRepositories: createMembershipRepositories,
  createLoaders: createMembershipLoaders,
  routes: identityRoutes,
};

/** Builds the membership subgraph over an open database; it does not listen. */
export function buildMembershipSubgraph(database: Database, logger: Logger, security: SubgraphSecurity) {
  return buildSubgraph(membership, database, logger, security);
}

/** Everything needed to run, seed or test the membership subgraph. */
export const membershipSubgraph: SubgraphProcess<MembershipRepositories, MembershipLoaders> = {
  name: 'membership',
  entities,
  migrations,
  seed,
  isEmpty,
  build: buildMembershipSubgraph,
};
