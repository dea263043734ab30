import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One article of the alliance convention, in English and Chinese. */
@Entity({ name: 'convention_article' })
export class ConventionArticle {
  @PrimaryColumn({ type: 'integer' })
  number!: number;

  @Column({ name: 'title_en', type: 'varchar', length: 200 })
  titleEn!: string;

  @Column({ name: 'title_zh', type: 'varchar', length: 200 })
  titleZh!: string;

  @Column({ name: 'text_en', type: 'text' })
  textEn!: string;

  @Column({ name: 'text_zh', type: 'text' })
  textZh!: string;
}
