import type { GraphQLResolverMap } from '@apollo/subgraph';
import type { SubgraphSecurity } from '../kit/server';
import { eventTypesOf } from '../kit/events/catalogue';
import { defineSubgraph } from '../kit/subgraph';
import { campaigns } from '../campaigns/server';
import { membership } from '../membership/server';
import { tourism } from '../tourism/server';
import type { ContentContext } from './context';
import { entities } from './entities';
import { createContentLoaders } from './loaders';
import { migrations } from './migrations';
import { HttpReferenceChecker, type ReferenceChecker, readReferenceUrls } from './references';
import { createContentRepositories } from './repositories';
import { resolvers } from './resolvers';
import { isEmpty, seed } from './seed';

/** How to check other subgraphs' ids; the default asks the owners over HTTP. */
export type ReferencesFactory = (security: SubgraphSecurity) => ReferenceChecker;

const httpReferences: ReferencesFactory = (security) =>
  new HttpReferenceChecker(
    readReferenceUrls(process.env, { membership: membership.port, tourism: tourism.port, campaigns: campaigns.port }),
    security.assertionKey,
  );

/**
 * The content subgraph: articles, guides and media about members, attractions and campaigns.
 * Tests pass their own reference checker so that they need no other subgraph running.
 */
export function createContentSubgraph(references: ReferencesFactory = httpReferences) {
  return defineSubgraph({
    name: 'content',
    port: 4002,
    dir: __dirname,
    entities,
    migrations,
    seed,
    isEmpty,
    // Codegen's resolver types are stricter than the federation helper's map; they describe the same object.
    resolvers: resolvers as GraphQLResolverMap<ContentContext>,
    createRepositories: (dataSource, security) => createContentRepositories(dataSource, references(security)),
    createLoaders: createContentLoaders,
    events: eventTypesOf('content'),
  });
}

export const content = createContentSubgraph();
