/**
 * The events the subgraphs publish, with what subscribers need in their payloads: ids and the
 * changed fields, never whole rows. This is the contract between the outbox (writers) and the
 * consumers that later work adds (the gateway's federated subscriptions, webhooks); a field is
 * added, never renamed or removed, so that old consumers keep working.
 *
 * Statuses are plain strings here: the kit does not depend on the subgraphs' entity modules.
 */

/** What a piece of content looks like to a subscriber's filter when it is published. */
export interface ContentPublishedPayload {
  contentId: string;
  authorId: string;
  kind: string;
  language: string;
  /** In the content's order. */
  tags: string[];
  /** In the content's order. */
  attractionIds: string[];
  /** The campaign the content belongs to (content belongs to at most one). */
  campaignId: string | null;
  /** Always PUBLISHED: published content is public. */
  status: string;
  /** DRAFT for a first publication, ARCHIVED when archived content comes back. */
  from: string;
  /** ISO 8601; the first publication's instant (a republication keeps it). */
  publishedAt: string;
}

/** An edit of a piece of content: which fields changed, and the new values subscribers filter on. */
export interface ContentUpdatedPayload {
  contentId: string;
  authorId: string;
  /** The status at the time of the edit: only PUBLISHED content is public. */
  status: string;
  /** Names of the fields the edit set (GraphQL input names, e.g. `title`, `tags`). */
  changed: string[];
  /** The new values of the fields subscribers filter on, when they changed. */
  kind?: string;
  language?: string;
  tags?: string[];
  attractionIds?: string[];
  campaignId?: string | null;
}

/** A piece of content taken out of circulation. */
export interface ContentArchivedPayload {
  contentId: string;
  authorId: string;
  /** DRAFT or PUBLISHED: only an archived PUBLISHED piece was public before. */
  from: string;
  status: string;
  campaignId: string | null;
}

/** A campaign moved along its lifecycle (PLANNED → ACTIVE → COMPLETED, or CANCELLED). */
export interface CampaignStatusChangedPayload {
  campaignId: string;
  from: string;
  to: string;
}

/** One participant's reach for one day, as reported (a resent report replaces the figures). */
export interface CampaignMetricsReportedPayload {
  campaignId: string;
  memberId: string;
  /** The day reported, YYYY-MM-DD. */
  date: string;
  impressions: number;
  engagements: number;
  clicks: number;
}

/** A member's standing changed (e.g. ACTIVE → SUSPENDED): credentials of inactive members stop working. */
export interface MemberStatusChangedPayload {
  memberId: string;
  from: string;
  to: string;
}

/** Every event type with its payload. */
export interface EventPayloads {
  ContentPublished: ContentPublishedPayload;
  ContentUpdated: ContentUpdatedPayload;
  ContentArchived: ContentArchivedPayload;
  CampaignStatusChanged: CampaignStatusChangedPayload;
  CampaignMetricsReported: CampaignMetricsReportedPayload;
  MemberStatusChanged: MemberStatusChangedPayload;
}

/** An event type's name. */
export type EventType = keyof EventPayloads;

/**
 * Which subgraph publishes each type: a subscriber reads the stream of that subgraph
 * (`<prefix>events:<subgraph>`), and a subgraph may emit only its own types.
 */
export const EVENT_SOURCES: Readonly<Record<EventType, string>> = {
  ContentPublished: 'content',
  ContentUpdated: 'content',
  ContentArchived: 'content',
  CampaignStatusChanged: 'campaigns',
  CampaignMetricsReported: 'campaigns',
  MemberStatusChanged: 'membership',
};

/** Every event type, in the catalogue's order. */
export const EVENT_TYPES = Object.keys(EVENT_SOURCES) as EventType[];

/** The event types a subgraph publishes. */
export function eventTypesOf(subgraph: string): EventType[] {
  return EVENT_TYPES.filter((type) => EVENT_SOURCES[type] === subgraph);
}

/** An event as a change emits it: written to the outbox in the change's transaction. */
export type NewEvent = {
  [K in EventType]: { type: K; aggregateId: string; payload: EventPayloads[K] };
}[EventType];

/** An event as the relay publishes it and subscribers receive it. */
export type PublishedEvent = {
  [K in EventType]: {
    /**
     * `<subgraph>:<sequence>`: unique within one subgraph's database. Delivery is at least once,
     * so a consumer drops an id it has already handled (or any sequence not above the last one
     * it handled from that subgraph, since each subgraph's events arrive in order).
     */
    id: string;
    subgraph: string;
    /** The outbox row's id: increases with commit order within the subgraph. */
    sequence: number;
    type: K;
    aggregateId: string;
    payload: EventPayloads[K];
    /** When the change committed (ISO 8601, to the millisecond). */
    createdAt: string;
  };
}[EventType];

/** A published event as a subscription delivers it, with where it sits in its transport. */
export type DeliveredEvent = PublishedEvent & {
  /**
   * The transport's position of this event in its subgraph's stream (a Redis stream entry id,
   * or the sequence in process); pass it back as `from` to resume after it.
   */
  position: string;
};
