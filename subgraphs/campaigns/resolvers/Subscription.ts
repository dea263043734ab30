import { delivered, eventFeedOf } from '../../kit/subscriptions';
import type { Campaign } from '../entities';
import type { CampaignsContext } from '../context';
import type { SubscriptionResolvers } from '../generated/resolvers-types';
import * as valid from '../validation';
import { visibleTo } from './Campaign';

/**
 * The campaign of each event `type` (one campaign, or any when `campaignId` is null), loaded at
 * delivery and shown only when the caller may see it, as `Query.campaign` would.
 */
function campaignEvents(
  ctx: CampaignsContext,
  type: 'CampaignMetricsReported' | 'CampaignStatusChanged',
  campaignId: string | null,
): AsyncIterableIterator<Campaign> {
  return eventFeedOf(ctx).subscribe([type], async (event): Promise<Campaign | null> => {
    if (event.type !== type || (campaignId !== null && event.aggregateId !== campaignId)) return null;
    return visibleTo(ctx.viewer, await ctx.loaders.campaignById.load(event.aggregateId));
  });
}

export const Subscription: SubscriptionResolvers = {
  campaignMetricsUpdated: {
    subscribe: (_parent, { campaignId }, ctx) =>
      campaignEvents(ctx, 'CampaignMetricsReported', valid.foreignId(campaignId, 'campaignId')),
    resolve: (campaign: Campaign | undefined) => delivered(campaign),
  },
  campaignStatusChanged: {
    subscribe: (_parent, { campaignId }, ctx) =>
      campaignEvents(
        ctx,
        'CampaignStatusChanged',
        campaignId == null ? null : valid.foreignId(campaignId, 'campaignId'),
      ),
    resolve: (campaign: Campaign | undefined) => delivered(campaign),
  },
};
