import { idOrSlug } from '../../kit/validation';
import type { QueryResolvers } from '../generated/resolvers-types';
import * as valid from '../validation';

export const Query: QueryResolvers = {
  attraction: (_parent, { id, slug }, { loaders }) => {
    const key = idOrSlug('attraction', id, slug);
    return (key.by === 'id' ? loaders.attractionById : loaders.attractionBySlug).load(key.value);
  },
  attractions: (_parent, { filter, first, after }, { repos }) => {
    const checked = valid.attractionFilter(filter ?? {});
    return checked.near
      ? repos.attractions.listNear(checked, checked.near, valid.nearPage({ first, after }))
      : repos.attractions.list(checked, { first, after });
  },
  destination: (_parent, { id, slug }, { loaders }) => {
    const key = idOrSlug('destination', id, slug);
    return (key.by === 'id' ? loaders.destinationById : loaders.destinationBySlug).load(key.value);
  },
  destinations: (_parent, { province }, { repos }) => repos.destinations.list(province ?? null),
  tourismTrends: (_parent, { province, from, to }, { repos }) => {
    const range = valid.monthRange(from, to);
    return repos.visitorStats.trends(province ?? null, { from: range.from!, to: range.to! });
  },
};
