/**
 * Benchmark-scale data (SAMPLE DATA, synthetic): `--scale N` adds N×100 attractions with
 * 24 months of visitor figures, N×10 active campaigns with participants and destinations
 * and, when the content subgraph is present, N×1000 content items. Each subgraph's rows are
 * written through that subgraph's own TypeORM DataSource and entities; no subgraph's data
 * is read from another's tables (references are the deterministic `stableId`s of the seeds).
 */
import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { loadSubgraphConfig } from '../subgraphs/kit/config';
import { openDatabase, optimizeDatabase } from '../subgraphs/kit/database';
import type { Env } from '../subgraphs/kit/env';
import { stableId } from '../subgraphs/kit/ids';
import { SUBGRAPHS, type SubgraphName } from '../subgraphs';
import { Campaign, CampaignDestination, Participation } from '../subgraphs/campaigns/entities';
import { Content, ContentAttraction, ContentTag } from '../subgraphs/content/entities';
import { FOUNDING_MEMBERS } from '../subgraphs/membership/seed-data';
import { Attraction, VisitorStat } from '../subgraphs/tourism/entities';
import { ATTRACTION_CATEGORIES } from '../subgraphs/tourism/entities/Attraction';
import { DESTINATIONS } from '../subgraphs/tourism/seed-data';

const CHUNK = 200;

/** Slugs of the synthetic attractions, shared by the seeders that refer to them. */
export const benchAttractionSlug = (i: number) => `bench-attraction-${String(i).padStart(5, '0')}`;
export const benchCampaignSlug = (i: number) => `bench-campaign-${String(i).padStart(4, '0')}`;

async function insertChunks<T extends ObjectLiteral>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
  rows: T[],
  conflict: string[],
): Promise<void> {
  await dataSource.transaction(async (manager) => {
    for (let i = 0; i < rows.length; i += CHUNK) {
      await manager.getRepository(entity).upsert(rows.slice(i, i + CHUNK) as never, conflict);
    }
  });
}

/** Tourism: `scale × 100` attractions over the real destinations, 24 months of figures each. */
export async function seedTourismScale(dataSource: DataSource, scale: number): Promise<string> {
  const count = scale * 100;
  const attractions: Attraction[] = [];
  const stats: VisitorStat[] = [];
  for (let i = 0; i < count; i += 1) {
    const destination = DESTINATIONS[i % DESTINATIONS.length]!;
    const id = stableId('attraction', benchAttractionSlug(i));
    attractions.push(
      Object.assign(new Attraction(), {
        id,
        slug: benchAttractionSlug(i),
        nameEn: `Benchmark attraction ${i}`,
        nameZh: `基准景点${i}`,
        destinationId: stableId('destination', destination.slug),
        province: destination.province,
        category: ATTRACTION_CATEGORIES[i % ATTRACTION_CATEGORIES.length]!,
        level: i % 3 === 0 ? 'AAAA' : null,
        worldHeritage: i % 17 === 0,
        inBaShuCorridor: i % 5 === 0,
        latitude: destination.latitude + ((i % 100) - 50) / 1000,
        longitude: destination.longitude + ((i % 37) - 18) / 1000,
      }),
    );
    for (const year of [2024, 2025]) {
      for (let month = 1; month <= 12; month += 1) {
        stats.push(
          Object.assign(new VisitorStat(), {
            attractionId: id,
            month: `${year}-${String(month).padStart(2, '0')}`,
            domesticVisitors: 1000 + ((i * 31 + month * 7) % 5000),
            inboundVisitors: 50 + ((i * 13 + month) % 400),
            revenueCny: 10_000 + ((i * 97 + month * 11) % 90_000),
          }),
        );
      }
    }
  }
  await insertChunks(dataSource, Attraction, attractions, ['id']);
  await insertChunks(dataSource, VisitorStat, stats, ['attractionId', 'month']);
  return `${count} attractions, ${stats.length} visitor statistics`;
}

