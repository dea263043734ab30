import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A schema coordinate (`Type.field`) one recorded document selects: `fieldUsage` finds the
 * documents of a coordinate here, then their rows. Written once per document, at its first batch.
 */
@Entity({ name: 'usage_document_field' })
@Index('ix_usage_document_field_document', ['documentHash'])
export class UsageDocumentField {
  @PrimaryColumn({ type: 'varchar', length: 300 })
  coordinate!: string;

  @PrimaryColumn({ name: 'document_hash', type: 'varchar', length: 64 })
  documentHash!: string;
}

/** A recorded document (by the hash of its normalised text) and when it was first reported. */
@Entity({ name: 'usage_document' })
export class UsageDocument {
  @PrimaryColumn({ name: 'document_hash', type: 'varchar', length: 64 })
  documentHash!: string;

  @Column({ name: 'first_seen', type: 'datetime', precision: 3 })
  firstSeen!: Date;
}

/** A batch already stored: the gateway retries a batch whose answer it missed, and it must count once. */
@Entity({ name: 'usage_batch' })
@Index('ix_usage_batch_received', ['receivedAt'])
export class ReceivedBatch {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Column({ name: 'received_at', type: 'datetime', precision: 3 })
  receivedAt!: Date;
}
