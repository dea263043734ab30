import type { ContentPublishedPayload } from '../../kit/events/catalogue';
import { delivered, eventFeedOf } from '../../kit/subscriptions';
import type { Content } from '../entities';
import type { ContentLoaders } from '../loaders';
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

/** True when the piece as it is now (loaded at delivery) meets every given condition. */
async function matchesNow(
  conditions: ContentEventConditions,
  content: Content,
  loaders: ContentLoaders,
): Promise<boolean> {
  if (conditions.authorId !== null && content.authorId !== conditions.authorId) return false;
  if (conditions.language !== null && content.language !== conditions.language) return false;
  if (conditions.campaignId !== null && content.campaignId !== conditions.campaignId) return false;
  if (conditions.tag !== null) {
    const tags = await loaders.tagsByContent.load(content.id);
    if (!tags.some((tag) => tag.tag === conditions.tag)) return false;
  }
  if (conditions.attractionId !== null) {
    const attractions = await loaders.attractionsByContent.load(content.id);
    if (!attractions.some((attraction) => attraction.attractionId === conditions.attractionId)) return false;
  }
  return true;
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
  contentUpdated: {
    subscribe: (_parent, { filter }, ctx) => {
      const conditions = contentEventFilter(filter ?? {});
      return eventFeedOf(ctx).subscribe(
        ['ContentUpdated', 'ContentArchived'],
        async (event): Promise<Content | null> => {
          // Changes of a published piece only: an edit of a published piece, or its archiving.
          const ofPublished =
            (event.type === 'ContentUpdated' && event.payload.status === 'PUBLISHED') ||
            (event.type === 'ContentArchived' && event.payload.from === 'PUBLISHED');
          if (!ofPublished) return null;
          // The event's payload names only what changed: the filter is checked on the piece as loaded.
          if (conditions.authorId !== null && event.payload.authorId !== conditions.authorId) return null;
          const content = await ctx.loaders.contentById.load(event.payload.contentId);
          if (!content || !canSee(ctx.viewer, content)) return null;
          return (await matchesNow(conditions, content, ctx.loaders)) ? content : null;
        },
      );
    },
    resolve: (content: Content | undefined) => delivered(content),
  },
};
