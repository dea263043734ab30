import { isAdmin } from '../../kit/authz';
import { idOrSlug } from '../../kit/validation';
import type { QueryResolvers } from '../generated/resolvers-types';
import { visibleTo } from './Campaign';

export const Query: QueryResolvers = {
  campaign: async (_parent, { id, slug }, { loaders, viewer }) => {
    const key = idOrSlug('campaign', id, slug);
    return visibleTo(viewer, await (key.by === 'id' ? loaders.campaignById : loaders.campaignBySlug).load(key.value));
  },
  campaigns: (_parent, { filter, first, after }, { repos, viewer }) =>
    repos.campaigns.list(
      {
        status: filter?.status ?? null,
        activeOn: filter?.activeOn ?? null,
        memberId: filter?.memberId ?? null,
        attractionId: filter?.attractionId ?? null,
        includePlanned: isAdmin(viewer),
      },
      { first, after },
    ),
};
