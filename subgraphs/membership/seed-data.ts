import type { MemberKind } from './entities';

/**
 * SAMPLE DATA. The 35 founding member platforms below carry illustrative names: the
 * alliance's real roster is not published with this code. Every seeded member is
 * flagged `sampleData: true` in the graph.
 */
export const FOUNDING_MEMBERS: ReadonlyArray<{
  slug: string;
  nameEn: string;
  nameZh: string;
  kind: MemberKind;
  region: 'Sichuan' | 'Chongqing' | 'National' | 'International';
}> = [
  {
    slug: 'chengdu-evening-news',
    nameEn: 'Chengdu Evening News',
    nameZh: '成都晚报',
    kind: 'NEWSPAPER',
    region: 'Sichuan',
  },
  {
    slug: 'sichuan-morning-post',
    nameEn: 'Sichuan Morning Post',
    nameZh: '四川晨报',
    kind: 'NEWSPAPER',
    region: 'Sichuan',
  },
  { slug: 'tianfu-daily', nameEn: 'Tianfu Daily', nameZh: '天府日报', kind: 'NEWSPAPER', region: 'Sichuan' },
  { slug: 'bashu-metro-news', nameEn: 'Ba-Shu Metro News', nameZh: '巴蜀都市报', kind: 'NEWSPAPER', region: 'Sichuan' },
  { slug: 'leshan-daily', nameEn: 'Leshan Daily', nameZh: '乐山日报', kind: 'NEWSPAPER', region: 'Sichuan' },
  {
    slug: 'yibin-evening-post',
    nameEn: 'Yibin Evening Post',
    nameZh: '宜宾晚报',
    kind: 'NEWSPAPER',
    region: 'Sichuan',
  },
  { slug: 'aba-herald', nameEn: 'Aba Herald', nameZh: '阿坝导报', kind: 'NEWSPAPER', region: 'Sichuan' },
  { slug: 'panda-city-tv', nameEn: 'Panda City TV', nameZh: '熊猫城市电视台', kind: 'BROADCASTER', region: 'Sichuan' },
  {
    slug: 'sichuan-culture-radio',
    nameEn: 'Sichuan Culture Radio',
    nameZh: '四川文化广播',
    kind: 'BROADCASTER',
    region: 'Sichuan',
  },
  {
    slug: 'emei-broadcasting',
    nameEn: 'Emei Broadcasting',
    nameZh: '峨眉广播电视',
    kind: 'BROADCASTER',
    region: 'Sichuan',
  },
  {
    slug: 'ganzi-plateau-tv',
    nameEn: 'Ganzi Plateau TV',
    nameZh: '甘孜高原电视台',
    kind: 'BROADCASTER',
    region: 'Sichuan',
  },
  {
    slug: 'jinjiang-news-agency',
    nameEn: 'Jinjiang News Agency',
    nameZh: '锦江通讯社',
    kind: 'NEWS_AGENCY',
    region: 'Sichuan',
  },
  { slug: 'shudao-online', nameEn: 'Shudao Online', nameZh: '蜀道网', kind: 'ONLINE_MEDIA', region: 'Sichuan' },
  {
    slug: 'west-sichuan-travel-weekly',
    nameEn: 'West Sichuan Travel Weekly',
    nameZh: '川西旅游周刊',
    kind: 'ONLINE_MEDIA',
    region: 'Sichuan',
  },
  {
    slug: 'mianyang-news-net',
    nameEn: 'Mianyang News Net',
    nameZh: '绵阳新闻网',
    kind: 'ONLINE_MEDIA',
    region: 'Sichuan',
  },
  {
    slug: 'sichuan-heritage-channel',
    nameEn: 'Sichuan Heritage Channel',
    nameZh: '四川非遗频道',
    kind: 'ONLINE_MEDIA',
    region: 'Sichuan',
  },
  { slug: 'rongcheng-live', nameEn: 'Rongcheng Live', nameZh: '蓉城直播', kind: 'SOCIAL_PLATFORM', region: 'Sichuan' },
  {
    slug: 'sichuan-short-video',
    nameEn: 'Sichuan Short Video',
    nameZh: '四川短视频',
    kind: 'SOCIAL_PLATFORM',
    region: 'Sichuan',
  },
  { slug: 'tianfu-trip', nameEn: 'Tianfu Trip', nameZh: '天府行', kind: 'TRAVEL_PLATFORM', region: 'Sichuan' },
  {
    slug: 'jiuzhai-travel-net',
    nameEn: 'Jiuzhai Travel Net',
    nameZh: '九寨旅游网',
    kind: 'TRAVEL_PLATFORM',
    region: 'Sichuan',
  },
  {
    slug: 'sanxingdui-culture-media',
    nameEn: 'Sanxingdui Culture Media',
    nameZh: '三星堆文化传媒',
    kind: 'OTHER',
    region: 'Sichuan',
  },
  {
    slug: 'chongqing-metro-daily',
    nameEn: 'Chongqing Metro Daily',
    nameZh: '重庆都市日报',
    kind: 'NEWSPAPER',
    region: 'Chongqing',
  },
  {
    slug: 'mountain-city-tv',
    nameEn: 'Mountain City TV',
    nameZh: '山城电视台',
    kind: 'BROADCASTER',
    region: 'Chongqing',
  },
  { slug: 'yuzhong-online', nameEn: 'Yuzhong Online', nameZh: '渝中在线', kind: 'ONLINE_MEDIA', region: 'Chongqing' },
  {
    slug: 'chongqing-trip-hub',
    nameEn: 'Chongqing Trip Hub',
    nameZh: '重庆游',
    kind: 'TRAVEL_PLATFORM',
    region: 'Chongqing',
  },
  { slug: 'bayu-video', nameEn: 'Ba-Yu Video', nameZh: '巴渝视频', kind: 'SOCIAL_PLATFORM', region: 'Chongqing' },
  {
    slug: 'china-culture-wire',
    nameEn: 'China Culture Wire',
    nameZh: '中国文化通讯社',
    kind: 'NEWS_AGENCY',
    region: 'National',
  },
  {
    slug: 'national-travel-times',
    nameEn: 'National Travel Times',
    nameZh: '全国旅游时报',
    kind: 'NEWSPAPER',
    region: 'National',
  },
  { slug: 'scenic-china-app', nameEn: 'Scenic China', nameZh: '风景中国', kind: 'SOCIAL_PLATFORM', region: 'National' },
  {
    slug: 'great-rivers-media',
    nameEn: 'Great Rivers Media',
    nameZh: '大江传媒',
    kind: 'ONLINE_MEDIA',
    region: 'National',
  },
  { slug: 'trip-compass', nameEn: 'Trip Compass', nameZh: '旅途指南', kind: 'TRAVEL_PLATFORM', region: 'National' },
  { slug: 'heritage-review', nameEn: 'Heritage Review', nameZh: '遗产评论', kind: 'OTHER', region: 'National' },
  {
    slug: 'silk-road-tourism-review',
    nameEn: 'Silk Road Tourism Review',
    nameZh: '丝路旅游评论',
    kind: 'ONLINE_MEDIA',
    region: 'International',
  },
  {
    slug: 'panda-world-channel',
    nameEn: 'Panda World Channel',
    nameZh: '熊猫世界频道',
    kind: 'BROADCASTER',
    region: 'International',
  },
  {
    slug: 'inbound-china-guide',
    nameEn: 'Inbound China Guide',
    nameZh: '入境中国指南',
    kind: 'TRAVEL_PLATFORM',
    region: 'International',
  },
];

