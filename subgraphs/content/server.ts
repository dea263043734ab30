import { parse } from 'graphql';
import type { GraphQLResolverMap } from '@apollo/subgraph';
import type { Database } from '../kit/database';
import type { Logger } from '../kit/logger';
import type { SubgraphProcess } from '../kit/run';
import { readSubgraphSdl } from '../kit/sdl';
import { buildSubgraph, type SubgraphDefinition, type SubgraphSecurity } from '../kit/server';
import type { ContentContext } from './context';
import { entities } from './entities';
import { createContentLoaders, type ContentLoaders } from './loaders';
import { migrations } from './migrations';
import { HttpReferenceChecker, type ReferenceChecker, readReferenceUrls } from './references';
import { createContentRepositories, type ContentRepositories } from './repositories';
import { resolvers } from './resolvers';
import { isEmpty, seed } from './seed';

/** The content subgraph's SDL, the source of truth for its schema. */
export const typeDefs = parse(readSubgraphSdl(__dirname));

/** How to check other subgraphs' ids; the default asks the owners over HTTP. */
export type ReferencesFactory = (security: SubgraphSecurity) => ReferenceChecker;

const httpReferences: ReferencesFactory = (security) =>
  new HttpReferenceChecker(readReferenceUrls(process.env), security.assertionKey);

/**
 * The content subgraph process. Tests pass their own reference checker so that they do
 * not need the tourism and campaigns subgraphs running.
 */
export function createContentSubgraph(
  references: ReferencesFactory = httpReferences,
): SubgraphProcess<ContentRepositories, ContentLoaders> {
  return {
    name: 'content',
    entities,
    migrations,
    seed,
    isEmpty,
    build: (database: Database, logger: Logger, security: SubgraphSecurity) => {
      const checker = references(security);
      const definition: SubgraphDefinition<ContentRepositories, ContentLoaders> = {
        name: 'content',
        typeDefs,
        // Codegen's resolver types are stricter than the federation helper's map; they describe the same object.
        resolvers: resolvers as GraphQLResolverMap<ContentContext>,
        createRepositories: (dataSource) => createContentRepositories(dataSource, checker),
        createLoaders: createContentLoaders,
      };
      return buildSubgraph(definition, database, logger, security);
    },
  };
}

/** Everything needed to run, seed or test the content subgraph. */
export const contentSubgraph = createContentSubgraph();
