import type { DataSource } from 'typeorm';
import { stableId } from '../kit/ids';
import type { SeedOptions } from '../kit/run';
import { FOUNDING_MEMBERS } from '../membership/seed-data';
import { Campaign, CampaignDestination, MetricReport, Participation, type ParticipationRole } from './entities';
import { SEED_CAMPAIGNS, SEED_REPORT_DAYS } from './seed-data';
import { hashSeed, seededRandom } from '../kit/random';

/** True before the first seed: no campaigns yet. */
export async function isEmpty(dataSource: DataSource): Promise<boolean> {
  return (await dataSource.getRepository(Campaign).count()) === 0;
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const CHUNK = 400;

/**
 * Writes the sample campaigns, their destinations, participants and daily reports in one
 * transaction. Idempotent: every row is upserted by its primary key, and the generated
 * figures are deterministic, so a second run changes nothing and duplicates nothing.
 */
export async function seed(dataSource: DataSource, _options: SeedOptions): Promise<string> {
  const campaigns: Campaign[] = [];
  const destinations: CampaignDestination[] = [];
  const participations: Participation[] = [];
  const reports: MetricReport[] = [];
  const reportedAt = new Date('2026-01-01T00:00:00Z');

  for (const seedCampaign of SEED_CAMPAIGNS) {
    const id = stableId('campaign', seedCampaign.slug);
    const random = seededRandom(hashSeed(seedCampaign.slug));
    campaigns.push(
      Object.assign(new Campaign(), {
        id,
        slug: seedCampaign.slug,
        nameEn: seedCampaign.nameEn,
        nameZh: seedCampaign.nameZh,
        descriptionEn: seedCampaign.descriptionEn,
        descriptionZh: seedCampaign.descriptionZh,
        status: seedCampaign.status,
        startsOn: seedCampaign.startsOn,
        endsOn: seedCampaign.endsOn,
        organizerId: stableId('member', seedCampaign.organizer),
        sampleData: true,
      }),
    );
    seedCampaign.destinations.forEach((slug, position) =>
      destinations.push({ campaignId: id, attractionId: stableId('attraction', slug), position }),
    );

    // The organizer leads; others are drawn without repeats from the founding members.
    const pool = FOUNDING_MEMBERS.map((m) => m.slug).filter((slug) => slug !== seedCampaign.organizer);
    const members: Array<{ slug: string; role: ParticipationRole; joinedOn: string }> = [
      { slug: seedCampaign.organizer, role: 'LEAD', joinedOn: seedCampaign.startsOn },
    ];
    for (let i = 0; i < seedCampaign.participantCount && pool.length > 0; i += 1) {
      const [slug] = pool.splice(Math.floor(random() * pool.length), 1);
      members.push({
        slug: slug!,
        role: random() < 0.6 ? 'PARTNER' : 'AMPLIFIER',
        joinedOn: addDays(seedCampaign.startsOn, Math.floor(random() * 10)),
      });
    }
    for (const member of members) {
      const memberId = stableId('member', member.slug);
      participations.push(Object.assign(new Participation(), { campaignId: id, memberId, ...member }));
      if (seedCampaign.status !== 'ACTIVE' && seedCampaign.status !== 'COMPLETED') continue;
      // Each platform has its own reach; days vary around it, weekends a little higher.
      const reach = 20_000 + Math.floor(random() * 180_000);
      for (let day = 0; day < SEED_REPORT_DAYS; day += 1) {
        const date = addDays(seedCampaign.startsOn, day);
        if (date > seedCampaign.endsOn) break;
        if (date < member.joinedOn || random() < 0.15) continue; // not every platform reports every day
        const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
        const impressions = Math.round(reach * (0.6 + random() * 0.8) * (weekday === 0 || weekday === 6 ? 1.3 : 1));
        const engagements = Math.round(impressions * (0.02 + random() * 0.06));
        const clicks = Math.round(engagements * (0.1 + random() * 0.3));
        reports.push(
          Object.assign(new MetricReport(), {
            campaignId: id,
            memberId,
            reportDate: date,
            impressions,
            engagements,
            clicks,
            reportedAt,
          }),
        );
      }
    }
  }

  await dataSource.transaction(async (manager) => {
    await manager.getRepository(Campaign).upsert(campaigns, ['id']);
    await manager.getRepository(CampaignDestination).upsert(destinations, ['campaignId', 'attractionId']);
    await manager.getRepository(Participation).upsert(participations, ['campaignId', 'memberId']);
    for (let i = 0; i < reports.length; i += CHUNK) {
      await manager
        .getRepository(MetricReport)
        .upsert(reports.slice(i, i + CHUNK), ['campaignId', 'memberId', 'reportDate']);
    }
  });
  return `${campaigns.length} campaigns, ${participations.length} participations, ${reports.length} daily metric reports (sample data)`;
}
