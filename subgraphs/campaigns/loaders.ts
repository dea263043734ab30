import DataLoader from 'dataloader';
import { argumentsGroupLoader, argumentsLoader, groupLoader, rowLoader } from '../kit/loaders';
import { tracedBatch } from '../kit/tracing';
import { type Connection, type PageArgs, readPageArgs, toConnection } from '../kit/pagination';
import type { Campaign, CampaignDestination, CampaignStatus, Participation } from './entities';
import type { CampaignsRepositories } from './repositories';
import type { AttractionCampaign } from './repositories/campaigns';
import { type MetricTotals, type DailyTotals, ZERO_TOTALS } from './repositories/metrics';
import type { MemberParticipation } from './repositories/participations';

/** The order of a campaign's participants: by joining day, then member id. */
export const PARTICIPATION_KEYS = [
  { value: (p: Participation) => p.joinedOn },
  { value: (p: Participation) => p.memberId },
] as const;

const pairKey = (campaignId: string, memberId: string) => `${campaignId}|${memberId}`;

/** Per-request loaders of the campaigns subgraph: one SQL statement per batch. */
export function createCampaignsLoaders({ campaigns, participations, metrics }: CampaignsRepositories) {
  const participantCount = new DataLoader<string, number>(
    tracedBatch('count', async (ids) => {
      const counts = new Map((await participations.countOf(ids)).map((c) => [c.campaignId, c.count]));
      return ids.map((id) => counts.get(id) ?? 0);
    }),
  );

  return {
    campaignById: rowLoader<string, Campaign>(
      (ids) => campaigns.findByIds(ids),
      (c) => c.id,
    ),
    campaignBySlug: rowLoader<string, Campaign>(
      (slugs) => campaigns.findBySlugs(slugs),
      (c) => c.slug,
    ),
    destinationsByCampaign: groupLoader<string, CampaignDestination>(
      (ids) => campaigns.destinationsOf(ids),
      (d) => d.campaignId,
    ),
    campaignsByAttraction: groupLoader<string, AttractionCampaign>(
      (ids) => campaigns.featuring(ids),
      (row) => row.attractionId,
    ),
    /** A page of participants of each campaign: one windowed statement for all campaigns. */
    participantPage: argumentsLoader<PageArgs, Connection<Participation>>(async (ids, args) => {
      const page = readPageArgs(args, PARTICIPATION_KEYS.length);
      const rows = page.first === 0 ? [] : await participations.pageOf(ids, page);
      const groups = new Map<string, Participation[]>(ids.map((id) => [id, []]));
      for (const row of rows) groups.get(row.campaignId)?.push(row);
      return new Map(
        ids.map((id) => [
          id,
          toConnection(groups.get(id)!, page.first, PARTICIPATION_KEYS, () => participantCount.load(id)),
        ]),
      );
    }),
    /** The top participants of each campaign by engagements: one windowed statement. */
    topParticipants: argumentsGroupLoader<number, Participation>(
      (ids, limit) => participations.topOf(ids, limit),
      (p) => p.campaignId,
    ),
    participationsByMember: argumentsGroupLoader<CampaignStatus | null, MemberParticipation>(
      (ids, status) => participations.ofMembers(ids, status),
      (row) => row.participation.memberId,
    ),
    campaignTotals: new DataLoader<string, MetricTotals>(
      tracedBatch('totals', async (ids) => {
        const byId = new Map((await metrics.totalsOf(ids)).map((t) => [t.campaignId, t]));
        return ids.map((id) => byId.get(id) ?? ZERO_TOTALS);
      }),
    ),
    /** Keyed `campaignId|memberId`. */
    participationTotals: new DataLoader<string, MetricTotals>(
      tracedBatch('totals', async (keys) => {
        const pairs = keys.map((key) => key.split('|') as [string, string]);
        const rows = await metrics.totalsOfParticipations(
          [...new Set(pairs.map(([c]) => c))],
          [...new Set(pairs.map(([, m]) => m))],
        );
        const byPair = new Map(rows.map((t) => [pairKey(t.campaignId, t.memberId), t]));
        return keys.map((key) => byPair.get(key) ?? ZERO_TOTALS);
      }),
    ),
    dailyMetrics: argumentsGroupLoader<{ from: string | null; to: string | null }, DailyTotals>(
      (ids, { from, to }) => metrics.dailyOf(ids, from, to),
      (d) => d.campaignId,
    ),
  };
}

export { pairKey };

export type CampaignsLoaders = ReturnType<typeof createCampaignsLoaders>;
