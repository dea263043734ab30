import type { AttractionResolvers, CampaignResolvers, MemberResolvers } from '../generated/resolvers-types';
import * as valid from '../validation';
import { audienceOf } from './audience';

// The owners resolve these entities; here a reference is its id, with content fields added.

export const Member: MemberResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),
  contents: (member, { status, first, after }, { loaders, viewer }) =>
    loaders.contentsByAuthor.load({
      parentId: member.id,
      args: { page: valid.contentPage({ first, after }), audience: audienceOf(viewer), status, publishedOnly: false },
    }),
};

export const Attraction: AttractionResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),
  stories: (attraction, { first, after }, { loaders, viewer }) =>
    loaders.storiesByAttraction.load({
      parentId: attraction.id,
      args: { page: valid.contentPage({ first, after }), audience: audienceOf(viewer), publishedOnly: true },
    }),
};

export const Campaign: CampaignResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),
  contents: (campaign, { first, after }, { loaders, viewer }) =>
    loaders.contentsByCampaign.load({
      parentId: campaign.id,
      args: { page: valid.contentPage({ first, after }), audience: audienceOf(viewer), publishedOnly: true },
    }),
};
