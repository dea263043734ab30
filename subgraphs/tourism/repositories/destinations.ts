import { type DataSource, type EntityManager, In } from 'typeorm';
import { findEntitiesByIds } from '../../kit/rows';
import { Destination, type Province } from '../entities';

/** Reads destinations. Every method is one SQL statement. */
export class DestinationRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Destinations by id, in any order; missing ids are simply absent. */
  findByIds(ids: readonly string[]): Promise<Destination[]> {
    return findEntitiesByIds(this.dataSource, Destination, ids);
  }

  /** Destinations by slug, in any order. */
  findBySlugs(slugs: readonly string[]): Promise<Destination[]> {
    return this.dataSource.getRepository(Destination).findBy({ slug: In([...slugs]) });
  }

  /** Every destination (or those of one province), ordered by slug. */
  list(province: Province | null): Promise<Destination[]> {
    return this.dataSource
      .getRepository(Destination)
      .find({ where: province ? { province } : {}, order: { slug: 'ASC', id: 'ASC' } });
  }

  /** One destination inside a mutation's transaction. */
  findById(manager: EntityManager, id: string): Promise<Destination | null> {
    return manager.getRepository(Destination).findOneBy({ id });
  }
}
