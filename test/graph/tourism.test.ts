import { stableId } from '../../subgraphs/kit/ids';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { ATTRACTIONS } from '../../subgraphs/tourism/seed-data';
import { ENGINES } from '../support/databases';
import { graphql } from '../support/processes';
import { type InProcessGraph, startInProcessGraph } from '../support/gateway';

const ADMIN = DEV_CREDENTIALS.admin.secret;
const MEMBER = DEV_CREDENTIALS.member.secret;
const bearer = (credential: string) => ({ authorization: `Bearer ${credential}` });

interface Stat {
  month: string;
  domesticVisitors: number;
  inboundVisitors: number;
  revenueCny: number;
}

/**
 * A batch of distinct (attraction, month) rows in 1990-1999, apart from the seeded months.
 * Sized to fit the gateway's 1 MB request body (a 10,000-row batch is tested in-process).
 */
function batch(count: number) {
  const ids = ATTRACTIONS.map((a) => stableId('attraction', a.slug));
  return Array.from({ length: count }, (_, i) => {
    const monthIndex = Math.floor(i / ids.length);
    return {
      attractionId: ids[i % ids.length]!,
      month: `${1990 + Math.floor(monthIndex / 12)}-${String((monthIndex % 12) + 1).padStart(2, '0')}`,
      domesticVisitors: 2000 + (i % 89),
      inboundVisitors: i % 7,
      revenueCny: 80_000 + i,
    };
  });
}

