import { referenceById } from '../../kit/refs';
import type { AttractionResolvers, CampaignResolvers, MemberResolvers } from '../generated/resolvers-types';
import * as valid from '../validation';
import { audienceOf } from './audience';

// The owners resolve these entities; here a reference is its id, with content fields added.

export const Member: MemberResolvers = {
  __resolveReference: referenceById,
  contents: (member, { status, first, after }, { loaders, viewer }) =>
    loaders.contentsByAuthor.load({
      parentId: member.id,
      args: { page: valid.contentPage({ first, after }), audience: audienceOf(viewer), status, publishedOnly: false },
    }),
};

export const Attraction: AttractionResolvers = {
  __resolveReference: referenceById,
  stories: (attraction, { first, after }, { loaders, viewer }) =>
    loaders.storiesByAttraction.load({
      parentId: attraction.id,
      args: { page: valid.contentPage({ first, after }), audience: audienceOf(viewer), publishedOnly: true },
    }),
};

export const Campaign: CampaignResolvers = {
  __resolveReference: referenceById,
  contents: (campaign, { first, after }, { loaders, viewer }) =>
    loaders.contentsByCampaign.load({
      parentId: campaign.id,
      args: { page: valid.contentPage({ first, after }), audience: audienceOf(viewer), publishedOnly: true },
    }),
};
