import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const CONTENT_KINDS = [
  'ARTICLE',
  'VIDEO',
  'PHOTO_STORY',
  'LIVESTREAM',
  'ARTWORK',
  'LITERARY_WORK',
  'REPORT',
] as const;
export type ContentKind = (typeof CONTENT_KINDS)[number];

export const CONTENT_STATUSES = ['DRAFT', 'PUBLISHED', 'ARCHIVED'] as const;
export type ContentStatus = (typeof CONTENT_STATUSES)[number];

/**
 * A piece of content. `sortedAt` is `publishedAt` once published, else `createdAt`: lists
 * order by it (never null, so keyset pagination needs no NULL handling). The FULLTEXT index
 * on MySQL and the FTS5 table on SQLite are engine-specific and managed by the migration
 * only (`synchronize: false`).
 */
@Entity({ name: 'content' })
@Index('ix_content_author_sorted', ['authorId', 'sortedAt', 'id'])
@Index('ix_content_campaign_sorted', ['campaignId', 'sortedAt', 'id'])
@Index('ix_content_status_sorted', ['status', 'sortedAt', 'id'])
// Visibility checks off an index, not the row (migration VisibilityIndexes): an author's count on
// both engines; on SQLite only, the by-id probes of a tag feed's count (MySQL's clustered primary
// key already holds the row), hence not synchronised, like the full-text index.
@Index('ix_content_author_status', ['authorId', 'status'])
@Index('ix_content_visibility', { synchronize: false })
@Index('ft_content_text', { synchronize: false })
export class Content {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'author_id', type: 'varchar', length: 36 })
  authorId!: string;

  @Index('ix_content_kind')
  @Column({ type: 'varchar', length: 32 })
  kind!: ContentKind;

  @Column({ type: 'varchar', length: 200 })
  title!: string;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  summary!: string | null;

  /** At most 16,000 characters: fits MySQL TEXT (64 KB) even at 4 bytes a character. */
  @Column({ type: 'text', nullable: true })
  body!: string | null;

  @Index('ix_content_language')
  @Column({ type: 'varchar', length: 16 })
  language!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: ContentStatus;

  @Column({ name: 'campaign_id', type: 'varchar', length: 36, nullable: true })
  campaignId!: string | null;

  @Index('ix_content_published_at')
  @Column({ name: 'published_at', type: 'datetime', precision: 3, nullable: true })
  publishedAt!: Date | null;

  @Column({ name: 'sorted_at', type: 'datetime', precision: 3 })
  sortedAt!: Date;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;

  @Column({ name: 'sample_data', type: 'boolean', default: false })
  sampleData!: boolean;
}
