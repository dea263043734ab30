import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Where a delivery stands. */
export type WebhookDeliveryStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED';

/**
 * One event for one webhook, and its attempts: the durable delivery log. Created once per
 * (webhook, event) (`uq_webhook_delivery_event`), so an event read again after a restart or
 * published twice is never delivered twice. `body` is the exact JSON sent on every attempt.
 */
@Entity({ name: 'webhook_delivery' })
@Index('uq_webhook_delivery_event', ['webhookId', 'eventId'], { unique: true })
@Index('ix_webhook_delivery_due', ['status', 'nextAttemptAt'])
@Index('ix_webhook_delivery_log', ['webhookId', 'createdAt', 'id'])
export class WebhookDelivery {
  /** Also the `webhook-id` header: stable across retries and redeliveries. */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'webhook_id', type: 'varchar', length: 36 })
  webhookId!: string;

  /** The event's id, `<subgraph>:<outbox id>`. */
  @Column({ name: 'event_id', type: 'varchar', length: 80 })
  eventId!: string;

  /** The catalogue type, e.g. `ContentPublished`. */
  @Column({ name: 'event_type', type: 'varchar', length: 64 })
  eventType!: string;

  @Column({ type: 'text' })
  body!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: WebhookDeliveryStatus;

  @Column({ type: 'integer' })
  attempts!: number;

  /** The HTTP status of the last answer; null when none came (refused, timed out, unreachable). */
  @Column({ name: 'response_status', type: 'integer', nullable: true })
  responseStatus!: number | null;

  /** Why the last attempt failed, in words for the owner; never internal detail. */
  @Column({ name: 'last_error', type: 'varchar', length: 200, nullable: true })
  lastError!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  /** Start of the retry window (24 h); null until the first attempt (and again after a redelivery). */
  @Column({ name: 'first_attempt_at', type: 'datetime', precision: 3, nullable: true })
  firstAttemptAt!: Date | null;

  @Column({ name: 'last_attempt_at', type: 'datetime', precision: 3, nullable: true })
  lastAttemptAt!: Date | null;

  /** When the next attempt is due; null once SUCCEEDED or FAILED. */
  @Column({ name: 'next_attempt_at', type: 'datetime', precision: 3, nullable: true })
  nextAttemptAt!: Date | null;

  @Column({ name: 'delivered_at', type: 'datetime', precision: 3, nullable: true })
  deliveredAt!: Date | null;

  /** A dispatcher that took the delivery holds it until then (several replicas never send it at once). */
  @Column({ name: 'lease_until', type: 'datetime', precision: 3, nullable: true })
  leaseUntil!: Date | null;
}
