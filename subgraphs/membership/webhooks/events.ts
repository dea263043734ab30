import type { Identity } from '../../kit/identity';
import type { EventType, PublishedEvent } from '../../kit/events/catalogue';
import { mayReceive } from '../../kit/events/audience';
import type { Webhook, WebhookFilterValues } from '../entities';
import type { WebhookEvent } from '../generated/resolvers-types';

/**
 * The catalogue types behind each webhook event. CONTENT_UPDATED means what the `contentUpdated`
 * subscription means, a piece edited or archived, so it carries both catalogue types; the
 * contract names the metrics event CAMPAIGN_METRICS_UPDATED after `campaignMetricsUpdated`.
 */
const CATALOGUE_TYPES: Readonly<Record<WebhookEvent, readonly EventType[]>> = {
  CONTENT_PUBLISHED: ['ContentPublished'],
  CONTENT_UPDATED: ['ContentUpdated', 'ContentArchived'],
  CAMPAIGN_METRICS_UPDATED: ['CampaignMetricsReported'],
  CAMPAIGN_STATUS_CHANGED: ['CampaignStatusChanged'],
  MEMBER_STATUS_CHANGED: ['MemberStatusChanged'],
};

/** The webhook event a catalogue event is delivered as, e.g. `ContentArchived` → `CONTENT_UPDATED`. */
export function webhookEvent(type: EventType): WebhookEvent {
  const found = (Object.keys(CATALOGUE_TYPES) as WebhookEvent[]).find((event) => CATALOGUE_TYPES[event].includes(type));
  if (!found) throw new Error(`no webhook event for catalogue event type ${type}`);
  return found;
}

/** The catalogue types a webhook event stands for. */
export function catalogueTypes(event: WebhookEvent): readonly EventType[] {
  return CATALOGUE_TYPES[event];
}

/** The webhook events of a list of catalogue types, each once, in the enum's order. */
export function webhookEventsOf(types: readonly EventType[]): WebhookEvent[] {
  return (Object.keys(CATALOGUE_TYPES) as WebhookEvent[]).filter((event) =>
    CATALOGUE_TYPES[event].some((type) => types.includes(type)),
  );
}

/** The catalogue types a webhook subscribed to. */
export function subscribedTypes(webhook: Pick<Webhook, 'events'>): EventType[] {
  return webhook.events.split(',').filter(Boolean) as EventType[];
}

/** The filter a webhook stores, parsed. */
export function filterOf(webhook: Pick<Webhook, 'filter'>): WebhookFilterValues | null {
  return webhook.filter ? (JSON.parse(webhook.filter) as WebhookFilterValues) : null;
}

/**
 * True when the event's data meets every condition of `filter`. A condition on a field the event
 * does not carry (a tag filter and a campaign event, say) does not hold.
 */
export function matchesFilter(filter: WebhookFilterValues | null, event: PublishedEvent): boolean {
  if (!filter) return true;
  const data = event.payload as unknown as Record<string, unknown>;
  const equals = (field: keyof WebhookFilterValues, value: string | undefined) =>
    value === undefined || data[field] === value;
  const includes = (field: string, value: string | undefined) =>
    value === undefined || (Array.isArray(data[field]) && (data[field] as unknown[]).includes(value));
  return (
    equals('authorId', filter.authorId) &&
    equals('campaignId', filter.campaignId) &&
    equals('memberId', filter.memberId) &&
    equals('language', filter.language) &&
    includes('tags', filter.tag) &&
    includes('attractionIds', filter.attractionId)
  );
}

/** The identity a webhook's deliveries are authorized as: its member, with a MEMBER credential. */
export function webhookViewer(webhook: Pick<Webhook, 'memberId'>): Identity {
  return { role: 'MEMBER', memberId: webhook.memberId, keyId: null };
}

/** True when `webhook` should receive `event`: its kind, its filter, and its member's right to see it. */
export function wants(webhook: Webhook, event: PublishedEvent): boolean {
  return (
    subscribedTypes(webhook).includes(event.type) &&
    matchesFilter(filterOf(webhook), event) &&
    mayReceive(webhookViewer(webhook), event)
  );
}

/**
 * The body POSTed for an event, as Standard Webhooks shapes it: `type`, `timestamp` (when the
 * change committed) and `data` (the event's payload, with its id).
 */
export function deliveryBody(event: PublishedEvent): string {
  return JSON.stringify({
    type: webhookEvent(event.type),
    timestamp: event.createdAt,
    data: { eventId: event.id, ...event.payload },
  });
}
