import { randomUUID } from 'node:crypto';
import { entityColumns, findEntitiesByIds, hydrate, placeholders, readRows } from '../../kit/rows';
import { type DataSource, type EntityManager, In } from 'typeorm';
import { isUniqueViolation } from '../../kit/database';
import { type Connection, type PageArgs, paginate } from '../../kit/pagination';
import { Campaign, CampaignDestination, type CampaignStatus, Participation } from '../entities';

/** Filter of the `campaigns` query, as validated input. */
export interface CampaignFilter {
  status?: CampaignStatus | null;
  activeOn?: string | null;
  memberId?: string | null;
  attractionId?: string | null;
  /** False for non-admins: PLANNED campaigns are then left out. */
  includePlanned: boolean;
}

/** A validated new campaign. */
export interface NewCampaign {
  slug: string;
  nameEn: string;
  nameZh: string;
  descriptionEn: string | null;
  descriptionZh: string | null;
  startsOn: string;
  endsOn: string;
  organizerId: string;
  destinationIds: string[];
  joinedOn: string;
}

/** Validated campaign changes; absent keys stay as they are. */
export type CampaignChanges = Partial<
  Pick<Campaign, 'nameEn' | 'nameZh' | 'descriptionEn' | 'descriptionZh' | 'startsOn' | 'endsOn' | 'status'>
>;

/** A featured attraction row with its campaign, as the loaders group them. */
export interface AttractionCampaign {
  attractionId: string;
  campaign: Campaign;
}

/** Reads and writes campaigns and their featured attractions. Every read is one SQL statement. */
export class CampaignRepository {
  constructor(private readonly dataSource: DataSource) {}

  findByIds(ids: readonly string[]): Promise<Campaign[]> {
    return findEntitiesByIds(this.dataSource, Campaign, ids);
  }

  findBySlugs(slugs: readonly string[]): Promise<Campaign[]> {
    return this.dataSource.getRepository(Campaign).findBy({ slug: In([...slugs]) });
  }

  /** A page of campaigns, newest start first (id breaks ties). */
  list(filter: CampaignFilter, page: PageArgs): Promise<Connection<Campaign>> {
    const query = this.dataSource.getRepository(Campaign).createQueryBuilder('c');
    if (!filter.includePlanned) query.andWhere('c.status <> :planned', { planned: 'PLANNED' });
    if (filter.status) query.andWhere('c.status = :status', { status: filter.status });
    if (filter.activeOn) {
      query.andWhere('c.starts_on <= :day AND c.ends_on >= :day', { day: filter.activeOn });
    }
    if (filter.memberId) {
      query.andWhere(
        `EXISTS ${query
          .subQuery()
          .select('1')
          .from(Participation, 'fp')
          .where('fp.campaign_id = c.id AND fp.member_id = :memberId')
          .getQuery()}`,
        { memberId: filter.memberId },
      );
    }
    if (filter.attractionId) {
      query.andWhere(
        `EXISTS ${query
          .subQuery()
          .select('1')
          .from(CampaignDestination, 'fd')
          .where('fd.campaign_id = c.id AND fd.attraction_id = :attractionId')
          .getQuery()}`,
        { attractionId: filter.attractionId },
      );
    }
    return paginate(query, page, [
      { column: 'c.starts_on', direction: 'DESC', value: (c) => c.startsOn },
      { column: 'c.id', direction: 'DESC', value: (c) => c.id },
    ]);
  }

  /**
   * Featured attraction ids of many campaigns, in campaign order: one statement. This and
   * {@link featuring} are hot reads (every campaign and attraction page): written by hand
   * instead of through TypeORM's query builder, which built and escaped them anew on every call.
   */
  async destinationsOf(campaignIds: readonly string[]): Promise<CampaignDestination[]> {
    const rows = await readRows(
      this.dataSource,
      `SELECT ${entityColumns(this.dataSource, CampaignDestination, 'd')} FROM campaign_destination d
       WHERE d.campaign_id IN (${placeholders(campaignIds.length)}) ORDER BY d.campaign_id, d.position`,
      campaignIds,
    );
    return hydrate(this.dataSource, CampaignDestination, rows);
  }

  /** Campaigns featuring each of many attractions, newest start first: one statement. */
  async featuring(attractionIds: readonly string[]): Promise<AttractionCampaign[]> {
    const rows = await readRows(
      this.dataSource,
      `SELECT ${entityColumns(this.dataSource, Campaign, 'c')}, d.attraction_id AS featured_attraction_id
       FROM campaign c INNER JOIN campaign_destination d ON d.campaign_id = c.id
       WHERE d.attraction_id IN (${placeholders(attractionIds.length)}) ORDER BY c.starts_on DESC, c.id DESC`,
      attractionIds,
    );
    const campaigns = hydrate(this.dataSource, Campaign, rows);
    return rows.map((row, i) => ({ attractionId: String(row.featured_attraction_id), campaign: campaigns[i]! }));
  }

  findById(manager: EntityManager, id: string): Promise<Campaign | null> {
    return manager.getRepository(Campaign).findOneBy({ id });
  }

  /**
   * Creates a PLANNED campaign, its destinations and its organizer's LEAD participation; null,
   * writing nothing, when the slug is taken (checked, and enforced by the unique index).
   */
  async launch(manager: EntityManager, input: NewCampaign): Promise<Campaign | null> {
    const repository = manager.getRepository(Campaign);
    if (await repository.existsBy({ slug: input.slug })) return null;
    const id = randomUUID();
    try {
      await repository.insert({
        id,
        slug: input.slug,
        nameEn: input.nameEn,
        nameZh: input.nameZh,
        descriptionEn: input.descriptionEn,
        descriptionZh: input.descriptionZh,
        status: 'PLANNED',
        startsOn: input.startsOn,
        endsOn: input.endsOn,
        organizerId: input.organizerId,
        sampleData: false,
      });
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
    await this.replaceDestinations(manager, id, input.destinationIds);
    await manager
      .getRepository(Participation)
      .insert({ campaignId: id, memberId: input.organizerId, role: 'LEAD', joinedOn: input.joinedOn });
    return (await repository.findOneBy({ id }))!;
  }

  async update(manager: EntityManager, campaign: Campaign, changes: CampaignChanges): Promise<Campaign> {
    if (Object.keys(changes).length > 0) await manager.getRepository(Campaign).update({ id: campaign.id }, changes);
    return (await manager.getRepository(Campaign).findOneBy({ id: campaign.id }))!;
  }

  /** Replaces a campaign's featured attractions, keeping the given order. */
  async replaceDestinations(manager: EntityManager, campaignId: string, attractionIds: readonly string[]) {
    const repository = manager.getRepository(CampaignDestination);
    await repository.delete({ campaignId });
    if (attractionIds.length > 0) {
      await repository.insert(attractionIds.map((attractionId, position) => ({ campaignId, attractionId, position })));
    }
  }
}