/** Campaigns: `scale × 10` ACTIVE campaigns, 8 participants and 5 synthetic attractions each. */
export async function seedCampaignsScale(dataSource: DataSource, scale: number): Promise<string> {
  const count = scale * 10;
  const campaigns: Campaign[] = [];
  const participants: Participation[] = [];
  const destinations: CampaignDestination[] = [];
  for (let i = 0; i < count; i += 1) {
    const id = stableId('campaign', benchCampaignSlug(i));
    const organizer = FOUNDING_MEMBERS[i % FOUNDING_MEMBERS.length]!.slug;
    campaigns.push(
      Object.assign(new Campaign(), {
        id,
        slug: benchCampaignSlug(i),
        nameEn: `Benchmark campaign ${i}`,
        nameZh: `基准活动${i}`,
        descriptionEn: 'Synthetic campaign for the benchmark (sample data).',
        descriptionZh: '基准测试用的合成活动（示例数据）。',
        status: 'ACTIVE' as const,
        // Later campaigns start later, so `campaigns` (newest first) lists them first.
        startsOn: `2026-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`,
        endsOn: '2028-12-31',
        organizerId: stableId('member', organizer),
        sampleData: true,
      }),
    );
    for (let p = 0; p < 8; p += 1) {
      const member = FOUNDING_MEMBERS[(i + p) % FOUNDING_MEMBERS.length]!.slug;
      participants.push(
        Object.assign(new Participation(), {
          campaignId: id,
          memberId: stableId('member', member),
          role: member === organizer ? ('LEAD' as const) : ('PARTNER' as const),
          joinedOn: '2026-01-01',
        }),
      );
    }
    for (let d = 0; d < 5; d += 1) {
      destinations.push({
        campaignId: id,
        attractionId: stableId('attraction', benchAttractionSlug((i * 5 + d) % (scale * 100))),
        position: d,
      });
    }
  }
  await insertChunks(dataSource, Campaign, campaigns, ['id']);
  await insertChunks(dataSource, Participation, participants, ['campaignId', 'memberId']);
  await insertChunks(dataSource, CampaignDestination, destinations, ['campaignId', 'attractionId']);
  return `${count} campaigns, ${participants.length} participations`;
}

/** Content: `scale × 1000` published pieces by the founding members, about the synthetic attractions. */
export async function seedContentScale(dataSource: DataSource, scale: number): Promise<string> {
  const count = scale * 1000;
  const pieces: Content[] = [];
  const tags: ContentTag[] = [];
  const links: ContentAttraction[] = [];
  const kinds = ['ARTICLE', 'VIDEO', 'PHOTO_STORY', 'REPORT'] as const;
  const start = Date.UTC(2025, 0, 1);
  for (let i = 0; i < count; i += 1) {
    const id = stableId('content', `bench-content-${i}`);
    const at = new Date(start + i * 60_000);
    const chinese = i % 4 === 0;
    pieces.push(
      Object.assign(new Content(), {
        id,
        authorId: stableId('member', FOUNDING_MEMBERS[i % FOUNDING_MEMBERS.length]!.slug),
        kind: kinds[i % kinds.length]!,
        title: chinese ? `基准故事 ${i}：巴蜀文旅` : `Benchmark story ${i}: Ba-Shu culture and travel`,
        summary: chinese ? '基准测试用的合成内容（示例数据）。' : 'Synthetic content for the benchmark (sample data).',
        body: chinese ? '四川的山水与文化。'.repeat(20) : 'Mountains, rivers and heritage of Sichuan. '.repeat(20),
        language: chinese ? 'zh-CN' : 'en',
        status: 'PUBLISHED' as const,
        campaignId: i % 3 === 0 ? stableId('campaign', benchCampaignSlug(i % (scale * 10))) : null,
        publishedAt: at,
        sortedAt: at,
        createdAt: at,
        updatedAt: at,
        sampleData: true,
      }),
    );
    tags.push(
      Object.assign(new ContentTag(), { contentId: id, tag: 'benchmark', position: 0 }),
      Object.assign(new ContentTag(), { contentId: id, tag: `topic-${i % 50}`, position: 1 }),
    );
    for (let a = 0; a < 2; a += 1) {
      links.push(
        Object.assign(new ContentAttraction(), {
          contentId: id,
          attractionId: stableId('attraction', benchAttractionSlug((i * 2 + a) % (scale * 100))),
          position: a,
        }),
      );
    }
  }
  await insertChunks(dataSource, Content, pieces, ['id']);
  await insertChunks(dataSource, ContentTag, tags, ['contentId', 'tag']);
  await insertChunks(dataSource, ContentAttraction, links, ['contentId', 'attractionId']);
  return `${count} content pieces, ${links.length} attraction links`;
}

/** Scale seeders by subgraph; subgraphs without one keep their ordinary sample data. */
export const SCALE_SEEDERS: Partial<Record<SubgraphName, (dataSource: DataSource, scale: number) => Promise<string>>> =
  {
    tourism: seedTourismScale,
    campaigns: seedCampaignsScale,
    content: seedContentScale,
  };

/**
 * Migrates each present subgraph's database, writes its ordinary seed when empty, then its
 * benchmark-scale rows. Returns one summary line per subgraph.
 */
export async function seedForBenchmark(env: Env, scale: number): Promise<string[]> {
  const lines: string[] = [];
  for (const subgraph of SUBGRAPHS) {
    const config = loadSubgraphConfig(subgraph, env);
    const database = await openDatabase({
      config: config.database,
      entities: subgraph.entities,
      migrations: subgraph.migrations,
    });
    try {
      if (await subgraph.isEmpty(database.dataSource))
        await subgraph.seed(database.dataSource, { devCredentials: true });
      const seeder = SCALE_SEEDERS[subgraph.name];
      lines.push(`${subgraph.name}: ${seeder ? await seeder(database.dataSource, scale) : 'sample data only'}`);
      // Planner statistics of the loaded tables, as a subgraph takes them after seeding.
      optimizeDatabase(database.dataSource);
    } finally {
      await database.dataSource.destroy();
    }
  }
  return lines;
}
