import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** The widths of usage rows: minutes as the gateway sends them, hours and days as rolled up. */
export const GRANULARITIES = ['MINUTE', 'HOUR', 'DAY'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

/**
 * The operations of one series (member, key, client, operation, document, outcome) in one
 * bucket. Minute rows come from the gateway (several per series and minute when several
 * gateways or flushes sent them) and are kept 48 h; the rollup merges them into one hour row per
 * series and hour, and hour rows into day rows, both kept 400 days (`rollup.ts`). `rolled` marks
 * a row already merged into the next width, so that every operation is counted once: in an
 * unrolled row of its width or in the wider row it was merged into.
 */
@Entity({ name: 'usage_row' })
@Index('ix_usage_row_window', ['granularity', 'bucketStart'])
@Index('ix_usage_row_rollup', ['granularity', 'rolled', 'bucketStart'])
@Index('ix_usage_row_series', ['granularity', 'series', 'bucketStart'])
@Index('ix_usage_row_member', ['memberId', 'granularity', 'bucketStart'])
@Index('ix_usage_row_document', ['documentHash', 'granularity', 'bucketStart'])
export class UsageRow {
  // `integer`: the only auto-increment key SQLite has. 2^31 rows is decades of minute rows at
  // the alliance's rates (pruned after 48 h); a later migration can widen it on MySQL.
  @PrimaryGeneratedColumn('increment', { type: 'integer' })
  id!: number;

  @Column({ type: 'varchar', length: 6 })
  granularity!: Granularity;

  @Column({ name: 'bucket_start', type: 'datetime', precision: 3 })
  bucketStart!: Date;

  /** SHA-256 (hex) of the series' dimensions: rows of one series and bucket merge. */
  @Column({ type: 'varchar', length: 64 })
  series!: string;

  @Column({ name: 'member_id', type: 'varchar', length: 64, nullable: true })
  memberId!: string | null;

  @Column({ name: 'key_id', type: 'varchar', length: 64, nullable: true })
  keyId!: string | null;

  @Column({ name: 'client_name', type: 'varchar', length: 100, nullable: true })
  clientName!: string | null;

  @Column({ name: 'client_version', type: 'varchar', length: 50, nullable: true })
  clientVersion!: string | null;

  @Column({ name: 'operation_name', type: 'varchar', length: 200, nullable: true })
  operationName!: string | null;

  @Column({ name: 'document_hash', type: 'varchar', length: 64, nullable: true })
  documentHash!: string | null;

  @Column({ type: 'varchar', length: 8 })
  outcome!: string;

  @Column({ name: 'refused_stage', type: 'varchar', length: 32, nullable: true })
  refusedStage!: string | null;

  @Column({ type: 'integer' })
  operations!: number;

  @Column({ type: 'integer' })
  errors!: number;

  /** JSON object, error code → operations. */
  @Column({ name: 'error_codes', type: 'varchar', length: 2000 })
  errorCodes!: string;

  @Column({ type: 'double' })
  bytes!: number;

  /** The latency histogram (`latency.ts`), `index:count,...`. */
  @Column({ type: 'varchar', length: 1000 })
  latency!: string;

  @Column({ name: 'last_seen', type: 'datetime', precision: 3 })
  lastSeen!: Date;

  @Column({ type: 'boolean', default: false })
  rolled!: boolean;
}
