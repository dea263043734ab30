import type { WebhookDeliveryResolvers, WebhookResolvers } from '../generated/resolvers-types';
import type { EventType } from '../../kit/events/catalogue';
import { filterOf, subscribedTypes, webhookEventType } from '../webhooks/events';

export const Webhook: WebhookResolvers = {
  // A webhook is only ever shown to its member or an admin, who may see the member.
  member: async (webhook, _args, { loaders }) => (await loaders.memberById.load(webhook.memberId))!,
  events: (webhook) => subscribedTypes(webhook).map(webhookEventType),
  filter: (webhook) => filterOf(webhook),
  enabled: (webhook) => webhook.disabledAt === null,
};

export const WebhookDelivery: WebhookDeliveryResolvers = {
  // Deliveries are listed per webhook, to its member or an admin.
  webhook: async (delivery, _args, { loaders }) => (await loaders.webhookById.load(delivery.webhookId))!,
  eventType: (delivery) => webhookEventType(delivery.eventType as EventType),
};
