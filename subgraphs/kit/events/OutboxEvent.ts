import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One event written by a change, in the change's own transaction (see `./outbox`), and
 * published by the relay (`./relay`). `id` is the order: on SQLite mutations are serialised;
 * on MySQL writers take the `outbox_lock` row before inserting, so ids are committed in id
 * order and the relay never sees a lower id appear after a higher one.
 *
 * `id` is INT (not BIGINT): SQLite's AUTOINCREMENT needs exactly INTEGER, and one entity
 * describes both engines. 2^31 events is decades at the alliance's rates; a later migration
 * can widen it on MySQL.
 */
@Entity({ name: 'outbox_event' })
@Index('ix_outbox_unpublished', ['publishedAt', 'id'])
export class OutboxEvent {
  @PrimaryGeneratedColumn('increment', { type: 'integer' })
  id!: number;

  @Column({ type: 'varchar', length: 64 })
  type!: string;

  @Column({ name: 'aggregate_id', type: 'varchar', length: 80 })
  aggregateId!: string;

  /** The payload as JSON text (portable across engines; parsed by the relay only). */
  @Column({ type: 'text' })
  payload!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  /** Null until the relay has handed the event to the transport. */
  @Column({ name: 'published_at', type: 'datetime', precision: 3, nullable: true })
  publishedAt!: Date | null;
}
