import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Visitor figures of one attraction for one month; one row per (attraction, month). */
@Entity({ name: 'visitor_stat' })
export class VisitorStat {
  @PrimaryColumn({ name: 'attraction_id', type: 'varchar', length: 36 })
  attractionId!: string;

  /** `YYYY-MM`: text sorts and compares like the months it names. */
  @PrimaryColumn({ type: 'varchar', length: 7 })
  @Index('ix_visitor_stat_month')
  month!: string;

  @Column({ name: 'domestic_visitors', type: 'double' })
  domesticVisitors!: number;

  @Column({ name: 'inbound_visitors', type: 'double' })
  inboundVisitors!: number;

  @Column({ name: 'revenue_cny', type: 'double' })
  revenueCny!: number;
}
