import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One participant's reach for one day. The primary key (campaign, member, date) is the
 * unique constraint that makes resent and concurrent reports replace instead of add.
 */
@Entity({ name: 'metric_report' })
@Index('ix_metric_report_campaign_date', ['campaignId', 'reportDate'])
export class MetricReport {
  @PrimaryColumn({ name: 'campaign_id', type: 'varchar', length: 36 })
  campaignId!: string;

  @PrimaryColumn({ name: 'member_id', type: 'varchar', length: 36 })
  memberId!: string;

  @PrimaryColumn({ name: 'report_date', type: 'date' })
  reportDate!: string;

  @Column({ type: 'double' })
  impressions!: number;

  @Column({ type: 'double' })
  engagements!: number;

  @Column({ type: 'double' })
  clicks!: number;

  @Column({ name: 'reported_at', type: 'datetime', precision: 3 })
  reportedAt!: Date;
}
