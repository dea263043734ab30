import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const MEMBER_KINDS = [
  'NEWSPAPER',
  'BROADCASTER',
  'NEWS_AGENCY',
  'ONLINE_MEDIA',
  'SOCIAL_PLATFORM',
  'TRAVEL_PLATFORM',
  'OTHER',
] as const;
export type MemberKind = (typeof MEMBER_KINDS)[number];

export const MEMBER_STATUSES = ['ACTIVE', 'SUSPENDED', 'WITHDRAWN'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

export const MEMBER_REGIONS = ['Sichuan', 'Chongqing', 'National', 'International'] as const;

/** A member platform of the alliance. Column types are explicit: tsx emits no decorator metadata. */
@Entity({ name: 'member' })
export class Member {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Index('uq_member_slug', { unique: true })
  @Column({ type: 'varchar', length: 80 })
  slug!: string;

  @Column({ name: 'name_en', type: 'varchar', length: 200 })
  nameEn!: string;

  @Column({ name: 'name_zh', type: 'varchar', length: 200 })
  nameZh!: string;

  @Index('ix_member_kind')
  @Column({ type: 'varchar', length: 32 })
  kind!: MemberKind;

  @Index('ix_member_region')
  @Column({ type: 'varchar', length: 32 })
  region!: string;

  @Column({ type: 'varchar', length: 300, nullable: true })
  website!: string | null;

  @Index('ix_member_status')
  @Column({ type: 'varchar', length: 16 })
  status!: MemberStatus;

  @Column({ name: 'joined_on', type: 'date' })
  joinedOn!: string;

  @Column({ name: 'contact_email', type: 'varchar', length: 254, nullable: true })
  contactEmail!: string | null;

  @Column({ name: 'sample_data', type: 'boolean', default: false })
  sampleData!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 6 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime', precision: 6 })
  updatedAt!: Date;
}
