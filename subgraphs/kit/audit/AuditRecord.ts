import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const AUDIT_OUTCOMES = ['SUCCESS', 'DENIED', 'REJECTED', 'FAILED'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/**
 * One attempted mutation, successful or not. Every subgraph keeps its own trail in its
 * own database, written in the same transaction as the change it records.
 */
@Entity({ name: 'audit_record' })
@Index('ix_audit_at', ['at', 'id'])
export class AuditRecord {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'datetime', precision: 3 })
  at!: Date;

  @Index('ix_audit_actor')
  @Column({ name: 'actor_member_id', type: 'varchar', length: 36, nullable: true })
  actorMemberId!: string | null;

  @Column({ name: 'actor_role', type: 'varchar', length: 16, nullable: true })
  actorRole!: string | null;

  @Column({ name: 'actor_key_id', type: 'varchar', length: 36, nullable: true })
  actorKeyId!: string | null;

  @Index('ix_audit_operation')
  @Column({ type: 'varchar', length: 64 })
  operation!: string;

  @Column({ name: 'target_type', type: 'varchar', length: 32 })
  targetType!: string;

  @Index('ix_audit_target')
  @Column({ name: 'target_id', type: 'varchar', length: 80, nullable: true })
  targetId!: string | null;

  @Column({ type: 'varchar', length: 16 })
  outcome!: AuditOutcome;

  @Column({ name: 'error_code', type: 'varchar', length: 32, nullable: true })
  errorCode!: string | null;

  @Column({ name: 'request_id', type: 'varchar', length: 128 })
  requestId!: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  detail!: string | null;
}
