import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import type { Database } from '../kit/database';
import type { Logger } from '../kit/logger';
import { buildSubgraph, type SubgraphDefinition } from '../kit/server';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { createMembershipLoaders, type MembershipLoaders } from './loaders';
import { createMembershipRepositories, type MembershipRepositories } from './repositories';
import type { SubgraphProcess } from '../kit/run';
import type { MembershipContext } from './context';
import { entities } from './entities';
import { migrations } from './migrations';
import { isEmpty, seed } from './seed';
import { resolvers } from './resolvers';

/** The membership subgraph's SDL, the source of truth for its schema. */
export const typeDefs = parse(fs.readFileSync(path.join(__dirname, 'schema.graphql'), 'utf8'));

export const membership: SubgraphDefinition<MembershipRepositories, MembershipLoaders> = {
  name: 'membership',
  typeDefs,
  // Codegen's resolver types are stricter than the federation helper's map; they describe the same object.
  resolvers: resolvers as GraphQLResolverMap<MembershipContext>,
  createRepositories: createMembershipRepositories,
  createLoaders: createMembershipLoaders,
};

/** Builds the membership subgraph over an open database; it does not listen. */
export function buildMembershipSubgraph(database: Database, logger: Logger) {
  return buildSubgraph(membership, database, logger);
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
