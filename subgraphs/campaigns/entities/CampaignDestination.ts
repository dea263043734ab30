import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** An attraction (of the tourism subgraph, stored as its id) featured by a campaign. */
@Entity({ name: 'campaign_destination' })
export class CampaignDestination {
  @PrimaryColumn({ name: 'campaign_id', type: 'varchar', length: 36 })
  campaignId!: string;

  @Index('ix_campaign_destination_attraction')
  @PrimaryColumn({ name: 'attraction_id', type: 'varchar', length: 36 })
  attractionId!: string;

  /** Display order within the campaign. */
  @Column({ type: 'integer' })
  position!: number;
}
