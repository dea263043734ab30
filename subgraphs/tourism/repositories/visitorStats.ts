import type { DataSource, EntityManager, SelectQueryBuilder } from 'typeorm';
import { Attraction, type Province, VisitorStat } from '../entities';
import { type MonthRange, monthsOf } from '../model';
import { entityColumns, hydrate, placeholders, readRows } from '../../kit/rows';

/** One month's figures, as the graph answers them. */
export interface MonthlyFigures {
  month: string;
  domesticVisitors: number;
  inboundVisitors: number;
  revenueCny: number;
}

/** Monthly figures summed over one destination's attractions. */
export interface DestinationFigures extends MonthlyFigures {
  destinationId: string;
}

interface RawSums {
  month: string;
  domestic: number | string | null;
  inbound: number | string | null;
  revenue: number | string | null;
}

/** MySQL may answer sums as strings (DECIMAL); both engines answer null for an empty sum. */
const figures = (row: RawSums): MonthlyFigures => ({
  month: row.month,
  domesticVisitors: Number(row.domestic ?? 0),
  inboundVisitors: Number(row.inbound ?? 0),
  revenueCny: Number(row.revenue ?? 0),
});

/** Rows written per INSERT: 5 parameters each stays far below every engine's limit. */
const WRITE_CHUNK = 500;

/** Reads and writes monthly visitor statistics. Every read method is one SQL statement. */
export class VisitorStatRepository {
  constructor(private readonly dataSource: DataSource) {}

  private inRange<T extends object>(query: SelectQueryBuilder<T>, range: MonthRange): SelectQueryBuilder<T> {
    if (range.from !== null) query.andWhere('vs.month >= :from', { from: range.from });
    if (range.to !== null) query.andWhere('vs.month <= :to', { to: range.to });
    return query;
  }

  /**
   * The figures of many attractions in one range, oldest month first within each. A hot read
   * (every attraction page with figures), written by hand: TypeORM's query builder built and
   * escaped it anew on every call.
   */
  async forAttractions(attractionIds: readonly string[], range: MonthRange): Promise<VisitorStat[]> {
    const bounds = [...(range.from !== null ? ['vs.month >= ?'] : []), ...(range.to !== null ? ['vs.month <= ?'] : [])];
    const rows = await readRows(
      this.dataSource,
      `SELECT ${entityColumns(this.dataSource, VisitorStat, 'vs')} FROM visitor_stat vs
       WHERE vs.attraction_id IN (${placeholders(attractionIds.length)})${bounds.map((b) => ` AND ${b}`).join('')}
       ORDER BY vs.attraction_id ASC, vs.month ASC`,
      [...attractionIds, ...(range.from !== null ? [range.from] : []), ...(range.to !== null ? [range.to] : [])],
    );
    return hydrate(this.dataSource, VisitorStat, rows);
  }

  /** Figures summed per destination and month, grouped in the database; oldest month first. */
  async forDestinations(destinationIds: readonly string[], range: MonthRange): Promise<DestinationFigures[]> {
    const query = this.sums()
      .addSelect('a.destination_id', 'destinationId')
      .where('a.destination_id IN (:...ids)', { ids: [...destinationIds] });
    const rows = await this.inRange(query, range)
      .groupBy('a.destination_id')
      .addGroupBy('vs.month')
      .orderBy('a.destination_id', 'ASC')
      .addOrderBy('vs.month', 'ASC')
      .getRawMany<RawSums & { destinationId: string }>();
    return rows.map((row) => ({ destinationId: row.destinationId, ...figures(row) }));
  }

  /**
   * Figures summed over all attractions (or one province's) per month, grouped in the
   * database; one row for every month of the range, zeros where nothing was recorded.
   */
  async trends(province: Province | null, range: { from: string; to: string }): Promise<MonthlyFigures[]> {
    const query = this.sums();
    if (province) query.andWhere('a.province = :province', { province });
    const rows = await this.inRange(query, range).groupBy('vs.month').orderBy('vs.month', 'ASC').getRawMany<RawSums>();
    const byMonth = new Map(rows.map((row) => [row.month, figures(row)]));
    return monthsOf(range.from, range.to).map(
      (month) => byMonth.get(month) ?? { month, domesticVisitors: 0, inboundVisitors: 0, revenueCny: 0 },
    );
  }

  private sums() {
    return this.dataSource
      .getRepository(VisitorStat)
      .createQueryBuilder('vs')
      .innerJoin(Attraction, 'a', 'a.id = vs.attraction_id')
      .select('vs.month', 'month')
      .addSelect('SUM(vs.domestic_visitors)', 'domestic')
      .addSelect('SUM(vs.inbound_visitors)', 'inbound')
      .addSelect('SUM(vs.revenue_cny)', 'revenue');
  }

  /**
   * Writes rows, replacing the figures of any (attraction, month) already recorded, so a
   * batch sent twice leaves the same data. Runs in the caller's transaction.
   */
  async record(manager: EntityManager, rows: readonly VisitorStat[]): Promise<number> {
    for (let i = 0; i < rows.length; i += WRITE_CHUNK) {
      await manager
        .createQueryBuilder()
        .insert()
        .into(VisitorStat)
        .values(rows.slice(i, i + WRITE_CHUNK))
        .orUpdate(['domestic_visitors', 'inbound_visitors', 'revenue_cny'], ['attraction_id', 'month'])
        .updateEntity(false)
        .execute();
    }
    return rows.length;
  }
}
