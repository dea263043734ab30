import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Where the webhook dispatcher stands in one subgraph's outbox: the last event it turned into
 * deliveries. A restart resumes after it; reading an event again is harmless (one delivery row
 * per webhook and event).
 */
@Entity({ name: 'webhook_cursor' })
export class WebhookCursor {
  /** The publishing subgraph, e.g. `content`. */
  @PrimaryColumn({ type: 'varchar', length: 32 })
  source!: string;

  /** An outbox id (the feed), or a Redis stream entry id (with `REDIS_URL`). */
  @Column({ type: 'varchar', length: 40 })
  position!: string;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
