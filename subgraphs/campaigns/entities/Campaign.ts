import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const CAMPAIGN_STATUSES = ['PLANNED', 'ACTIVE', 'COMPLETED', 'CANCELLED'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** A joint promotion campaign. Column types are explicit: tsx emits no decorator metadata. */
@Entity({ name: 'campaign' })
@Index('ix_campaign_starts', ['startsOn', 'id'])
export class Campaign {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Index('uq_campaign_slug', { unique: true })
  @Column({ type: 'varchar', length: 80 })
  slug!: string;

  @Column({ name: 'name_en', type: 'varchar', length: 200 })
  nameEn!: string;

  @Column({ name: 'name_zh', type: 'varchar', length: 200 })
  nameZh!: string;

  @Column({ name: 'description_en', type: 'varchar', length: 2000, nullable: true })
  descriptionEn!: string | null;

  @Column({ name: 'description_zh', type: 'varchar', length: 2000, nullable: true })
  descriptionZh!: string | null;

  @Index('ix_campaign_status')
  @Column({ type: 'varchar', length: 16 })
  status!: CampaignStatus;

  @Column({ name: 'starts_on', type: 'date' })
  startsOn!: string;

  @Column({ name: 'ends_on', type: 'date' })
  endsOn!: string;

  /** A member of the membership subgraph, stored as its id only. */
  @Column({ name: 'organizer_id', type: 'varchar', length: 36 })
  organizerId!: string;

  @Column({ name: 'sample_data', type: 'boolean', default: false })
  sampleData!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 6 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime', precision: 6 })
  updatedAt!: Date;
}
