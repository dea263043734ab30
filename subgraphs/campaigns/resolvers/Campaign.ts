import { entityRef } from '../../kit/refs';
import { campaignVisibleTo } from '../../kit/events/audience';
import { localized } from '../../kit/locale';
import { readPageArgs } from '../../kit/pagination';
import type { Identity } from '../../kit/identity';
import type { Campaign as CampaignEntity } from '../entities';
import type { CampaignResolvers } from '../generated/resolvers-types';
import { PARTICIPATION_KEYS } from '../loaders';
import * as valid from '../validation';

/** PLANNED campaigns are for admins' eyes only; everyone sees the others. */
export function visibleTo(viewer: Identity, campaign: CampaignEntity | null): CampaignEntity | null {
  return campaign && campaignVisibleTo(viewer, campaign) ? campaign : null;
}

const DEFAULT_TOP = 10;

export const Campaign: CampaignResolvers = {
  __resolveReference: async (reference, { loaders, viewer }) =>
    visibleTo(viewer, await loaders.campaignById.load(reference.id)),
  name: (campaign, _args, { locale }) => localized(locale, campaign.nameEn, campaign.nameZh),
  localName: (campaign) => campaign.nameZh,
  description: (campaign, _args, { locale }) =>
    locale === 'zh-CN' ? (campaign.descriptionZh ?? campaign.descriptionEn) : campaign.descriptionEn,
  organizer: (campaign) => entityRef(campaign.organizerId),
  participants: (campaign, { first, after }, { loaders }) => {
    const page = { first: first ?? null, after: after ?? null };
    // Checked here, before batching: a bad `first` or cursor is this field's error alone.
    readPageArgs(page, PARTICIPATION_KEYS.length);
    return loaders.participantPage.load({ parentId: campaign.id, args: page });
  },
  destinations: async (campaign, _args, { loaders }) =>
    (await loaders.destinationsByCampaign.load(campaign.id)).map((d) => entityRef(d.attractionId)),
  metrics: (campaign, _args, { loaders }) => loaders.campaignTotals.load(campaign.id),
  dailyMetrics: (campaign, { from, to }, { loaders }) =>
    loaders.dailyMetrics.load({ parentId: campaign.id, args: valid.dayRange(from, to) }),
  topParticipants: (campaign, { first }, { loaders }) => {
    const limit = valid.topCount(first, DEFAULT_TOP);
    return limit === 0 ? [] : loaders.topParticipants.load({ parentId: campaign.id, args: limit });
  },
};
