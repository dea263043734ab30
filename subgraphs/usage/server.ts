import type { GraphQLResolverMap } from '@apollo/subgraph';
import { defineSubgraph } from '../kit/subgraph';
import type { UsageContext } from './context';
import { entities } from './entities';
import { ingestRoutes } from './ingest-endpoint';
import { quotaRoutes } from './quota-endpoint';
import { createUsageLoaders } from './loaders';
import { migrations } from './migrations';
import { createUsageRepositories } from './repositories';
import { resolvers } from './resolvers';
import { readRollupSettings, startRollup } from './rollup';
import { isEmpty, seed } from './seed';

/** The usage subgraph: the gateway's usage records per minute, hour and day, and who uses which field. */
export const usage = defineSubgraph({
  name: 'usage',
  port: 4005,
  dir: __dirname,
  entities,
  migrations,
  seed,
  isEmpty,
  // Codegen's resolver types are stricter than the federation helper's map; they describe the same object.
  resolvers: resolvers as GraphQLResolverMap<UsageContext>,
  createRepositories: createUsageRepositories,
  createLoaders: createUsageLoaders,
  routes: (app, context) => {
    ingestRoutes(app, context);
    quotaRoutes(app, context);
  },
  background: async ({ repos, logger, env }) => startRollup(repos.rollup, readRollupSettings(env), logger),
});
