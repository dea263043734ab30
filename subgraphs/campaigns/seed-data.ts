import type { CampaignStatus } from './entities';

/**
 * SAMPLE DATA. The campaigns below follow the alliance's real programme (the 2024 winter
 * tourism season was its first joint campaign, launched with the alliance on 2024-12-07),
 * but descriptions, participants and every reported figure are illustrative. Seeded
 * campaigns answer `sampleData: true`.
 *
 * Organizers and participants are FOUNDING_MEMBERS slugs (membership seed); destinations
 * are ATTRACTIONS slugs (tourism seed). Ids come from `stableId`, so no table is shared.
 *
 * ONE SOURCE OF TRUTH. Each kind of sample data lives once, in the seed-data module of the
 * subgraph that owns it: members in `membership/seed-data.ts`, attractions and destinations
 * in `tourism/seed-data.ts`, campaigns here. Another subgraph's seed that needs them (content
 * writes stories about campaigns) imports them read-only from the owner's module and never
 * keeps a copy; test/unit/sample-data.test.ts fails when the seeds disagree.
 */
export interface SeedCampaign {
  slug: string;
  nameEn: string;
  nameZh: string;
  descriptionEn: string;
  descriptionZh: string;
  status: CampaignStatus;
  startsOn: string;
  endsOn: string;
  organizer: string;
  /** How many founding members take part besides the organizer (picked by a seeded PRNG). */
  participantCount: number;
  destinations: string[];
  /** How stories name the campaign in a sentence ("… for the panda summer"), read by the content seed. */
  topicEn: string;
  topicZh: string;
}

export const SEED_CAMPAIGNS: readonly SeedCampaign[] = [
  {
    slug: 'winter-tourism-season-2024',
    nameEn: 'Sichuan Winter Tourism Season 2024',
    nameZh: '2024四川冬季文旅消费季',
    descriptionEn:
      "The alliance's first joint campaign, launched with the alliance on 2024-12-07: skiing, hot springs, snow mountains and pandas in Sichuan's winter.",
    descriptionZh: '联盟首个联合推广活动，于2024年12月7日随联盟成立启动：滑雪、温泉、雪山与熊猫，共赏四川之冬。',
    status: 'COMPLETED',
    startsOn: '2024-12-07',
    endsOn: '2025-02-28',
    organizer: 'tianfu-daily',
    participantCount: 24,
    destinations: [
      'xiling-snow-mountain-ski-resort',
      'huashuiwan-hot-spring',
      'chengdu-research-base-of-giant-panda-breeding',
      'hailuogou-glacier',
      'siguniang-mountain',
      'mount-emei',
      'jiuzhaigou-valley',
    ],
    topicEn: 'winter tourism season',
    topicZh: '冬季旅游季',
  },
  {
    slug: 'ba-shu-corridor-2025',
    nameEn: 'Ba-Shu Cultural Tourism Corridor 2025',
    nameZh: '2025巴蜀文化旅游走廊推广',
    descriptionEn: 'Sichuan and Chongqing media promote the heritage and city sights along the Ba-Shu corridor.',
    descriptionZh: '川渝媒体联合推广巴蜀文化旅游走廊沿线的遗产与城市风光。',
    status: 'ACTIVE',
    startsOn: '2025-04-01',
    endsOn: '2026-12-31',
    organizer: 'chongqing-metro-daily',
    participantCount: 14,
    destinations: [
      'dujiangyan-irrigation-system',
      'leshan-giant-buddha',
      'hongyadong',
      'ciqikou-ancient-town',
      'langzhong-ancient-town',
    ],
    topicEn: 'Ba-Shu cultural corridor',
    topicZh: '巴蜀文化旅游走廊',
  },
  {
    slug: 'inbound-sichuan-2025',
    nameEn: 'Inbound Sichuan 2025',
    nameZh: '2025入境游四川',
    descriptionEn: 'International platforms introduce Sichuan to visitors from abroad.',
    descriptionZh: '面向海外游客，国际平台联合推介四川。',
    status: 'ACTIVE',
    startsOn: '2025-06-01',
    endsOn: '2026-12-31',
    organizer: 'inbound-china-guide',
    participantCount: 8,
    destinations: ['chengdu-research-base-of-giant-panda-breeding', 'jiuzhaigou-valley', 'mount-emei', 'wuhou-shrine'],
    topicEn: 'Inbound Sichuan',
    topicZh: '入境游四川',
  },
  {
    slug: 'panda-summer-2025',
    nameEn: 'Panda Summer 2025',
    nameZh: '2025熊猫之夏',
    descriptionEn: 'A summer of giant pandas for families and students.',
    descriptionZh: '面向家庭与学生的熊猫暑期推广。',
    status: 'COMPLETED',
    startsOn: '2025-07-01',
    endsOn: '2025-08-31',
    organizer: 'panda-world-channel',
    participantCount: 10,
    destinations: ['chengdu-research-base-of-giant-panda-breeding', 'bifengxia-panda-base'],
    topicEn: 'panda summer',
    topicZh: '熊猫之夏',
  },
  {
    slug: 'sanxingdui-heritage-2025',
    nameEn: 'Sanxingdui Heritage Autumn 2025',
    nameZh: '2025三星堆文化遗产之秋',
    descriptionEn: 'Bronze Age Shu culture: Sanxingdui and Jinsha for history lovers.',
    descriptionZh: '古蜀青铜文明：三星堆与金沙遗址文化推广。',
    status: 'COMPLETED',
    startsOn: '2025-09-01',
    endsOn: '2025-11-30',
    organizer: 'sanxingdui-culture-media',
    participantCount: 9,
    destinations: ['sanxingdui-museum', 'jinsha-site-museum'],
    topicEn: 'Sanxingdui heritage',
    topicZh: '三星堆文化遗产',
  },
  {
    slug: 'winter-tourism-season-2025',
    nameEn: 'Sichuan Winter Tourism Season 2025',
    nameZh: '2025四川冬季文旅消费季',
    descriptionEn: 'The second winter season of the alliance: snow, hot springs and festive markets.',
    descriptionZh: '联盟第二个冬季文旅消费季：冰雪、温泉与年味。',
    status: 'ACTIVE',
    startsOn: '2025-12-01',
    endsOn: '2026-03-15',
    organizer: 'tianfu-daily',
    participantCount: 16,
    destinations: [
      'xiling-snow-mountain-ski-resort',
      'xiannu-mountain-ski-resort',
      'tongjing-hot-spring',
      'hailuogou-glacier',
    ],
    topicEn: 'winter tourism season',
    topicZh: '冬季旅游季',
  },
  {
    slug: 'spring-blossoms-2026',
    nameEn: 'Spring Blossoms 2026',
    nameZh: '2026春花季',
    descriptionEn: 'Blossom season in the Sichuan basin and the Chongqing hills (in preparation).',
    descriptionZh: '川渝春季赏花推广（筹备中）。',
    status: 'PLANNED',
    startsOn: '2026-03-01',
    endsOn: '2026-04-30',
    organizer: 'sichuan-short-video',
    participantCount: 3,
    destinations: ['anren-ancient-town', 'huanglongxi-ancient-town'],
    topicEn: 'spring blossoms',
    topicZh: '春季赏花',
  },
];

/** Sample reports cover at most this many days from a campaign's start, to keep the seed small. */
export const SEED_REPORT_DAYS = 90;
