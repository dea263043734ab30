import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { Role } from '../../kit/identity';

/** An API key's record. The secret itself is never stored: only its SHA-256 hash. */
@Entity({ name: 'api_key' })
export class ApiKey {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Index('ix_api_key_member')
  @Column({ name: 'member_id', type: 'varchar', length: 36 })
  memberId!: string;

  @Column({ type: 'varchar', length: 100 })
  label!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: Role;

  /** Public lookup part of the key, e.g. `alk_3f9a1c2b`. */
  @Index('uq_api_key_prefix', { unique: true })
  @Column({ type: 'varchar', length: 16 })
  prefix!: string;

  /** Hex SHA-256 of the whole key. Keys carry 256 random bits, so a fast hash suffices. */
  @Column({ name: 'secret_hash', type: 'varchar', length: 64 })
  secretHash!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: 'datetime', precision: 3, nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'datetime', precision: 3, nullable: true })
  revokedAt!: Date | null;
}
