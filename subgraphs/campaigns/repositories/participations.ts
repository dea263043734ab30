import type { DataSource, EntityManager } from 'typeorm';
import { placeholders, readRows } from '../../kit/rows';
import type { PageRequest } from '../../kit/pagination';
import { type CampaignStatus, Participation, type ParticipationRole } from '../entities';

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

/** The columns of a participation row, from the participation table aliased `p`. */
const PARTICIPATION_COLUMNS =
  'p.campaign_id AS campaign_id, p.member_id AS member_id, p.role AS role, p.joined_on AS joined_on';

/**
 * Reads and writes participations. Every read is one SQL statement, whatever the number of
 * campaigns. The reads are hot (every campaign and member page) and written by hand, with `?`
 * placeholders and names both engines read alike, instead of through TypeORM's query builder,
 * which built and escaped them anew on every call.
 */
export class ParticipationRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The first `limit` participations of each campaign of `campaignIds`, numbered per campaign
   * (ROW_NUMBER() OVER (PARTITION BY campaign ORDER BY `orderBy`)) over the rows that `rest`
   * (joins after the table, conditions after the campaign list, a GROUP BY) selects.
   */
  private async firstPerCampaign(
    campaignIds: readonly string[],
    orderBy: string,
    rest: { join?: string; where?: string; groupBy?: string; parameters?: unknown[] },
    limit: number,
  ): Promise<Participation[]> {
    const rows = await readRows<ParticipationRow>(
      this.dataSource,
      `SELECT w.campaign_id AS campaign_id, w.member_id AS member_id, w.role AS role, w.joined_on AS joined_on
       FROM (SELECT ${PARTICIPATION_COLUMNS}, ROW_NUMBER() OVER (PARTITION BY p.campaign_id ORDER BY ${orderBy}) AS rn
             FROM participation p ${rest.join ?? ''}
             WHERE p.campaign_id IN (${placeholders(campaignIds.length)})${rest.where ? ` AND ${rest.where}` : ''}
             ${rest.groupBy ?? ''}) w
       WHERE w.rn <= ? ORDER BY w.campaign_id, w.rn`,
      [...campaignIds, ...(rest.parameters ?? []), limit],
    );
    return rows.map(toParticipation);
  }

  /**
   * The first `page.first + 1` participations after the cursor of each campaign, in join
   * order (joined_on, member_id): ROW_NUMBER() OVER (PARTITION BY campaign), one statement.
   */
  pageOf(campaignIds: readonly string[], page: PageRequest): Promise<Participation[]> {
    const after = page.after
      ? {
          where: '(p.joined_on > ? OR (p.joined_on = ? AND p.member_id > ?))',
          parameters: [page.after[0], page.after[0], page.after[1]],
        }
      : {};
    return this.firstPerCampaign(campaignIds, 'p.joined_on ASC, p.member_id ASC', after, page.first + 1);
  }

  /** The top `limit` participants of each campaign by reported engagements: one statement. */
  topOf(campaignIds: readonly string[], limit: number): Promise<Participation[]> {
    return this.firstPerCampaign(
      campaignIds,
      'COALESCE(SUM(r.engagements), 0) DESC, p.member_id ASC',
      {
        join: 'LEFT JOIN metric_report r ON r.campaign_id = p.campaign_id AND r.member_id = p.member_id',
        groupBy: 'GROUP BY p.campaign_id, p.member_id, p.role, p.joined_on',
      },
      limit,
    );
  }

  /** How many members take part in each campaign: one statement. */
  async countOf(campaignIds: readonly string[]): Promise<Array<{ campaignId: string; count: number }>> {
    const rows = await readRows<{ campaign_id: string; n: number | string }>(
      this.dataSource,
      `SELECT p.campaign_id AS campaign_id, COUNT(*) AS n FROM participation p
       WHERE p.campaign_id IN (${placeholders(campaignIds.length)}) GROUP BY p.campaign_id`,
      campaignIds,
    );
    return rows.map((r) => ({ campaignId: r.campaign_id, count: Number(r.n) }));
  }

  /** The participations of many members, newest campaign start first, optionally by status: one statement. */
  async ofMembers(memberIds: readonly string[], status: CampaignStatus | null): Promise<MemberParticipation[]> {
    const rows = await readRows<ParticipationRow & { campaign_status: CampaignStatus }>(
      this.dataSource,
      `SELECT ${PARTICIPATION_COLUMNS}, c.status AS campaign_status
       FROM participation p INNER JOIN campaign c ON c.id = p.campaign_id
       WHERE p.member_id IN (${placeholders(memberIds.length)})${status ? ' AND c.status = ?' : ''}
       ORDER BY c.starts_on DESC, c.id DESC`,
      status ? [...memberIds, status] : memberIds,
    );
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
