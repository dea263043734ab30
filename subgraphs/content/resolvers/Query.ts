import type { QueryResolvers } from '../generated/resolvers-types';
import * as valid from '../validation';
import { audienceOf, canSee } from './audience';

export const Query: QueryResolvers = {
  content: async (_parent, { id }, { loaders, viewer }) => {
    const content = await loaders.contentById.load(id);
    // A forbidden read of a single object looks like a missing one.
    return content && canSee(viewer, content) ? content : null;
  },
  contents: (_parent, { filter, first, after }, { repos, viewer }) =>
    repos.contents.list(valid.contentFilter(filter ?? {}), { first, after }, audienceOf(viewer)),
};
