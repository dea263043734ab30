import { stableId } from '../../subgraphs/kit/ids';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { ENGINES } from '../support/databases';
import { graphql } from '../support/processes';
import { type InProcessGraph, startInProcessGraph } from '../support/gateway';

const ADMIN = DEV_CREDENTIALS.admin.secret;
const MEMBER = DEV_CREDENTIALS.member.secret; // chengdu-evening-news
const MEMBER_ID = stableId('member', 'chengdu-evening-news');
const WINTER_ID = stableId('campaign', 'winter-tourism-season-2024');
/** The tourism subgraph is built in parallel; the query crossing all three needs it composed. */

const bearer = (credential: string) => ({ authorization: `Bearer ${credential}` });

interface Metrics {
  impressions: number;
  engagements: number;
  clicks: number;
  reports: number;
}

describe.each(ENGINES)('campaigns on %s, through the gateway', (engine) => {
  let graph: InProcessGraph;
  let url: string;

  const run = <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}, as?: string) =>
    graphql<T>(url, query, variables, as ? bearer(as) : {});

  /** Launches a campaign as admin and, unless told otherwise, makes it ACTIVE. */
  async function launch(slug: string, active = true): Promise<string> {
    const { body } = await run<{ launchCampaign: { id: string } }>(
      `mutation($input: LaunchCampaignInput!) { launchCampaign(input: $input) { id } }`,
      {
        input: {
          slug,
          name: `Sample ${slug}`,
          localName: '示例活动',
          startsOn: '2025-05-01',
          endsOn: '2025-05-31',
          organizerId: stableId('member', 'tianfu-daily'),
          destinationIds: [stableId('attraction', 'mount-emei'), stableId('attraction', 'leshan-giant-buddha')],
        },
      },
      ADMIN,
    );
    expect(body.errors).toBeUndefined();
    const id = body.data!.launchCampaign.id;
    if (active) {
      const activated = await run(`mutation { setCampaignStatus(id: "${id}", status: ACTIVE) { status } }`, {}, ADMIN);
      expect(activated.body.errors).toBeUndefined();
    }
    return id;
  }

  const report = (campaignId: string, date: string, figures: Partial<Metrics>, as = MEMBER) =>
    run<{ reportCampaignMetrics: { metrics: Metrics } }>(
      `mutation($input: MetricReportInput!) { reportCampaignMetrics(input: $input) { metrics { impressions engagements clicks reports } } }`,
      { input: { campaignId, date, impressions: 1000, engagements: 40, clicks: 4, ...figures } },
      as,
    );

  beforeAll(async () => {
    graph = await startInProcessGraph({}, {}, engine);
    url = graph.gateway.url;
  });
  afterAll(() => graph?.stop());

  it("answers the winter campaign's participants' names and kinds from membership with its metrics", async () => {
    const { body } = await run<{
      campaign: {
        name: string;
        startsOn: string;
        organizer: { name: string };
        participants: { totalCount: number; nodes: Array<{ role: string; member: { name: string; kind: string } }> };
        metrics: Metrics;
      };
    }>(
      `{ campaign(slug: "winter-tourism-season-2024") {
          name startsOn organizer { name }
          participants(first: 50) { totalCount nodes { role member { name kind } } }
          metrics { impressions engagements clicks reports }
        } }`,
    );
    expect(body.errors).toBeUndefined();
    const winter = body.data!.campaign;
    expect(winter.startsOn).toBe('2024-12-07');
    expect(winter.organizer.name).toBe('Tianfu Daily');
    expect(winter.participants.totalCount).toBeGreaterThanOrEqual(20);
    expect(winter.participants.nodes.every((p) => p.member.name.length > 0 && p.member.kind.length > 0)).toBe(true);
    expect(winter.metrics.reports).toBeGreaterThan(1000);
    expect(winter.metrics.impressions).toBeGreaterThan(winter.metrics.engagements);
  });

  it("crosses three subgraphs: participants from membership, destinations' names and World Heritage flags from tourism", async () => {
    const { body } = await run<{
      campaign: {
        participants: { nodes: Array<{ member: { name: string; kind: string } }> };
        destinations: Array<{ slug: string; name: string; worldHeritage: boolean }>;
        metrics: Metrics;
      };
    }>(
      `{ campaign(id: "${WINTER_ID}") {
            participants(first: 50) { nodes { member { name kind } } }
            destinations { slug name worldHeritage }
            metrics { impressions engagements clicks reports }
          } }`,
    );
    expect(body.errors).toBeUndefined();
    const winter = body.data!.campaign;
    expect(winter.participants.nodes.length).toBeGreaterThanOrEqual(20);
    const bySlug = new Map(winter.destinations.map((d) => [d.slug, d]));
    expect(bySlug.get('xiling-snow-mountain-ski-resort')?.name).toMatch(/Xiling/);
    expect(bySlug.get('mount-emei')?.worldHeritage).toBe(true);
    expect(bySlug.get('huashuiwan-hot-spring')?.worldHeritage).toBe(false);
    expect(winter.metrics.reports).toBeGreaterThan(1000);
    const attraction = await run<{ attraction: { name: string; campaigns: Array<{ slug: string }> } }>(
      `{ attraction(slug: "bifengxia-panda-base") { name campaigns { slug } } }`,
    );
    expect(attraction.body.data!.attraction.campaigns.map((c) => c.slug)).toEqual(['panda-summer-2025']);
  });

  it("adds a member's campaigns to its profile, hiding the PLANNED one from others", async () => {
    const query = `{ member(slug: "sichuan-short-video") { name campaigns { role campaign { slug status } } } }`;
    type Data = { member: { campaigns: Array<{ role: string; campaign: { slug: string } }> } };
    const anonymous = await run<Data>(query);
    expect(anonymous.body.errors).toBeUndefined();
    expect(anonymous.body.data!.member.campaigns.map((p) => p.campaign.slug)).not.toContain('spring-blossoms-2026');
    const admin = await run<Data>(query, {}, ADMIN);
    expect(admin.body.data!.member.campaigns).toContainEqual({
      role: 'LEAD',
      campaign: { slug: 'spring-blossoms-2026', status: 'PLANNED' },
    });
  });

  it('lets a member join, report twice for one date (counted once) and leave; a non-participant cannot report', async () => {
    const id = await launch('e2e-join-report-leave');
    const joined = await run<{ joinCampaign: { role: string; member: { name: string } } }>(
      `mutation { joinCampaign(campaignId: "${id}") { role member { name } } }`,
      {},
      MEMBER,
    );
    expect(joined.body.data!.joinCampaign).toEqual({ role: 'PARTNER', member: { name: 'Chengdu Evening News' } });

    expect((await report(id, '2025-05-03', { impressions: 1000 })).body.errors).toBeUndefined();
    const resent = await report(id, '2025-05-03', { impressions: 2500, engagements: 90 });
    expect(resent.body.data!.reportCampaignMetrics.metrics).toEqual({
      impressions: 2500,
      engagements: 90,
      clicks: 4,
      reports: 1,
    });
    const totals = await run<{ campaign: { metrics: Metrics } }>(
      `{ campaign(id: "${id}") { metrics { impressions engagements clicks reports } } }`,
    );
    expect(totals.body.data!.campaign.metrics).toEqual({ impressions: 2500, engagements: 90, clicks: 4, reports: 1 });

    // The admin key acts for tianfu-daily, the organizer; bayu-video does not take part.
    const outsiderKey = await issueKey('bayu-video');
    const outsider = await report(id, '2025-05-03', {}, outsiderKey);
    expect(outsider.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const left = await run<{ leaveCampaign: boolean }>(`mutation { leaveCampaign(campaignId: "${id}") }`, {}, MEMBER);
    expect(left.body.data!.leaveCampaign).toBe(true);
    const afterLeaving = await report(id, '2025-05-04', {});
    expect(afterLeaving.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const participants = await run<{ campaign: { participants: { nodes: Array<{ member: { id: string } }> } } }>(
      `{ campaign(id: "${id}") { participants { nodes { member { id } } } } }`,
    );
    expect(participants.body.data!.campaign.participants.nodes.map((p) => p.member.id)).not.toContain(MEMBER_ID);

    const audit = await run<{
      audit: { campaigns: { nodes: Array<{ operation: string; outcome: string; actor: { name: string } | null }> } };
    }>(
      `query($f: AuditFilter) { audit { campaigns(filter: $f, first: 20) { nodes { operation outcome actor { name } } } } }`,
      { f: { targetId: id } },
      ADMIN,
    );
    const records = audit.body.data!.audit.campaigns.nodes;
    expect(records.filter((r) => r.operation === 'reportCampaignMetrics' && r.outcome === 'SUCCESS')).toHaveLength(2);
    expect(records.filter((r) => r.outcome === 'DENIED')).toHaveLength(2);
    expect(records.find((r) => r.operation === 'joinCampaign')?.actor?.name).toBe('Chengdu Evening News');
  });

  it('answers numbers out of range, future days and hidden campaigns with precise client errors, never internal ones', async () => {
    const id = await launch('e2e-input-ranges');
    await run(`mutation { joinCampaign(campaignId: "${id}") { role } }`, {}, MEMBER);
    const post = async (body: string) => {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(MEMBER) },
        body,
      });
      const json = (await response.json()) as { errors?: Array<{ message: string; extensions?: { code?: string } }> };
      return { status: response.status, code: json.errors?.[0]?.extensions?.code, message: json.errors?.[0]?.message };
    };
    const mutation = (clicks: string) =>
      `mutation { reportCampaignMetrics(input: { campaignId: \\"${id}\\", date: \\"2025-05-05\\", impressions: 1, engagements: 1, clicks: ${clicks} }) { role } }`;
    // A literal too large for a double: graphql-js makes it Infinity, which the query planner cannot print.
    expect(await post(`{"query":"${mutation('1e400')}"}`)).toEqual({
      status: 400,
      code: 'BAD_USER_INPUT',
      message: 'the number 1e400 is too large: numbers must be finite (at most about 1.8e308)',
    });
    // The same in a variable: JSON.parse makes it Infinity, which Float refuses.
    const variable = await post(
      `{"query":"mutation($n: Float!) { reportCampaignMetrics(input: { campaignId: \\"${id}\\", date: \\"2025-05-05\\", impressions: 1, engagements: 1, clicks: $n }) { role } }","variables":{"n":1e400}}`,
    );
    expect(variable).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
    // Finite but beyond what sums exactly (and, on MariaDB, what SUM keeps from turning into 0).
    expect(await post(`{"query":"${mutation('1e308')}"}`)).toMatchObject({
      status: 200,
      code: 'BAD_USER_INPUT',
      message: expect.stringMatching(/^input\.clicks must be a non-negative number of at most 9007199254740991/),
    });
    const tomorrow = new Date(Date.now() + 8 * 3600_000 + 86_400_000).toISOString().slice(0, 10);
    const future = await launch('e2e-future-report');
    await run(
      `mutation($id: ID!, $endsOn: Date!) { updateCampaign(id: $id, input: { endsOn: $endsOn }) { id } }`,
      { id: future, endsOn: '2099-12-31' },
      ADMIN,
    );
    await run(`mutation { joinCampaign(campaignId: "${future}") { role } }`, {}, MEMBER);
    const ahead = await report(future, tomorrow, {});
    expect(ahead.status).toBe(200);
    expect(ahead.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.date' });

    const planned = await launch('e2e-hidden-planned', false);
    const hidden = await report(planned, '2025-05-05', {});
    expect(hidden.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(hidden.body.errors?.[0]?.message).toBe(`no campaign with input.campaignId ${planned}`);
  });

  /** Issues a MEMBER key for a founding member, as admin. */
  async function issueKey(memberSlug: string): Promise<string> {
    const { body } = await run<{ issueApiKey: { secret: string } }>(
      `mutation($id: ID!) { issueApiKey(memberId: $id, label: "e2e campaigns") { secret } }`,
      { id: stableId('member', memberSlug) },
      ADMIN,
    );
    expect(body.errors).toBeUndefined();
    return body.data!.issueApiKey.secret;
  }

  it('refuses a suspended member at the gateway, so it cannot join a campaign', async () => {
    const id = await launch('e2e-suspended-join');
    const key = await issueKey('aba-herald');
    const suspended = await run(
      `mutation { setMemberStatus(id: "${stableId('member', 'aba-herald')}", status: SUSPENDED, reason: "e2e: unpaid dues") { status } }`,
      {},
      ADMIN,
    );
    expect(suspended.body.errors).toBeUndefined();
    const attempt = await run(`mutation { joinCampaign(campaignId: "${id}") { role } }`, {}, key);
    expect(attempt.status).toBe(401);
    expect(attempt.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(attempt.body.errors?.[0]?.message).toMatch(/not active/);
    const participants = await run<{ campaign: { participants: { totalCount: number } } }>(
      `{ campaign(id: "${id}") { participants { totalCount } } }`,
    );
    expect(participants.body.data!.campaign.participants.totalCount).toBe(1); // the organizer only
  });

  it('keeps exactly one row when 20 identical reports arrive in parallel', async () => {
    const id = await launch('e2e-parallel-reports');
    await run(`mutation { joinCampaign(campaignId: "${id}") { role } }`, {}, MEMBER);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => report(id, '2025-05-10', { impressions: 3000, engagements: 120, clicks: 12 })),
    );
    expect(responses.map((r) => r.body.errors ?? [])).toEqual(Array.from({ length: 20 }, () => []));
    const { body } = await run<{
      campaign: { metrics: Metrics; dailyMetrics: Array<{ date: string; reports: number }> };
    }>(
      `{ campaign(id: "${id}") { metrics { impressions engagements clicks reports } dailyMetrics { date reports } } }`,
    );
    // `reports` is COUNT(*) over the stored rows.
    expect(body.data!.campaign.metrics).toEqual({ impressions: 3000, engagements: 120, clicks: 12, reports: 1 });
    expect(body.data!.campaign.dailyMetrics).toEqual([{ date: '2025-05-10', reports: 1 }]);
  });

  it('answers setCampaignStatus backwards with BAD_USER_INPUT naming the allowed transitions', async () => {
    const id = await launch('e2e-status-backwards');
    const { body } = await run(`mutation { setCampaignStatus(id: "${id}", status: PLANNED) { status } }`, {}, ADMIN);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toMatch(
      /from ACTIVE to PLANNED.*PLANNED → ACTIVE, ACTIVE → COMPLETED, PLANNED → CANCELLED, ACTIVE → CANCELLED/,
    );
    const completed = await run(
      `mutation { setCampaignStatus(id: "${stableId('campaign', 'panda-summer-2025')}", status: ACTIVE) { status } }`,
      {},
      ADMIN,
    );
    expect(completed.body.errors?.[0]?.message).toMatch(/from COMPLETED to ACTIVE/);
  });

  it('hides the PLANNED campaign from anonymous callers and shows it to admins', async () => {
    const query = `{ campaign(slug: "spring-blossoms-2026") { status } }`;
    expect((await run<{ campaign: null }>(query)).body.data!.campaign).toBeNull();
    expect((await run<{ campaign: { status: string } }>(query, {}, ADMIN)).body.data!.campaign.status).toBe('PLANNED');
  });

  it('costs the campaigns subgraph as many SQL statements for 20 campaigns with their lists as for 2', async () => {
    // Enough campaigns for a full page of 20 (admins also see PLANNED ones).
    for (let i = 0; i < 14; i += 1) await launch(`e2e-page-filler-${i}`, false);
    const query = `query($first: Int) { campaigns(first: $first) { nodes {
        participants(first: 10) { nodes { member { name } } }
        destinations { name }
        metrics { engagements }
      } } }`;
    const measure = async (first: number) => {
      const before = await graph.sqlStatements('campaigns');
      const { body } = await run<{ campaigns: { nodes: unknown[] } }>(query, { first }, ADMIN);
      expect(body.errors).toBeUndefined();
      expect(body.data!.campaigns.nodes).toHaveLength(first);
      return (await graph.sqlStatements('campaigns')) - before;
    };
    const two = await measure(2);
    const twenty = await measure(20);
    expect(twenty).toBe(two);
    // The page, the windowed participants, the destinations and the metric sums.
    expect(two).toBe(4);
  });
});
