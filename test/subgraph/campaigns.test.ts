import { stableId } from '../../subgraphs/kit/ids';
import type { Identity } from '../../subgraphs/kit/identity';
import { isEmpty, seed } from '../../subgraphs/campaigns/seed';
import { campaigns as campaignsSubgraph } from '../../subgraphs/campaigns/server';
import { MetricReport } from '../../subgraphs/campaigns/entities';
import { ENGINES } from '../support/databases';
import { openSubgraph, type SubgraphHarness } from '../support/subgraph';

const ADMIN: Identity = { role: 'ADMIN', memberId: stableId('member', 'tianfu-daily'), keyId: null };
const MEMBER_ID = stableId('member', 'chengdu-evening-news');
const MEMBER: Identity = { role: 'MEMBER', memberId: MEMBER_ID, keyId: null };
const OTHER: Identity = { role: 'MEMBER', memberId: stableId('member', 'bayu-video'), keyId: null };
const WINTER_ID = stableId('campaign', 'winter-tourism-season-2024');
const SEEDED_SLUGS = [
  'winter-tourism-season-2024',
  'ba-shu-corridor-2025',
  'inbound-sichuan-2025',
  'panda-summer-2025',
  'sanxingdui-heritage-2025',
  'winter-tourism-season-2025',
  'spring-blossoms-2026',
];

interface Metrics {
  impressions: number;
  engagements: number;
  clicks: number;
  reports: number;
}

const PAGE_QUERY = `query($first: Int) {
  campaigns(first: $first) {
    nodes {
      participants(first: 10) { totalCount nodes { member { id } role metrics { engagements } } }
      destinations { id }
      metrics { engagements }
      topParticipants(first: 3) { member { id } }
      dailyMetrics { date }
    }
  }
}`;

