import type { DataSource } from 'typeorm';
import { Alliance, ConventionArticle } from '../entities';

/** Reads the alliance and its convention. */
export class AllianceRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The alliance row, or null before the database is seeded. */
  find(): Promise<Alliance | null> {
    return this.dataSource.getRepository(Alliance).findOneBy({ id: 1 });
  }

  /** The convention's articles in order. */
  articles(): Promise<ConventionArticle[]> {
    return this.dataSource.getRepository(ConventionArticle).find({ order: { number: 'ASC' } });
  }
}
