import type { WebhookDeliveryResolvers, WebhookResolvers } from '../generated/resolvers-types';
import type { EventType } from '../../kit/events/catalogue';
import { filterOf, subscribedTypes, webhookEvent, webhookEventsOf } from '../webhooks/events';

export const Webhook: WebhookResolvers = {
  // A webhook is only ever shown to its member or an admin, who may see the member.
  member: async (webhook, _args, { loaders }) => (await loaders.memberById.load(webhook.memberId))!,
  events: (webhook) => webhookEventsOf(subscribedTypes(webhook)),
  filter: (webhook) => filterOf(webhook),
  active: (webhook) => webhook.disabledAt === null,
};

export const WebhookDelivery: WebhookDeliveryResolvers = {
  // Deliveries are listed per webhook, to its member or an admin.
  webhook: async (delivery, _args, { loaders }) => (await loaders.webhookById.load(delivery.webhookId))!,
  event: (delivery) => webhookEvent(delivery.eventType as EventType),
  at: (delivery) => delivery.lastAttemptAt ?? delivery.createdAt,
  attempt: (delivery) => delivery.attempts,
  // The contract's `status` is the receiver's HTTP status; the stored `status` is the outcome.
  status: (delivery) => delivery.responseStatus,
  outcome: (delivery) => delivery.status,
};
