import type { GraphQLResolverMap } from '@apollo/subgraph';
import { eventTypesOf } from '../kit/events/catalogue';
import { defineSubgraph } from '../kit/subgraph';
import type { MembershipContext } from './context';
import { entities } from './entities';
import { identityRoutes } from './identity-endpoint';
import { createMembershipLoaders } from './loaders';
import { migrations } from './migrations';
import { createMembershipRepositories } from './repositories';
import { resolvers } from './resolvers';
import { isEmpty, seed } from './seed';
import { startWebhooks } from './webhooks';

/** The membership subgraph: members, the alliance, its convention, API keys and webhooks. */
export const membership = defineSubgraph({
  name: 'membership',
  port: 4001,
  dir: __dirname,
  entities,
  migrations,
  seed,
  isEmpty,
  // Codegen's resolver types are stricter than the federation helper's map; they describe the same object.
  resolvers: resolvers as GraphQLResolverMap<MembershipContext>,
  createRepositories: createMembershipRepositories,
  createLoaders: createMembershipLoaders,
  routes: identityRoutes,
  events: eventTypesOf('membership'),
  // The webhook dispatcher runs in the membership process (it owns webhooks).
  background: startWebhooks,
});