describe.each(ENGINES)('campaigns subgraph on %s', (engine) => {
  let subgraph: SubgraphHarness;
  const run = <T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
    viewer?: Identity,
  ) => subgraph.execute<T>(query, variables, viewer ? { viewer } : {});

  /** Launches an ACTIVE campaign for a test, as an admin. */
  async function activeCampaign(slug: string, startsOn = '2025-05-01', endsOn = '2025-05-31'): Promise<string> {
    const launched = await run<{ launchCampaign: { id: string } }>(
      `mutation($input: LaunchCampaignInput!) { launchCampaign(input: $input) { id } }`,
      {
        input: {
          slug,
          name: `Test ${slug}`,
          localName: '测试活动',
          startsOn,
          endsOn,
          organizerId: stableId('member', 'tianfu-daily'),
          destinationIds: [stableId('attraction', 'mount-emei')],
        },
      },
      ADMIN,
    );
    expect(launched.errors).toBeUndefined();
    const id = launched.data!.launchCampaign.id;
    const activated = await run(`mutation { setCampaignStatus(id: "${id}", status: ACTIVE) { status } }`, {}, ADMIN);
    expect(activated.errors).toBeUndefined();
    return id;
  }

  const report = (campaignId: string, date: string, figures: Partial<Metrics> = {}, viewer = MEMBER) =>
    run<{ reportCampaignMetrics: { metrics: Metrics } }>(
      `mutation($input: MetricReportInput!) { reportCampaignMetrics(input: $input) { metrics { impressions engagements clicks reports } } }`,
      { input: { campaignId, date, impressions: 1000, engagements: 50, clicks: 5, ...figures } },
      viewer,
    );

  async function auditCount(filter: Record<string, unknown>): Promise<number> {
    const result = await run<{ _entities: Array<{ campaigns: { totalCount: number } }> }>(
      `query($f: AuditFilter) { _entities(representations: [{ __typename: "AuditTrail", id: "alliance" }]) { ... on AuditTrail { campaigns(filter: $f, first: 0) { totalCount } } } }`,
      { f: filter },
      ADMIN,
    );
    expect(result.errors).toBeUndefined();
    return result.data!._entities[0]!.campaigns.totalCount;
  }

  beforeAll(async () => {
    subgraph = await openSubgraph(campaignsSubgraph, engine);
  });
  afterAll(() => subgraph.close());

  it('seeds exactly the agreed campaign slugs and lists the PLANNED one to admins only', async () => {
    const query = `{ campaigns(first: 50) { totalCount nodes { slug status sampleData } } }`;
    const admin = await run<{ campaigns: { totalCount: number; nodes: Array<{ slug: string }> } }>(query, {}, ADMIN);
    expect(admin.data!.campaigns.nodes.map((c) => c.slug).sort()).toEqual([...SEEDED_SLUGS].sort());
    const anonymous = await run<{ campaigns: { totalCount: number; nodes: Array<{ slug: string; status: string }> } }>(
      query,
    );
    expect(anonymous.data!.campaigns.totalCount).toBe(6);
    expect(anonymous.data!.campaigns.nodes.some((c) => c.status === 'PLANNED')).toBe(false);
    const planned = await run<{ campaigns: { totalCount: number } }>(
      `{ campaigns(filter: { status: PLANNED }) { totalCount } }`,
      {},
      MEMBER,
    );
    expect(planned.data!.campaigns.totalCount).toBe(0);
  });

  it('answers a PLANNED campaign to admins and null to everyone else, by slug and by reference', async () => {
    const query = `{ campaign(slug: "spring-blossoms-2026") { slug status } }`;
    expect((await run<{ campaign: unknown }>(query)).data!.campaign).toBeNull();
    expect((await run<{ campaign: unknown }>(query, {}, MEMBER)).data!.campaign).toBeNull();
    expect((await run<{ campaign: unknown }>(query, {}, ADMIN)).data!.campaign).toEqual({
      slug: 'spring-blossoms-2026',
      status: 'PLANNED',
    });
    const entities = await run<{ _entities: unknown[] }>(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Campaign { slug } } }`,
      { r: [{ __typename: 'Campaign', id: stableId('campaign', 'spring-blossoms-2026') }] },
    );
    expect(entities.data!._entities).toEqual([null]);
  });

  it('describes the 2024 winter campaign: launched 2024-12-07, winter destinations, many participants', async () => {
    const result = await run<{
      campaign: {
        startsOn: string;
        endsOn: string;
        status: string;
        organizer: { id: string };
        destinations: Array<{ id: string }>;
        participants: { totalCount: number };
      };
    }>(
      `{ campaign(id: "${WINTER_ID}") { startsOn endsOn status organizer { id } destinations { id } participants { totalCount } } }`,
    );
    const winter = result.data!.campaign;
    expect(winter).toMatchObject({ startsOn: '2024-12-07', endsOn: '2025-02-28', status: 'COMPLETED' });
    expect(winter.organizer.id).toBe(stableId('member', 'tianfu-daily'));
    const ids = winter.destinations.map((d) => d.id);
    for (const slug of [
      'xiling-snow-mountain-ski-resort',
      'huashuiwan-hot-spring',
      'chengdu-research-base-of-giant-panda-breeding',
    ]) {
      expect(ids).toContain(stableId('attraction', slug));
    }
    expect(winter.participants.totalCount).toBeGreaterThanOrEqual(20);
  });

  it('sums campaign metrics in SQL consistently with participations and the daily series', async () => {
    const result = await run<{
      campaign: {
        metrics: Metrics;
        participants: { nodes: Array<{ metrics: Metrics }> };
        dailyMetrics: Array<Metrics & { date: string }>;
      };
    }>(
      `{ campaign(id: "${WINTER_ID}") {
          metrics { impressions engagements clicks reports }
          participants(first: 100) { nodes { metrics { impressions engagements clicks reports } } }
          dailyMetrics { date impressions engagements clicks reports }
        } }`,
    );
    const { metrics, participants, dailyMetrics } = result.data!.campaign;
    expect(metrics.reports).toBeGreaterThan(1000);
    const sum = (rows: Metrics[], key: keyof Metrics) => rows.reduce((total, row) => total + row[key], 0);
    for (const key of ['impressions', 'engagements', 'clicks', 'reports'] as const) {
      expect(
        sum(
          participants.nodes.map((p) => p.metrics),
          key,
        ),
      ).toBe(metrics[key]);
      expect(sum(dailyMetrics, key)).toBe(metrics[key]);
    }
    const dates = dailyMetrics.map((d) => d.date);
    expect(dates[0]).toBe('2024-12-07');
    expect(dates).toEqual([...dates].sort());
  });

  it('limits the daily series to from..to and refuses from after to', async () => {
    const result = await run<{ campaign: { dailyMetrics: Array<{ date: string }> } }>(
      `{ campaign(id: "${WINTER_ID}") { dailyMetrics(from: "2024-12-24", to: "2024-12-26") { date } } }`,
    );
    expect(result.data!.campaign.dailyMetrics.map((d) => d.date)).toEqual(['2024-12-24', '2024-12-25', '2024-12-26']);
    const reversed = await run(
      `{ campaign(id: "${WINTER_ID}") { dailyMetrics(from: "2025-01-02", to: "2025-01-01") { date } } }`,
    );
    expect(reversed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('ranks participants by reported engagements, most first', async () => {
    const result = await run<{ campaign: { topParticipants: Array<{ metrics: Metrics }> } }>(
      `{ campaign(id: "${WINTER_ID}") { topParticipants(first: 5) { metrics { engagements } } } }`,
    );
    const engagements = result.data!.campaign.topParticipants.map((p) => p.metrics.engagements);
    expect(engagements).toHaveLength(5);
    expect(engagements).toEqual([...engagements].sort((a, b) => b - a));
    const all = await run<{ campaign: { participants: { nodes: Array<{ metrics: Metrics }> } } }>(
      `{ campaign(id: "${WINTER_ID}") { participants(first: 100) { nodes { metrics { engagements } } } } }`,
    );
    expect(engagements[0]).toBe(Math.max(...all.data!.campaign.participants.nodes.map((p) => p.metrics.engagements)));
  });

  it('pages through participants exactly once with after cursors', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 20; page += 1) {
      const result: {
        data?: {
          campaign: {
            participants: {
              totalCount: number;
              nodes: Array<{ member: { id: string } }>;
              pageInfo: { hasNextPage: boolean; endCursor: string };
            };
          };
        } | null;
      } = await run(
        `query($after: String) { campaign(id: "${WINTER_ID}") { participants(first: 4, after: $after) { totalCount nodes { member { id } } pageInfo { hasNextPage endCursor } } } }`,
        { after },
      );
      const { nodes, pageInfo, totalCount } = result.data!.campaign.participants;
      seen.push(...nodes.map((n) => n.member.id));
      expect(totalCount).toBeGreaterThan(0);
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(25);
  });

  it('filters campaigns by member, attraction, day and status', async () => {
    const byAttraction = await run<{ campaigns: { nodes: Array<{ slug: string }> } }>(
      `{ campaigns(filter: { attractionId: "${stableId('attraction', 'bifengxia-panda-base')}" }) { nodes { slug } } }`,
    );
    expect(byAttraction.data!.campaigns.nodes.map((c) => c.slug)).toEqual(['panda-summer-2025']);
    const onDay = await run<{ campaigns: { nodes: Array<{ slug: string }> } }>(
      `{ campaigns(filter: { activeOn: "2025-01-15" }) { nodes { slug } } }`,
    );
    expect(onDay.data!.campaigns.nodes.map((c) => c.slug)).toEqual(['winter-tourism-season-2024']);
    const byMember = await run<{ campaigns: { nodes: Array<{ slug: string }> } }>(
      `{ campaigns(filter: { memberId: "${stableId('member', 'panda-world-channel')}", status: COMPLETED }) { nodes { slug } } }`,
    );
    expect(byMember.data!.campaigns.nodes.map((c) => c.slug)).toContain('panda-summer-2025');
  });

  it('adds Member.campaigns and Attraction.campaigns, hiding PLANNED campaigns from others', async () => {
    const organizer = stableId('member', 'sichuan-short-video');
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Member { campaigns { campaign { slug } role } } } }`;
    const r = [{ __typename: 'Member', id: organizer }];
    const asOther = await run<{ _entities: Array<{ campaigns: Array<{ campaign: { slug: string } }> }> }>(
      query,
      { r },
      OTHER,
    );
    expect(asOther.data!._entities[0]!.campaigns.map((p) => p.campaign.slug)).not.toContain('spring-blossoms-2026');
    const asSelf = await run<{ _entities: Array<{ campaigns: Array<{ campaign: { slug: string } }> }> }>(
      query,
      { r },
      { role: 'MEMBER', memberId: organizer, keyId: null },
    );
    expect(asSelf.data!._entities[0]!.campaigns.map((p) => p.campaign.slug)).toContain('spring-blossoms-2026');
    const attraction = await run<{ _entities: Array<{ campaigns: Array<{ slug: string }> }> }>(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Attraction { campaigns { slug } } } }`,
      {
        r: [{ __typename: 'Attraction', id: stableId('attraction', 'chengdu-research-base-of-giant-panda-breeding') }],
      },
    );
    expect(attraction.data!._entities[0]!.campaigns.map((c) => c.slug).sort()).toEqual([
      'inbound-sichuan-2025',
      'panda-summer-2025',
      'winter-tourism-season-2024',
    ]);
  });

  it('costs the same number of SQL statements for a page of 2 and of 20 campaigns with all their lists', async () => {
    const measure = (first: number) =>
      subgraph.database.queries.measure(async () => {
        const result = await run(PAGE_QUERY, { first }, ADMIN);
        expect(result.errors).toBeUndefined();
      });
    const small = await measure(2);
    const large = await measure(20);
    expect(large).toBe(small);
  });

  it('resolves Member, Attraction and Campaign references in one statement per field however many', async () => {
    const members = ['tianfu-daily', 'bayu-video', 'aba-herald', 'trip-compass', 'panda-world-channel'].map((s) => ({
      __typename: 'Member',
      id: stableId('member', s),
    }));
    const statements = await subgraph.database.queries.measure(async () => {
      const result = await run(
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on Member { campaigns { role metrics { clicks } } } } }`,
        { r: members },
      );
      expect(result.errors).toBeUndefined();
    });
    expect(statements).toBe(2);
    const campaigns = SEEDED_SLUGS.map((s) => ({ __typename: 'Campaign', id: stableId('campaign', s) }));
    const one = await subgraph.database.queries.measure(() =>
      run(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Campaign { slug } } }`, { r: campaigns }),
    );
    expect(one).toBe(1);
  });

  it('moves status only forward and names the allowed transitions otherwise, auditing both', async () => {
    const id = await activeCampaign('status-rules-test');
    const before = await auditCount({ operation: 'setCampaignStatus', outcome: 'REJECTED' });
    const back = await run(`mutation { setCampaignStatus(id: "${id}", status: PLANNED) { status } }`, {}, ADMIN);
    expect(back.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(back.errors?.[0]?.message).toMatch(/ACTIVE to PLANNED/);
    expect(back.errors?.[0]?.message).toMatch(
      /PLANNED → ACTIVE, ACTIVE → COMPLETED, PLANNED → CANCELLED, ACTIVE → CANCELLED/,
    );
    expect(await auditCount({ operation: 'setCampaignStatus', outcome: 'REJECTED' })).toBe(before + 1);
    const forward = await run<{ setCampaignStatus: { status: string } }>(
      `mutation { setCampaignStatus(id: "${id}", status: COMPLETED) { status } }`,
      {},
      ADMIN,
    );
    expect(forward.data!.setCampaignStatus.status).toBe('COMPLETED');
    expect(await auditCount({ operation: 'setCampaignStatus', outcome: 'SUCCESS', targetId: id })).toBe(2);
    const member = await run(`mutation { setCampaignStatus(id: "${id}", status: CANCELLED) { status } }`, {}, MEMBER);
    expect(member.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('refuses a campaign ending before it starts, a bad slug and a taken slug', async () => {
    const launch = (input: Record<string, unknown>) =>
      run(
        `mutation($input: LaunchCampaignInput!) { launchCampaign(input: $input) { id } }`,
        {
          input: {
            slug: 'valid-slug-campaign',
            name: 'Valid',
            localName: '有效',
            startsOn: '2025-05-10',
            endsOn: '2025-05-20',
            organizerId: stableId('member', 'tianfu-daily'),
            ...input,
          },
        },
        ADMIN,
      );
    const backwards = await launch({ endsOn: '2025-05-01' });
    expect(backwards.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(backwards.errors?.[0]?.message).toMatch(/endsOn \(2025-05-01\) must not be before startsOn/);
    const badSlug = await launch({ slug: 'Bad Slug' });
    expect(badSlug.errors?.[0]?.message).toMatch(/input\.slug must be 3-80/);
    const taken = await launch({ slug: 'panda-summer-2025' });
    expect(taken.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const anonymous = await run(`{ campaign(slug: "valid-slug-campaign") { id } }`, {}, ADMIN);
    expect(anonymous.data).toEqual({ campaign: null });
  });

  it('lets a member join, report twice for a day (counted once), and leave; refuses non-participants', async () => {
    const id = await activeCampaign('join-report-leave-test');
    const join = await run<{ joinCampaign: { role: string; member: { id: string } } }>(
      `mutation { joinCampaign(campaignId: "${id}", role: AMPLIFIER) { role member { id } } }`,
      {},
      MEMBER,
    );
    expect(join.data!.joinCampaign).toEqual({ role: 'AMPLIFIER', member: { id: MEMBER_ID } });
    const again = await run(`mutation { joinCampaign(campaignId: "${id}") { role } }`, {}, MEMBER);
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    await report(id, '2025-05-02', { impressions: 1000 });
    const second = await report(id, '2025-05-02', { impressions: 1500, engagements: 70 });
    expect(second.data!.reportCampaignMetrics.metrics).toEqual({
      impressions: 1500,
      engagements: 70,
      clicks: 5,
      reports: 1,
    });
    const totals = await run<{ campaign: { metrics: Metrics } }>(
      `{ campaign(id: "${id}") { metrics { impressions reports } } }`,
    );
    expect(totals.data!.campaign.metrics).toEqual({ impressions: 1500, reports: 1 });

    const outsider = await report(id, '2025-05-02', {}, OTHER);
    expect(outsider.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(outsider.errors?.[0]?.message).toMatch(/only members taking part/);
    const outside = await report(id, '2025-06-01');
    expect(outside.errors?.[0]?.message).toMatch(
      /input\.date must be inside the campaign \(2025-05-01 to 2025-05-31\)/,
    );
    const negative = await report(id, '2025-05-03', { clicks: -1 });
    expect(negative.errors?.[0]?.message).toMatch(/input\.clicks must be a non-negative number/);

    const leave = await run<{ leaveCampaign: boolean }>(`mutation { leaveCampaign(campaignId: "${id}") }`, {}, MEMBER);
    expect(leave.data!.leaveCampaign).toBe(true);
    const afterLeaving = await report(id, '2025-05-04');
    expect(afterLeaving.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await auditCount({ operation: 'reportCampaignMetrics', targetId: id, outcome: 'DENIED' })).toBe(2);
  });

  it('refuses joining a COMPLETED campaign and joining as LEAD without being an admin', async () => {
    const completed = await run(
      `mutation { joinCampaign(campaignId: "${stableId('campaign', 'panda-summer-2025')}") { role } }`,
      {},
      MEMBER,
    );
    expect(completed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(completed.errors?.[0]?.message).toMatch(/only PLANNED or ACTIVE/);
    const lead = await run(
      `mutation { joinCampaign(campaignId: "${stableId('campaign', 'inbound-sichuan-2025')}", role: LEAD) { role } }`,
      {},
      MEMBER,
    );
    expect(lead.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await run(
      `mutation { joinCampaign(campaignId: "${stableId('campaign', 'inbound-sichuan-2025')}") { role } }`,
    );
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses figures a double cannot hold exactly or sum finitely, naming the field, and keeps totals exact', async () => {
    const id = await activeCampaign('figure-bounds-test');
    await run(`mutation { joinCampaign(campaignId: "${id}") { role } }`, {}, MEMBER);
    const largest = await report(id, '2025-05-02', { impressions: Number.MAX_SAFE_INTEGER });
    expect(largest.errors).toBeUndefined();
    const cases: Array<[keyof Metrics, number]> = [
      ['impressions', 1e308], // two of them sum to Infinity (SQLite) or to 0 (MariaDB)
      ['engagements', Number.MAX_SAFE_INTEGER + 2],
    ];
    for (const [field, value] of cases) {
      const refused = await report(id, '2025-05-03', { [field]: value });
      expect(refused.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: `input.${field}` });
      expect(refused.errors?.[0]?.message).toMatch(
        new RegExp(`^input\\.${field} must be a non-negative number of at most 9007199254740991 \\(2\\^53 - 1\\)`),
      );
    }
    // graphql-js coerces a Float literal too large for a double to Infinity.
    const literal = await run(
      `mutation { reportCampaignMetrics(input: { campaignId: "${id}", date: "2025-05-03", impressions: 1, engagements: 1, clicks: 1e400 }) { role } }`,
      {},
      MEMBER,
    );
    expect(literal.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.clicks' });
    const totals = await run<{ campaign: { metrics: Metrics } }>(
      `{ campaign(id: "${id}") { metrics { impressions reports } } }`,
    );
    expect(totals.errors).toBeUndefined();
    expect(totals.data!.campaign.metrics).toEqual({ impressions: Number.MAX_SAFE_INTEGER, reports: 1 });
  });

  it('refuses a report dated after today in Asia/Shanghai and takes one for today', async () => {
    const shanghai = (offsetDays: number) =>
      new Date(Date.now() + 8 * 3600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);
    const id = await activeCampaign('future-report-test', shanghai(-30), shanghai(30));
    await run(`mutation { joinCampaign(campaignId: "${id}") { role } }`, {}, MEMBER);
    const tomorrow = await report(id, shanghai(1));
    expect(tomorrow.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.date' });
    expect(tomorrow.errors?.[0]?.message).toBe(
      `input.date ${shanghai(1)} is in the future: report days up to today (${shanghai(0)}, Asia/Shanghai)`,
    );
    expect((await report(id, shanghai(0))).errors).toBeUndefined();
    const rows = await subgraph.database.dataSource.getRepository(MetricReport).countBy({ campaignId: id });
    expect(rows).toBe(1);
  });

  it('answers a PLANNED campaign a member cannot see like a missing one, and FORBIDDEN only where it can see it', async () => {
    const missing = stableId('campaign', 'no-such-campaign');
    const launched = await run<{ launchCampaign: { id: string } }>(
      `mutation($input: LaunchCampaignInput!) { launchCampaign(input: $input) { id } }`,
      {
        input: {
          slug: 'hidden-planned-test',
          name: 'Hidden',
          localName: '隐藏',
          startsOn: '2025-05-01',
          endsOn: '2025-05-31',
          organizerId: stableId('member', 'tianfu-daily'),
        },
      },
      ADMIN,
    );
    const planned = launched.data!.launchCampaign.id;
    const visible = await activeCampaign('visible-active-test');
    const mutations = {
      report: (campaignId: string) => report(campaignId, '2025-05-02'),
      join: (campaignId: string) => run(`mutation { joinCampaign(campaignId: "${campaignId}") { role } }`, {}, MEMBER),
      leave: (campaignId: string) => run(`mutation { leaveCampaign(campaignId: "${campaignId}") }`, {}, MEMBER),
    };
    for (const [name, mutate] of Object.entries(mutations)) {
      const [hidden, random] = [await mutate(planned), await mutate(missing)];
      expect({ name, error: hidden.errors?.[0]?.extensions?.code }).toEqual({ name, error: 'NOT_FOUND' });
      // Word for word the answer for an id that does not exist, but for the id.
      expect(hidden.errors?.[0]?.message.replace(planned, '<id>')).toBe(
        random.errors?.[0]?.message.replace(missing, '<id>'),
      );
    }
    // Where the member may see the campaign, it is told what to do.
    const outsider = await report(visible, '2025-05-02');
    expect(outsider.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(outsider.errors?.[0]?.message).toMatch(/join it first/);
    const notTakingPart = await mutations.leave(visible);
    expect(notTakingPart.errors?.[0]?.message).toBe('your member does not take part in this campaign');
    // The organizer takes part in its PLANNED campaign and so sees it: told about the status, not NOT_FOUND.
    const organizer: Identity = { role: 'MEMBER', memberId: stableId('member', 'tianfu-daily'), keyId: null };
    const early = await report(planned, '2025-05-02', {}, organizer);
    expect(early.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(early.errors?.[0]?.message).toMatch(/campaign is PLANNED/);
    // Admins see every campaign.
    const otherAdmin: Identity = { role: 'ADMIN', memberId: stableId('member', 'bayu-video'), keyId: null };
    const adminJoin = await run(`mutation { joinCampaign(campaignId: "${planned}") { role } }`, {}, otherAdmin);
    expect(adminJoin.errors).toBeUndefined();
  });

  it('keeps one row when 20 identical reports arrive at once', async () => {
    const id = await activeCampaign('parallel-report-test');
    await run(`mutation { joinCampaign(campaignId: "${id}") { role } }`, {}, MEMBER);
    const results = await Promise.all(Array.from({ length: 20 }, () => report(id, '2025-05-09', { impressions: 777 })));
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    const rows = await subgraph.database.dataSource
      .getRepository(MetricReport)
      .countBy({ campaignId: id, memberId: MEMBER_ID, reportDate: '2025-05-09' });
    expect(rows).toBe(1);
  });

  it('seeds idempotently: a second seed neither duplicates nor empties anything', async () => {
    const count = () => subgraph.database.dataSource.getRepository(MetricReport).count();
    const before = await count();
    expect(await isEmpty(subgraph.database.dataSource)).toBe(false);
    await seed(subgraph.database.dataSource, { devCredentials: true });
    expect(await count()).toBe(before);
  });

  it('has migrations that produce exactly the schema the entities describe', async () => {
    const pending = await subgraph.database.dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });
});
