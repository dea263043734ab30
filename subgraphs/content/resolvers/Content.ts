import { entityRef } from '../../kit/refs';
import type { ContentResolvers } from '../generated/resolvers-types';
import { canSee } from './audience';

export const Content: ContentResolvers = {
  // A piece the caller may not see resolves like a missing one.
  __resolveReference: async (reference, { loaders, viewer }) => {
    const content = await loaders.contentById.load(reference.id);
    return content && canSee(viewer, content) ? content : null;
  },
  tags: async (content, _args, { loaders }) => (await loaders.tagsByContent.load(content.id)).map((t) => t.tag),
  author: (content) => entityRef(content.authorId),
  attractions: async (content, _args, { loaders }) =>
    (await loaders.attractionsByContent.load(content.id)).map((a) => entityRef(a.attractionId)),
  campaign: (content) => entityRef(content.campaignId),
};
