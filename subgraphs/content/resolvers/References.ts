import type { Identity } from '../../kit/identity';
import type { PageArgs } from '../../kit/pagination';
import { referenceById } from '../../kit/refs';
import type { AttractionResolvers, CampaignResolvers, MemberResolvers } from '../generated/resolvers-types';
import type { PerParentOptions } from '../repositories/contents';
import * as valid from '../validation';
import { audienceOf } from './audience';

// The owners resolve these entities; here a reference is its id, with content fields added.

/** A per-parent list as `viewer` asked for it: the checked page, and what the viewer may see. */
function listOf(page: PageArgs, viewer: Identity, shown: Pick<PerParentOptions, 'status' | 'publishedOnly'>) {
  return { page: valid.contentPage(page), audience: audienceOf(viewer), ...shown };
}

export const Member: MemberResolvers = {
  __resolveReference: referenceById,
  contents: (member, { status, first, after }, { loaders, viewer }) =>
    loaders.contentsByAuthor.load({
      parentId: member.id,
      args: listOf({ first, after }, viewer, { status, publishedOnly: false }),
    }),
};

export const Attraction: AttractionResolvers = {
  __resolveReference: referenceById,
  // Lists of attractions and campaigns show published content only.
  stories: (attraction, { first, after }, { loaders, viewer }) =>
    loaders.storiesByAttraction.load({
      parentId: attraction.id,
      args: listOf({ first, after }, viewer, { publishedOnly: true }),
    }),
};

export const Campaign: CampaignResolvers = {
  __resolveReference: referenceById,
  contents: (campaign, { first, after }, { loaders, viewer }) =>
    loaders.contentsByCampaign.load({
      parentId: campaign.id,
      args: listOf({ first, after }, viewer, { publishedOnly: true }),
    }),
};
