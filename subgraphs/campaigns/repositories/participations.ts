import type { DataSource, EntityManager, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import type { PageRequest } from '../../kit/pagination';
import { Campaign, type CampaignStatus, MetricReport, Participation, type ParticipationRole } from '../entities';

/** A participation with the status of its campaign, for visibility decisions. */
export interface MemberParticipation {
  participation: Participation;
  campaignStatus: CampaignStatus;
}

interface ParticipationRow {
  campaign_id: string;
  member_id: string;
  role: ParticipationRole;
  joined_on: string | Date;
}

/** Raw rows back to entities; a DATE may come back as text (SQLite) or as configured (MySQL). */
function toParticipation(row: ParticipationRow): Participation {
  return Object.assign(new Participation(), {
    campaignId: row.campaign_id,
    memberId: row.member_id,
    role: row.role,
    joinedOn: row.joined_on instanceof Date ? row.joined_on.toISOString().slice(0, 10) : String(row.joined_on),
  });
}

/** Reads and writes participations. Every read is one SQL statement, whatever the number of campaigns. */
export class ParticipationRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Wraps a windowed inner query and keeps its first `limit` rows per campaign. */
  private async firstPerCampaign(inner: SelectQueryBuilder<ObjectLiteral>, limit: number): Promise<Participation[]> {
    const rows = await this.dataSource
      .createQueryBuilder()
      .select([
        'w.campaign_id AS campaign_id',
        'w.member_id AS member_id',
        'w.role AS role',
        'w.joined_on AS joined_on',
      ])
      .from(`(${inner.getQuery()})`, 'w')
      .where('w.rn <= :limit', { limit })
      .setParameters(inner.getParameters())
      .orderBy('w.campaign_id')
      .addOrderBy('w.rn')
      .getRawMany<ParticipationRow>();
    return rows.map(toParticipation);
  }

  /** The participations of these campaigns, numbered per campaign (`rn`) in the given order. */
  private numbered(campaignIds: readonly string[], orderBy: string) {
    return this.dataSource
      .createQueryBuilder()
      .select([
        'p.campaign_id AS campaign_id',
        'p.member_id AS member_id',
        'p.role AS role',
        'p.joined_on AS joined_on',
        `ROW_NUMBER() OVER (PARTITION BY p.campaign_id ORDER BY ${orderBy}) AS rn`,
      ])
      .from(Participation, 'p')
      .where('p.campaign_id IN (:...campaignIds)', { campaignIds: [...campaignIds] });
  }

  /**
   * The first `page.first + 1` participations after the cursor of each campaign, in join
   * order (joined_on, member_id): ROW_NUMBER() OVER (PARTITION BY campaign), one statement.
   */
  pageOf(campaignIds: readonly string[], page: PageRequest): Promise<Participation[]> {
    const inner = this.numbered(campaignIds, 'p.joined_on ASC, p.member_id ASC');
    if (page.after) {
      inner.andWhere('(p.joined_on > :after0 OR (p.joined_on = :after0 AND p.member_id > :after1))', {
        after0: page.after[0],
        after1: page.after[1],
      });
    }
    return this.firstPerCampaign(inner, page.first + 1);
  }

  /** The top `limit` participants of each campaign by reported engagements: one statement. */
  topOf(campaignIds: readonly string[], limit: number): Promise<Participation[]> {
    const inner = this.numbered(campaignIds, 'COALESCE(SUM(r.engagements), 0) DESC, p.member_id ASC')
      .leftJoin(MetricReport, 'r', 'r.campaign_id = p.campaign_id AND r.member_id = p.member_id')
      .groupBy('p.campaign_id')
      .addGroupBy('p.member_id')
      .addGroupBy('p.role')
      .addGroupBy('p.joined_on');
    return this.firstPerCampaign(inner, limit);
  }

  /** How many members take part in each campaign: one statement. */
  async countOf(campaignIds: readonly string[]): Promise<Array<{ campaignId: string; count: number }>> {
    const rows = await this.dataSource
      .createQueryBuilder()
      .select('p.campaign_id', 'campaign_id')
      .addSelect('COUNT(*)', 'n')
      .from(Participation, 'p')
      .where('p.campaign_id IN (:...campaignIds)', { campaignIds: [...campaignIds] })
      .groupBy('p.campaign_id')
      .getRawMany<{ campaign_id: string; n: number | string }>();
    return rows.map((r) => ({ campaignId: r.campaign_id, count: Number(r.n) }));
  }

  /** The participations of many members, newest campaign start first, optionally by status: one statement. */
  async ofMembers(memberIds: readonly string[], status: CampaignStatus | null): Promise<MemberParticipation[]> {
    const query = this.dataSource
      .createQueryBuilder()
      .select([
        'p.campaign_id AS campaign_id',
        'p.member_id AS member_id',
        'p.role AS role',
        'p.joined_on AS joined_on',
        'c.status AS campaign_status',
      ])
      .from(Participation, 'p')
      .innerJoin(Campaign, 'c', 'c.id = p.campaign_id')
      .where('p.member_id IN (:...memberIds)', { memberIds: [...memberIds] });
    if (status) query.andWhere('c.status = :status', { status });
    const rows = await query
      .orderBy('c.starts_on', 'DESC')
      .addOrderBy('c.id', 'DESC')
      .getRawMany<ParticipationRow & { campaign_status: CampaignStatus }>();
    return rows.map((row) => ({ participation: toParticipation(row), campaignStatus: row.campaign_status }));
  }

  find(manager: EntityManager, campaignId: string, memberId: string): Promise<Participation | null> {
    return manager.getRepository(Participation).findOneBy({ campaignId, memberId });
  }

  async insert(manager: EntityManager, participation: Participation): Promise<Participation> {
    await manager.getRepository(Participation).insert(participation);
    return participation;
  }

  async remove(manager: EntityManager, campaignId: string, memberId: string): Promise<void> {
    await manager.getRepository(Participation).delete({ campaignId, memberId });
  }
}
