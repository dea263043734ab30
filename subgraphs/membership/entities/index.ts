import { AuditRecord } from '../../kit/audit/AuditRecord';
import { OutboxEvent } from '../../kit/events/OutboxEvent';
import { Alliance } from './Alliance';
import { ApiKey } from './ApiKey';
import { ConventionArticle } from './ConventionArticle';
import { Member } from './Member';
import { Webhook } from './Webhook';
import { WebhookCursor } from './WebhookCursor';
import { WebhookDelivery } from './WebhookDelivery';

export { Alliance, ApiKey, ConventionArticle, Member, Webhook, WebhookCursor, WebhookDelivery };
export type { WebhookFilterValues } from './Webhook';
export type { WebhookDeliveryStatus } from './WebhookDelivery';
export { MEMBER_KINDS, MEMBER_REGIONS, MEMBER_STATUSES, type MemberKind, type MemberStatus } from './Member';

/** Every entity of the membership database, for the DataSource. */
export const entities = [
  Member,
  Alliance,
  ConventionArticle,
  ApiKey,
  AuditRecord,
  OutboxEvent,
  Webhook,
  WebhookDelivery,
  WebhookCursor,
];
