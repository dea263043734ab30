/**
 * SAMPLE DATA. Templated stories by the founding member platforms about real attractions
 * (subgraphs/tourism/seed-data.ts) and the alliance's campaigns (subgraphs/campaigns/seed-data.ts).
 * The texts are illustrative, not real publications; every seeded piece answers `sampleData: true`.
 *
 * Members, attractions and campaigns are read from the seed-data module of the subgraph that
 * owns them (see subgraphs/campaigns/seed-data.ts): this file keeps no copy of them.
 */
import { type SeedCampaign, SEED_CAMPAIGNS } from '../campaigns/seed-data';
import { stableId } from '../kit/ids';
import { FOUNDING_MEMBERS } from '../membership/seed-data';
import { ATTRACTIONS } from '../tourism/seed-data';
import { CONTENT_KINDS, type ContentKind, type ContentStatus } from './entities';

const daysOf = (campaign: SeedCampaign) => (Date.parse(campaign.endsOn) - Date.parse(campaign.startsOn)) / 86_400_000;

/**
 * The campaign a story written on `day` (`YYYY-MM-DD`) serves, or null: of the campaigns of the
 * campaigns seed (the one list of them, never a copy) that ran that day, the shortest one, the
 * most specific (the first listed on a tie). Campaigns still PLANNED (or CANCELLED) are left
 * out: their stories would name a campaign most readers cannot see.
 */
export function campaignRunningOn(day: string): SeedCampaign | null {
  const running = SEED_CAMPAIGNS.filter(
    (c) => (c.status === 'ACTIVE' || c.status === 'COMPLETED') && c.startsOn <= day && day <= c.endsOn,
  );
  return running.reduce<SeedCampaign | null>((best, c) => (best && daysOf(best) <= daysOf(c) ? best : c), null);
}

/** How many pieces the seed writes. */
export const SEED_CONTENT_COUNT = 320;

const KINDS: readonly ContentKind[] = CONTENT_KINDS;
const SEASONS_EN = [
  'winter',
  'winter',
  'spring',
  'spring',
  'spring',
  'summer',
  'summer',
  'summer',
  'autumn',
  'autumn',
  'autumn',
  'winter',
];
const SEASONS_ZH = ['冬季', '冬季', '春季', '春季', '春季', '夏季', '夏季', '夏季', '秋季', '秋季', '秋季', '冬季'];

const TITLES: Record<ContentKind, { en: (a: string, s: string) => string; zh: (a: string, s: string) => string }> = {
  ARTICLE: { en: (a, s) => `${a} in ${s}: a weekend guide`, zh: (a, s) => `${s}${a}周末游攻略` },
  VIDEO: { en: (a) => `Video: first light over ${a}`, zh: (a) => `视频：${a}的清晨` },
  PHOTO_STORY: { en: (a, s) => `Photo story: the colours of ${a} in ${s}`, zh: (a, s) => `图片故事：${s}的${a}` },
  LIVESTREAM: { en: (a) => `Live from ${a}: a guided walk with local hosts`, zh: (a) => `直播：跟着本地向导游${a}` },
  ARTWORK: { en: (a) => `Ink and colour: an illustrated series on ${a}`, zh: (a) => `水墨丹青：${a}主题插画系列` },
  LITERARY_WORK: { en: (a) => `Ba-Shu essays: an evening at ${a}`, zh: (a) => `巴蜀散文：${a}的黄昏` },
  REPORT: { en: (a, s) => `Alliance report: ${s} visitors at ${a}`, zh: (a, s) => `联盟报告：${a}${s}游客观察` },
};

export interface SeedContent {
  id: string;
  authorId: string;
  kind: ContentKind;
  title: string;
  summary: string;
  body: string;
  language: string;
  status: ContentStatus;
  campaignId: string | null;
  publishedAt: Date | null;
  createdAt: Date;
  tags: string[];
  attractionIds: string[];
}

const START = Date.UTC(2024, 11, 7, 2, 0, 0); // 2024-12-07 10:00 in Chengdu
const SPAN_DAYS = 690; // into late October 2026

/** The seeded pieces, deterministic: the same list on every run and every machine. */
export function seedContents(): SeedContent[] {
  return Array.from({ length: SEED_CONTENT_COUNT }, (_, i) => {
    const attraction = ATTRACTIONS[(i * 7) % ATTRACTIONS.length]!;
    const second = i % 5 === 0 ? ATTRACTIONS[(i * 7 + 13) % ATTRACTIONS.length]! : null;
    const member = FOUNDING_MEMBERS[(i * 11) % FOUNDING_MEMBERS.length]!;
    const kind = KINDS[i % KINDS.length]!;
    const zh = i % 20 < 11; // a little more Chinese than English
    const createdAt = new Date(START + ((i * 97) % SPAN_DAYS) * 86_400_000 + (i % 24) * 3_600_000);
    const month = createdAt.getUTCMonth();
    const day = createdAt.toISOString().slice(0, 10);
    const status: ContentStatus = i % 10 === 3 ? 'DRAFT' : i % 10 === 7 ? 'ARCHIVED' : 'PUBLISHED';
    const campaign = i % 3 === 0 ? null : campaignRunningOn(day);
    const name = zh ? attraction.nameZh : attraction.nameEn;
    const season = zh ? SEASONS_ZH[month]! : SEASONS_EN[month]!;
    const title = zh ? TITLES[kind].zh(name, season) : TITLES[kind].en(name, season);
    const summary = zh
      ? `${member.nameZh}带你走进${attraction.nameZh}${campaign ? `，参与${campaign.topicZh}` : ''}。（示例内容）`
      : `${member.nameEn} takes you to ${attraction.nameEn}${campaign ? ` for the ${campaign.topicEn}` : ''}. (Sample content.)`;
    const body = zh
      ? `${season}的${attraction.nameZh}游人如织。本文为四川文旅宣传推广联盟开发用示例内容，并非真实报道。${second ? `同一行程还可前往${second.nameZh}。` : ''}`
      : `In ${season}, ${attraction.nameEn} draws visitors from across Sichuan and Chongqing. This is sample content for the alliance's development environment, not a real publication.${second ? ` The same trip can continue to ${second.nameEn}.` : ''}`;
    return {
      id: stableId('content', `seed-${i + 1}`),
      authorId: stableId('member', member.slug),
      kind,
      title,
      summary,
      body,
      language: zh ? 'zh-CN' : 'en',
      status,
      campaignId: campaign ? stableId('campaign', campaign.slug) : null,
      publishedAt: status === 'DRAFT' ? null : new Date(createdAt.getTime() + 2 * 3_600_000),
      createdAt,
      tags: [
        attraction.category.toLowerCase().replace(/_/g, '-'),
        kind.toLowerCase().replace(/_/g, '-'),
        SEASONS_EN[month]!,
        ...(attraction.inBaShuCorridor ? ['ba-shu'] : []),
        ...(attraction.worldHeritage ? ['world-heritage'] : []),
      ],
      attractionIds: [
        stableId('attraction', attraction.slug),
        ...(second ? [stableId('attraction', second.slug)] : []),
      ],
    };
  });
}
