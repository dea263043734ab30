import { isAdmin } from '../authz';
import type { Identity } from '../identity';
import type { PublishedEvent } from './catalogue';

/**
 * Who may see what an event is about: the one rule behind the content and campaigns
 * subgraphs' queries and subscriptions (`content/resolvers/audience.ts`, `campaigns/resolvers/
 * Campaign.ts` call the predicates below) and behind webhooks (`mayReceive`), so that a
 * webhook never delivers what its owner could not read through the graph.
 */

/** Published content is public; drafts and archived pieces only for their author and admins. */
export function contentVisibleTo(viewer: Identity, content: { status: string; authorId: string }): boolean {
  return (
    content.status === 'PUBLISHED' ||
    isAdmin(viewer) ||
    (viewer.role === 'MEMBER' && viewer.memberId === content.authorId)
  );
}

/** A PLANNED campaign is for admins only; every other status is public. */
export function campaignVisibleTo(viewer: Identity, campaign: { status: string }): boolean {
  return campaign.status !== 'PLANNED' || isAdmin(viewer);
}

/**
 * Whether `viewer` may receive `event`, judged on the state the event describes (a webhook
 * delivers the fact that happened; a subscription re-reads the entity at delivery instead).
 */
export function mayReceive(viewer: Identity, event: PublishedEvent): boolean {
  switch (event.type) {
    case 'ContentPublished':
    case 'ContentUpdated':
    case 'ContentArchived':
      return contentVisibleTo(viewer, event.payload);
    case 'CampaignStatusChanged':
      return campaignVisibleTo(viewer, { status: event.payload.to });
    case 'CampaignMetricsReported':
      // Reports are accepted for ACTIVE and COMPLETED campaigns only (reportCampaignMetrics),
      // both public: the campaign was visible when the report was made.
      return campaignVisibleTo(viewer, { status: 'ACTIVE' });
    case 'MemberStatusChanged':
      // A member's status is a public field of Member.
      return true;
  }
}
