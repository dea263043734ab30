import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Conditions an event's data must meet to be delivered; omitted ones always hold. */
export interface WebhookFilterValues {
  authorId?: string;
  campaignId?: string;
  memberId?: string;
  tag?: string;
  language?: string;
  attractionId?: string;
}

/**
 * A member's webhook: where the dispatcher POSTs the events it subscribed to. The signing secret
 * is stored encrypted (AES-256-GCM under `WEBHOOK_SECRET_KEY`, `../webhooks/signing.ts`): HMAC
 * signing needs the secret itself, so a hash would not do; a database dump alone does not reveal it.
 */
@Entity({ name: 'webhook' })
export class Webhook {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Index('ix_webhook_member')
  @Column({ name: 'member_id', type: 'varchar', length: 36 })
  memberId!: string;

  @Column({ type: 'varchar', length: 2000 })
  url!: string;

  /** Catalogue event types, comma-separated (e.g. `ContentPublished,ContentUpdated`). */
  @Column({ type: 'varchar', length: 400 })
  events!: string;

  /** {@link WebhookFilterValues} as JSON; null without conditions. */
  @Column({ type: 'text', nullable: true })
  filter!: string | null;

  /** `v1.<iv>.<tag>.<ciphertext>` (base64url), the `whsec_` secret encrypted with the webhook id as associated data. */
  @Column({ name: 'secret_sealed', type: 'varchar', length: 200 })
  secretSealed!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  /** When it was disabled; null while it receives events. */
  @Column({ name: 'disabled_at', type: 'datetime', precision: 3, nullable: true })
  disabledAt!: Date | null;
}