export const ALLIANCE = {
  nameEn: 'Sichuan Cultural and Tourism Promotion Alliance',
  nameZh: '四川文旅宣传推广联盟',
  foundedOn: '2024-12-07',
  missionEn:
    "35 media outlets and platforms promoting Sichuan's culture and tourism together: joint campaigns, Ba-Shu cultural heritage, the Ba-Shu Cultural Tourism Corridor with Chongqing, and inbound international tourism. (Member names in this dataset are sample data.)",
  missionZh:
    '35家媒体和平台携手宣传推广四川文化和旅游：联合传播行动、巴蜀文化传承、成渝巴蜀文化旅游走廊与入境国际旅游。（本数据集中的成员名称为示例数据。）',
};

/** The convention's commitments, summarised from the launch announcement of 2024-12-07. */
export const CONVENTION_ARTICLES: ReadonlyArray<{ titleEn: string; titleZh: string; textEn: string; textZh: string }> =
  [
    {
      titleEn: 'Collective promotion',
      titleZh: '协同宣传',
      textEn:
        "Members coordinate collective actions promoting Sichuan's cultural and tourism offerings, displaying the province's natural beauty and cultural heritage to domestic and international visitors.",
      textZh: '成员协同开展四川文化和旅游宣传推广行动，向国内外游客全面展示四川的自然之美与文化底蕴。',
    },
    {
      titleEn: 'Resource sharing',
      titleZh: '资源共享',
      textEn: 'Members strengthen collaboration and coordination across domains and share resources.',
      textZh: '成员加强各领域协作联动，实现资源共享。',
    },
    {
      titleEn: 'Ba-Shu cultural heritage',
      titleZh: '巴蜀文化传承',
      textEn:
        'Members prioritise exceptional artistic and literary works and drive the creative transformation and innovative development of Ba-Shu culture.',
      textZh: '成员着力推出优秀文艺作品，推动巴蜀文化创造性转化、创新性发展。',
    },
    {
      titleEn: 'Cultural and tourism brands',
      titleZh: '文旅品牌塑造',
      textEn:
        "Members support the shaping of cultural and tourism brands and champion Sichuan's international tourism appeal.",
      textZh: '成员助力文旅品牌塑造，持续宣传四川国际旅游吸引力。',
    },
    {
      titleEn: 'Inbound tourism',
      titleZh: '入境旅游',
      textEn:
        'Members promote international inbound tourism to Sichuan, telling the story of Beautiful China from a Sichuan perspective.',
      textZh: '成员持续推动入境旅游，以四川视角讲好美丽中国故事。',
    },
    {
      titleEn: 'New consumption',
      titleZh: '消费新场景',
      textEn:
        "Members introduce new models and offerings of Sichuan's cultural and tourism sectors to spur tourism consumption.",
      textZh: '成员持续推介四川文旅新业态、新产品，激发旅游消费新增长。',
    },
    {
      titleEn: 'Ba-Shu Cultural Tourism Corridor',
      titleZh: '巴蜀文化旅游走廊',
      textEn:
        'Members report on the collaborative achievements of the Ba-Shu Cultural Tourism Corridor and foster regional synergy between Sichuan and Chongqing.',
      textZh: '成员全面报道巴蜀文化旅游走廊共建成果，促进川渝区域协同。',
    },
    {
      titleEn: 'Services to development',
      titleZh: '服务发展',
      textEn:
        "Members offer tailored strategies, think-tank outputs and traffic empowerment aligned with Sichuan's development needs.",
      textZh: '成员围绕四川发展需求，提供定制策略、高端智库成果与流量赋能等服务。',
    },
  ];
