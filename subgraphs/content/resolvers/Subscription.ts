import type { ContentPublishedPayload } from '../../kit/events/catalogue';
import { delivered, eventFeedOf } from '../../kit/subscriptions';
import type { Content } from '../entities';
import type { SubscriptionResolvers } from '../generated/resolvers-types';
import { type ContentEventConditions, contentEventFilter } from '../validation';
import { canSee } from './audience';

/** True when the piece, as the event describes it at publication, meets every given condition. */
function matches(conditions: ContentEventConditions, event: ContentPublishedPayload): boolean {
  return (
    (conditions.authorId === null || event.authorId === conditions.authorId) &&
    (conditions.tag === null || event.tags.includes(conditions.tag)) &&
    (conditions.language === null || event.language === conditions.language) &&
    (conditions.attractionId === null || event.attractionIds.includes(conditions.attractionId)) &&
    (conditions.campaignId === null || event.campaignId === conditions.campaignId)
  );
}

export const Subscription: SubscriptionResolvers = {
  contentPublished: {
    subscribe: (_parent, { filter }, ctx) => {
      const conditions = contentEventFilter(filter ?? {});
      // Filtered on the event (no statement for a publication nobody here wants), then loaded and
      // checked as a query would: the piece may have been archived since it was published.
      return eventFeedOf(ctx).subscribe(['ContentPublished'], async (event): Promise<Content | null> => {
        if (event.type !== 'ContentPublished' || !matches(conditions, event.payload)) return null;
        const content = await ctx.loaders.contentById.load(event.payload.contentId);
        return content && canSee(ctx.viewer, content) ? content : null;
      });
    },
    resolve: (content: Content | undefined) => delivered(content),
  },
};
