import { likePattern } from '../../kit/sql';
import { entityColumns, findEntitiesByIds, hydrate, readRows } from '../../kit/rows';
import { randomUUID } from 'node:crypto';
import { type DataSource, type EntityManager, In } from 'typeorm';
import { isUniqueViolation } from '../../kit/database';
import { type Connection, type PageArgs, readPageArgs, toConnection } from '../../kit/pagination';
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

/** ` WHERE a AND b`, or nothing without conditions. */
const whereClause = (conditions: readonly string[]) =>
  conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';

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
   * statement, plus one for `totalCount` when asked. Keyset pagination on (slug, id) as the
   * kit's `paginate` does, written by hand: every catalogue page and map view reads here, and
   * TypeORM's query builder built and escaped the statement anew on every call.
   */
  async list(filter: AttractionFilter, args: PageArgs): Promise<Connection<Attraction>> {
    const page = readPageArgs(args, 2);
    const { where, parameters } = this.filtered(filter);
    const keys = [{ value: (a: Attraction) => a.slug }, { value: (a: Attraction) => a.id }];
    const count = async () => {
      const [row] = await readRows<{ n: number | string }>(
        this.dataSource,
        `SELECT COUNT(*) AS n FROM attraction a${whereClause(where)}`,
        parameters,
      );
      return Number(row?.n ?? 0);
    };
    if (page.first === 0) return toConnection([], 0, keys, count);
    // The rows after (slug, id): the leading `a.slug >= ?` lets the engine seek the slug index
    // to the cursor instead of scanning it from the first slug (a tenth of a ms a page on SQLite).
    const after = page.after ? ['a.slug >= ? AND (a.slug > ? OR (a.slug = ? AND a.id > ?))'] : [];
    const rows = await readRows(
      this.dataSource,
      `SELECT ${entityColumns(this.dataSource, Attraction, 'a')} FROM attraction a${whereClause([...where, ...after])}
       ORDER BY a.slug ASC, a.id ASC LIMIT ?`,
      [
        ...parameters,
        ...(page.after ? [page.after[0], page.after[0], page.after[0], page.after[1]] : []),
        page.first + 1,
      ],
    );
    return toConnection(hydrate(this.dataSource, Attraction, rows), page.first, keys, count);
  }

  /** The conditions of `filter` (`near` aside) on the attraction table aliased `a`, with their parameters in order. */
  private filtered(filter: AttractionFilter): { where: string[]; parameters: unknown[] } {
    const where: string[] = [];
    const parameters: unknown[] = [];
    const add = (condition: string, ...values: unknown[]) => {
      where.push(condition);
      parameters.push(...values);
    };
    if (filter.province) add('a.province = ?', filter.province);
    if (filter.destinationId) add('a.destination_id = ?', filter.destinationId);
    if (filter.category) add('a.category = ?', filter.category);
    // Booleans bind as 1/0: better-sqlite3 refuses JavaScript booleans as parameters.
    if (filter.inBaShuCorridor != null) add('a.in_ba_shu_corridor = ?', filter.inBaShuCorridor ? 1 : 0);
    if (filter.worldHeritage != null) add('a.world_heritage = ?', filter.worldHeritage ? 1 : 0);
    if (filter.search != null) {
      const pattern = likePattern(filter.search);
      add(
        "(LOWER(a.name_en) LIKE ? ESCAPE '!' OR a.name_zh LIKE ? ESCAPE '!' OR a.slug LIKE ? ESCAPE '!')",
        pattern,
        pattern,
        pattern,
      );
    }
    return { where, parameters };
  }

  /**
   * A page of attractions within `near`, nearest first (ties by id), in one statement.
   * The indexed bounding box narrows the rows in SQL, the exact great-circle
   * distance decides in JavaScript. The order is (distance, id), total and repeatable, so
   * the cursor carries the distance and the id of the last row and the next page starts
   * strictly after that pair; `totalCount` comes from the same statement. The statement text
   * depends only on which filters are set, so the driver reuses its prepared statement.
   */
  async listNear(filter: AttractionFilter, near: Near, page: NearPage): Promise<Connection<Attraction>> {
    const { where, parameters } = this.filtered(filter);
    const after = page.after;
    const box = boundingBox(near.latitude, near.longitude, near.radiusKm);
    where.push('a.latitude BETWEEN ? AND ?');
    parameters.push(box.minLatitude, box.maxLatitude);
    if (box.minLongitude !== null && box.maxLongitude !== null) {
      where.push('a.longitude BETWEEN ? AND ?');
      parameters.push(box.minLongitude, box.maxLongitude);
    }
    const rows = await readRows(
      this.dataSource,
      `SELECT ${entityColumns(this.dataSource, Attraction, 'a')} FROM attraction a${whereClause(where)}`,
      parameters,
    );
    const distances = new Map<string, number>();
    const within = hydrate(this.dataSource, Attraction, rows).filter((a) => {
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
