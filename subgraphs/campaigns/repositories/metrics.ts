import type { DataSource, EntityManager, SelectQueryBuilder } from 'typeorm';
import { MetricReport } from '../entities';
import { placeholders, readRows } from '../../kit/rows';

/** Reach figures summed in SQL. */
export interface MetricTotals {
  impressions: number;
  engagements: number;
  clicks: number;
  reports: number;
}

/** Totals of one campaign. */
export interface CampaignTotals extends MetricTotals {
  campaignId: string;
}

/** Totals of one member in one campaign. */
export interface ParticipationTotals extends CampaignTotals {
  memberId: string;
}

/** Totals of one day of one campaign. */
export interface DailyTotals extends CampaignTotals {
  date: string;
}

/** A validated report to store. */
export interface NewMetricReport {
  campaignId: string;
  memberId: string;
  reportDate: string;
  impressions: number;
  engagements: number;
  clicks: number;
}

export const ZERO_TOTALS: Readonly<MetricTotals> = Object.freeze({
  impressions: 0,
  engagements: 0,
  clicks: 0,
  reports: 0,
});

interface TotalsRow {
  campaign_id: string;
  impressions: number | string | null;
  engagements: number | string | null;
  clicks: number | string | null;
  reports: number | string;
}

function totals(row: TotalsRow): CampaignTotals {
  return {
    campaignId: row.campaign_id,
    impressions: Number(row.impressions ?? 0),
    engagements: Number(row.engagements ?? 0),
    clicks: Number(row.clicks ?? 0),
    reports: Number(row.reports),
  };
}

/** Reads sums of metric reports and stores reports. Every method is one SQL statement. */
export class MetricRepository {
  constructor(private readonly dataSource: DataSource) {}

  private sums(campaignIds: readonly string[]): SelectQueryBuilder<MetricReport> {
    return this.dataSource
      .getRepository(MetricReport)
      .createQueryBuilder('r')
      .select('r.campaign_id', 'campaign_id')
      .addSelect('SUM(r.impressions)', 'impressions')
      .addSelect('SUM(r.engagements)', 'engagements')
      .addSelect('SUM(r.clicks)', 'clicks')
      .addSelect('COUNT(*)', 'reports')
      .where('r.campaign_id IN (:...campaignIds)', { campaignIds: [...campaignIds] })
      .groupBy('r.campaign_id');
  }

  /** Totals of many campaigns. */
  async totalsOf(campaignIds: readonly string[]): Promise<CampaignTotals[]> {
    return (await this.sums(campaignIds).getRawMany<TotalsRow>()).map(totals);
  }

  /**
   * Totals of many (campaign, member) pairs. The IN lists may match a few pairs nobody
   * asked for; the loader drops them. Cheaper and more portable than row-value IN. A hot
   * read (every campaign page's participants), written by hand: TypeORM's query builder
   * built and escaped it anew on every call.
   */
  async totalsOfParticipations(campaignIds: readonly string[], memberIds: readonly string[]) {
    const rows = await readRows<TotalsRow & { member_id: string }>(
      this.dataSource,
      `SELECT r.campaign_id AS campaign_id, SUM(r.impressions) AS impressions, SUM(r.engagements) AS engagements,
              SUM(r.clicks) AS clicks, COUNT(*) AS reports, r.member_id AS member_id
       FROM metric_report r
       WHERE r.campaign_id IN (${placeholders(campaignIds.length)}) AND r.member_id IN (${placeholders(memberIds.length)})
       GROUP BY r.campaign_id, r.member_id`,
      [...campaignIds, ...memberIds],
    );
    return rows.map((row): ParticipationTotals => ({ ...totals(row), memberId: row.member_id }));
  }

  /** Day-by-day totals of many campaigns within [from, to] (either bound optional), ordered by day. */
  async dailyOf(campaignIds: readonly string[], from: string | null, to: string | null): Promise<DailyTotals[]> {
    const query = this.sums(campaignIds).addSelect('r.report_date', 'report_date').addGroupBy('r.report_date');
    if (from) query.andWhere('r.report_date >= :from', { from });
    if (to) query.andWhere('r.report_date <= :to', { to });
    const rows = await query
      .orderBy('r.campaign_id')
      .addOrderBy('r.report_date')
      .getRawMany<TotalsRow & { report_date: string | Date }>();
    return rows.map((row) => ({
      ...totals(row),
      date: row.report_date instanceof Date ? row.report_date.toISOString().slice(0, 10) : String(row.report_date),
    }));
  }

  /**
   * Stores a report, replacing the one for the same (campaign, member, date): a single
   * INSERT ... ON CONFLICT / ON DUPLICATE KEY UPDATE on the primary key, so concurrent
   * identical reports end as one row instead of racing a read-then-write.
   */
  async upsert(manager: EntityManager, report: NewMetricReport): Promise<void> {
    await manager
      .getRepository(MetricReport)
      .upsert({ ...report, reportedAt: new Date() }, ['campaignId', 'memberId', 'reportDate']);
  }
}
