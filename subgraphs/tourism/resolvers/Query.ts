import { badUserInput } from '../../kit/errors';
import type { QueryResolvers } from '../generated/resolvers-types';
import * as valid from '../validation';

export const Query: QueryResolvers = {
  attraction: (_parent, { id, slug }, { loaders }) => {
    if (id != null && slug == null) return loaders.attractionById.load(id);
    if (slug != null && id == null) return loaders.attractionBySlug.load(slug);
    throw badUserInput('attraction needs exactly one of `id` or `slug`');
  },
  attractions: (_parent, { filter, first, after }, { repos }) => {
    const checked = valid.attractionFilter(filter ?? {});
    return checked.near
      ? repos.attractions.listNear(checked, checked.near, valid.nearPage({ first, after }))
      : repos.attractions.list(checked, { first, after });
  },
  destination: (_parent, { id, slug }, { loaders }) => {
    if (id != null && slug == null) return loaders.destinationById.load(id);
    if (slug != null && id == null) return loaders.destinationBySlug.load(slug);
    throw badUserInput('destination needs exactly one of `id` or `slug`');
  },
  destinations: (_parent, { province }, { repos }) => repos.destinations.list(province ?? null),
  tourismTrends: (_parent, { province, from, to }, { repos }) => {
    const range = valid.monthRange(from, to);
    return repos.visitorStats.trends(province ?? null, { from: range.from!, to: range.to! });
  },
};