describe.each(ENGINES)('tourism through the gateway on %s', (engine) => {
  let graph: InProcessGraph;
  const run = <T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) => graphql<T>(graph.gateway.url, query, variables, headers);

  beforeAll(async () => {
    graph = await startInProcessGraph({}, {}, engine);
  });
  afterAll(() => graph?.stop());

  it('lists the real World Heritage sites of Sichuan with true coordinates and their destinations', async () => {
    const { status, body } = await run<{
      attractions: {
        totalCount: number;
        nodes: Array<{
          name: string;
          localName: string;
          level: string;
          location: { latitude: number; longitude: number };
          destination: { name: string };
        }>;
      };
    }>(`{ attractions(first: 100, filter: { province: SICHUAN, worldHeritage: true }) {
          totalCount nodes { name localName level location { latitude longitude } destination { name } } } }`);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const { totalCount, nodes } = body.data!.attractions;
    expect(totalCount).toBe(nodes.length);
    const byName = new Map(nodes.map((n) => [n.name, n]));
    for (const name of ['Jiuzhaigou Valley', 'Mount Emei', 'Leshan Giant Buddha', 'Dujiangyan Irrigation System']) {
      expect(byName.has(name)).toBe(true);
    }
    expect(byName.get('Leshan Giant Buddha')).toMatchObject({
      localName: '乐山大佛',
      level: 'AAAAA',
      destination: { name: 'Leshan' },
    });
    const seeded = ATTRACTIONS.find((a) => a.slug === 'leshan-giant-buddha')!;
    expect(byName.get('Leshan Giant Buddha')!.location).toEqual({
      latitude: seeded.latitude,
      longitude: seeded.longitude,
    });
    expect(byName.has('Dazu Rock Carvings')).toBe(false);
  });

  it('answers in Chinese for Accept-Language zh-CN', async () => {
    const { body } = await run<{ attraction: { name: string; localName: string } }>(
      '{ attraction(slug: "sanxingdui-museum") { name localName } }',
      {},
      { 'accept-language': 'zh-CN,zh;q=0.9' },
    );
    expect(body.data!.attraction.name).toBe(body.data!.attraction.localName);
    expect(body.data!.attraction.name).toMatch(/三星堆/);
  });

  it('finds the panda base and Dujiangyan within 80 km of Tianfu Square, but not Jiuzhaigou', async () => {
    const { body } = await run<{ attractions: { nodes: Array<{ slug: string }> } }>(
      '{ attractions(first: 100, filter: { near: { latitude: 30.657, longitude: 104.066, radiusKm: 80 } }) { nodes { slug } } }',
    );
    const slugs = body.data!.attractions.nodes.map((n) => n.slug);
    expect(slugs).toContain('chengdu-research-base-of-giant-panda-breeding');
    expect(slugs).toContain('dujiangyan-irrigation-system');
    expect(slugs).not.toContain('jiuzhaigou-valley');
    const tooFar = await run(
      '{ attractions(filter: { near: { latitude: 30.657, longitude: 104.066, radiusKm: 501 } }) { totalCount } }',
    );
    expect(tooFar.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('answers tourismTrends for Sichuan in 2025 with 12 rows that sum the attractions’ own figures', async () => {
    const trends = await run<{ tourismTrends: Stat[] }>(
      '{ tourismTrends(province: SICHUAN, from: "2025-01", to: "2025-12") { month domesticVisitors inboundVisitors revenueCny } }',
    );
    expect(trends.body.data!.tourismTrends).toHaveLength(12);
    const parts = await run<{ attractions: { totalCount: number; nodes: Array<{ visitorStats: Stat[] }> } }>(
      '{ attractions(first: 100, filter: { province: SICHUAN }) { totalCount nodes { visitorStats(from: "2025-01", to: "2025-12") { month domesticVisitors inboundVisitors revenueCny } } } }',
    );
    const nodes = parts.body.data!.attractions.nodes;
    expect(nodes).toHaveLength(parts.body.data!.attractions.totalCount);
    trends.body.data!.tourismTrends.forEach((row, i) => {
      for (const figure of ['domesticVisitors', 'inboundVisitors', 'revenueCny'] as const) {
        expect(row[figure]).toBe(nodes.reduce((sum, n) => sum + n.visitorStats[i]![figure], 0));
      }
    });
  });

  it('costs the same SQL statements in the tourism subgraph for first: 50 as for first: 5', async () => {
    const query = `query($first: Int) { attractions(first: $first) {
      nodes { destination { name } visitorStats(from: "2025-01", to: "2025-06") { month } } } }`;
    const measure = async (first: number) => {
      const before = await graph.sqlStatements('tourism');
      const { body } = await run<{ attractions: { nodes: unknown[] } }>(query, { first });
      expect(body.errors).toBeUndefined();
      expect(body.data!.attractions.nodes).toHaveLength(first);
      return (await graph.sqlStatements('tourism')) - before;
    };
    const five = await measure(5);
    const fifty = await measure(50);
    expect(fifty).toBe(five);
    expect(five).toBe(3);
  });

  it('records a batch all or nothing for admins, names the bad row, and is safe to resend', async () => {
    const record = 'mutation($input: [VisitorStatInput!]!) { recordVisitorStats(input: $input) }';
    const decade = async () => {
      const { body } = await run<{ tourismTrends: Stat[] }>(
        '{ tourismTrends(from: "1990-01", to: "1999-12") { domesticVisitors revenueCny } }',
      );
      return body.data!.tourismTrends.reduce(
        (sum, r) => ({ domestic: sum.domestic + r.domesticVisitors, revenue: sum.revenue + r.revenueCny }),
        { domestic: 0, revenue: 0 },
      );
    };
    const rows = batch(5000);
    const denied = await run(record, { input: rows.slice(0, 10) }, bearer(MEMBER));
    expect(denied.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const bad = rows.map((row, i) => (i === 4321 ? { ...row, month: '1995-13' } : row));
    const refused = await run(record, { input: bad }, bearer(ADMIN));
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.body.errors?.[0]?.message).toMatch(/row 4321 \(input\[4321\]\)/);
    expect(await decade()).toEqual({ domestic: 0, revenue: 0 });

    const accepted = await run<{ recordVisitorStats: number }>(record, { input: rows }, bearer(ADMIN));
    expect(accepted.body.data!.recordVisitorStats).toBe(5000);
    const once = await decade();
    expect(once.domestic).toBe(rows.reduce((sum, r) => sum + r.domesticVisitors, 0));
    await run(record, { input: rows }, bearer(ADMIN));
    expect(await decade()).toEqual(once);

    const audit = await run<{
      audit: { tourism: { nodes: Array<{ operation: string; outcome: string; actor: { slug: string } | null }> } };
    }>(
      '{ audit { tourism(filter: { operation: "recordVisitorStats" }, first: 10) { nodes { operation outcome actor { slug } } } } }',
      {},
      bearer(ADMIN),
    );
    expect(audit.body.errors).toBeUndefined();
    expect(audit.body.data!.audit.tourism.nodes.map((n) => n.outcome)).toEqual([
      'SUCCESS',
      'SUCCESS',
      'REJECTED',
      'DENIED',
    ]);
    expect(audit.body.data!.audit.tourism.nodes[0]!.actor?.slug).toBe(DEV_CREDENTIALS.admin.memberSlug);
  });
});
