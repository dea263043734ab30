import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Which attractions (tourism's ids) a piece of content is about, in the author's order. */
@Entity({ name: 'content_attraction' })
@Index('ix_content_attraction_attraction', ['attractionId', 'contentId'])
export class ContentAttraction {
  @PrimaryColumn({ name: 'content_id', type: 'varchar', length: 36 })
  contentId!: string;

  @PrimaryColumn({ name: 'attraction_id', type: 'varchar', length: 36 })
  attractionId!: string;

  @Column({ type: 'integer' })
  position!: number;
}
