import { isAdmin } from '../../kit/authz';
import { badUserInput } from '../../kit/errors';
import type { QueryResolvers } from '../generated/resolvers-types';
import { visibleTo } from './Campaign';

export const Query: QueryResolvers = {
  campaign: async (_parent, { id, slug }, { loaders, viewer }) => {
    if (id != null && slug == null) return visibleTo(viewer, await loaders.campaignById.load(id));
    if (slug != null && id == null) return visibleTo(viewer, await loaders.campaignBySlug.load(slug));
    throw badUserInput('campaign needs exactly one of `id` or `slug`');
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
