import type { GraphQLResolverMap } from '@apollo/subgraph';
import { eventTypesOf } from '../kit/events/catalogue';
import { defineSubgraph } from '../kit/subgraph';
import type { CampaignsContext } from './context';
import { entities } from './entities';
import { createCampaignsLoaders } from './loaders';
import { migrations } from './migrations';
import { createCampaignsRepositories } from './repositories';
import { resolvers } from './resolvers';
import { isEmpty, seed } from './seed';

/** The campaigns subgraph: promotion campaigns, members' participation and their metrics. */
export const campaigns = defineSubgraph({
  name: 'campaigns',
  port: 4003,
  dir: __dirname,
  entities,
  migrations,
  seed,
  isEmpty,
  // Codegen's resolver types are stricter than the federation helper's map; they describe the same object.
  resolvers: resolvers as GraphQLResolverMap<CampaignsContext>,
  createRepositories: createCampaignsRepositories,
  createLoaders: createCampaignsLoaders,
  events: eventTypesOf('campaigns'),
});
