import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A tag of a piece of content (lower-case), in the author's order. */
@Entity({ name: 'content_tag' })
@Index('ix_content_tag_tag', ['tag', 'contentId'])
export class ContentTag {
  @PrimaryColumn({ name: 'content_id', type: 'varchar', length: 36 })
  contentId!: string;

  @PrimaryColumn({ type: 'varchar', length: 40 })
  tag!: string;

  @Column({ type: 'integer' })
  position!: number;
}
