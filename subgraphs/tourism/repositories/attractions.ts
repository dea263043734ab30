import { likePattern } from '../../kit/sql';
import { findEntitiesByIds } from '../../kit/rows';
import { randomUUID } from 'node:crypto';
import { type DataSource, type EntityManager, In, type SelectQueryBuilder } from 'typeorm';
import { isUniqueViolation } from '../../kit/database';
import { type Connection, type PageArgs, paginate, toConnection } from '../../kit/pagination';
import { Attraction, type AttractionCategory, type Province } from '../entities';
import { boundingBox, distanceKm } from '../geo';
import { NEAR_CURSOR_TAG, type NearPage } from '../model';

/** A validated `near` condition. */
export interface Near {
  latitude: number;
  longitude: number;
  radiusKm: number;
}

/** Filter of the `attractions` query, as validated input (`attractionFilter` of ../validation.ts). */
export interface AttractionFilter {
  province?: Province | null;
  destinationId?: string | null;
  category?: AttractionCategory | null;
  inBaShuCorridor?: boolean | null;
  worldHeritage?: boolean | null;
  search?: string | null;
  near?: Near | null;
}

/** A validated attraction to create or update, keyed by slug. */
export type AttractionFields = Omit<Attraction, 'id'>;

/** Reads and writes attractions. Every read method is one SQL statement. */
export class AttractionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Attractions by id, in any order; missing ids are simply absent. */
  findByIds(ids: readonly string[]): Promise<Attraction[]> {
    return findEntitiesByIds(this.dataSource, Attraction, ids);
  }

  /** Attractions by slug, in any order. */
  findBySlugs(slugs: readonly string[]): Promise<Attraction[]> {
    return this.dataSource.getRepository(Attraction).findBy({ slug: In([...slugs]) });
  }

  /** Every attraction of the given destinations, ordered by slug within each. */
  findByDestinations(destinationIds: readonly string[]): Promise<Attraction[]> {
    return this.dataSource
      .getRepository(Attraction)
      .find({ where: { destinationId: In([...destinationIds]) }, order: { slug: 'ASC', id: 'ASC' } });
  }

  /**
   * A page of attractions ordered by slug (`near` is ignored: see {@link listNear}). One
   * statement, plus one for `totalCount` when asked.
   */
  list(filter: AttractionFilter, page: PageArgs): Promise<Connection<Attraction>> {
    return paginate(this.filtered(filter), page, [
      { column: 'a.slug', direction: 'ASC', value: (a) => a.slug },
      { column: 'a.id', direction: 'ASC', value: (a) => a.id },
    ]);
  }

  private filtered(filter: AttractionFilter): SelectQueryBuilder<Attraction> {
    const query = this.dataSource.getRepository(Attraction).createQueryBuilder('a');
    if (filter.province) query.andWhere('a.province = :province', { province: filter.province });
    if (filter.destinationId) query.andWhere('a.destination_id = :destination', { destination: filter.destinationId });
    if (filter.category) query.andWhere('a.category = :category', { category: filter.category });
    // Booleans bind as 1/0: better-sqlite3 refuses JavaScript booleans as parameters.
    if (filter.inBaShuCorridor != null) {
      query.andWhere('a.in_ba_shu_corridor = :corridor', { corridor: filter.inBaShuCorridor ? 1 : 0 });
    }
    if (filter.worldHeritage != null) {
      query.andWhere('a.world_heritage = :heritage', { heritage: filter.worldHeritage ? 1 : 0 });
    }
    if (filter.search != null) {
      query.andWhere(
        "(LOWER(a.name_en) LIKE :pattern ESCAPE '!' OR a.name_zh LIKE :pattern ESCAPE '!' OR a.slug LIKE :pattern ESCAPE '!')",
        { pattern: likePattern(filter.search) },
      );
    }
    return query;
  }

  /**
   * A page of attractions within `near`, nearest first (ties by id), in one statement.
   * The indexed bounding box narrows the rows in SQL, the exact great-circle
   * distance decides in JavaScript. The order is (distance, id), total and repeatable, so
   * the cursor carries the distance and the id of the last row and the next page starts
   * strictly after that pair; `totalCount` comes from the same statement.
   */
  async listNear(filter: AttractionFilter, near: Near, page: NearPage): Promise<Connection<Attraction>> {
    const query = this.filtered(filter);
    const after = page.after;
    const box = boundingBox(near.latitude, near.longitude, near.radiusKm);
    query.andWhere('a.latitude BETWEEN :minLat AND :maxLat', { minLat: box.minLatitude, maxLat: box.maxLatitude });
    if (box.minLongitude !== null && box.maxLongitude !== null) {
      query.andWhere('a.longitude BETWEEN :minLng AND :maxLng', { minLng: box.minLongitude, maxLng: box.maxLongitude });
    }
    const distances = new Map<string, number>();
    const within = (await query.getMany()).filter((a) => {
      const d = distanceKm(near.latitude, near.longitude, a.latitude, a.longitude);
      distances.set(a.id, d);
      return d <= near.radiusKm;
    });
    const distanceOf = (a: Attraction) => distances.get(a.id)!;
    within.sort((x, y) => distanceOf(x) - distanceOf(y) || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    const rest = after
      ? within.filter((a) => distanceOf(a) > after.distance || (distanceOf(a) === after.distance && a.id > after.id))
      : within;
    return toConnection(
      rest.slice(0, page.first + 1),
      page.first,
      [{ value: () => NEAR_CURSOR_TAG }, { value: distanceOf }, { value: (a) => a.id }],
      async () => within.length,
    );
  }

  /** Which of `ids` are attractions, in chunks that keep IN lists modest. */
  async existingIds(manager: EntityManager, ids: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += 1000) {
      const rows = await manager
        .getRepository(Attraction)
        .createQueryBuilder('a')
        .select('a.id', 'id')
        .where('a.id IN (:...ids)', { ids: ids.slice(i, i + 1000) })
        .getRawMany<{ id: string }>();
      for (const row of rows) found.add(row.id);
    }
    return found;
  }

  /**
   * Creates the attraction with this slug, or updates it (keeping its id); null when another
   * request created the same slug between the read and the insert.
   */
  async upsertBySlug(manager: EntityManager, fields: AttractionFields): Promise<Attraction | null> {
    const repository = manager.getRepository(Attraction);
    const existing = await repository.findOneBy({ slug: fields.slug });
    if (existing) {
      await repository.update({ id: existing.id }, fields);
      return (await repository.findOneBy({ id: existing.id }))!;
    }
    const id = randomUUID();
    try {
      await repository.insert({ id, ...fields });
    } catch (error) {
      // Another request created the same slug between our read and our insert.
      if (isUniqueViolation(error)) return null;
      throw error;
    }
    return (await repository.findOneBy({ id }))!;
  }
}
