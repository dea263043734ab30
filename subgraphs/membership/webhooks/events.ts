import type { Identity } from '../../kit/identity';
import { EVENT_TYPES, type EventType, type PublishedEvent } from '../../kit/events/catalogue';
import { mayReceive } from '../../kit/events/audience';
import type { Webhook, WebhookFilterValues } from '../entities';
import type { WebhookEventType } from '../generated/resolvers-types';

/** `ContentPublished` → `CONTENT_PUBLISHED`: the contract's `WebhookEventType` is the catalogue's type in capitals. */
export function webhookEventType(type: EventType): WebhookEventType {
  return type.replace(/(?<=[a-z])(?=[A-Z])/g, '_').toUpperCase() as WebhookEventType;
}

/** `CONTENT_PUBLISHED` → `ContentPublished`. */
export function catalogueType(type: WebhookEventType): EventType {
  const found = EVENT_TYPES.find((candidate) => webhookEventType(candidate) === type);
  if (!found) throw new Error(`no catalogue event for webhook event type ${type}`);
  return found;
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
    type: webhookEventType(event.type),
    timestamp: event.createdAt,
    data: { eventId: event.id, ...event.payload },
  });
}
