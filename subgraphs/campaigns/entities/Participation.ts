import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const PARTICIPATION_ROLES = ['LEAD', 'PARTNER', 'AMPLIFIER'] as const;
export type ParticipationRole = (typeof PARTICIPATION_ROLES)[number];

/** A member (of the membership subgraph, stored as its id) taking part in a campaign. */
@Entity({ name: 'participation' })
@Index('ix_participation_order', ['campaignId', 'joinedOn', 'memberId'])
export class Participation {
  @PrimaryColumn({ name: 'campaign_id', type: 'varchar', length: 36 })
  campaignId!: string;

  @Index('ix_participation_member')
  @PrimaryColumn({ name: 'member_id', type: 'varchar', length: 36 })
  memberId!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: ParticipationRole;

  @Column({ name: 'joined_on', type: 'date' })
  joinedOn!: string;
}
