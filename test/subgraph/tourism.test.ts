import { AuditRecord } from '../../subgraphs/kit/audit/AuditRecord';
import { stableId } from '../../subgraphs/kit/ids';
import { VisitorStat } from '../../subgraphs/tourism/entities';
import { distanceKm } from '../../subgraphs/tourism/geo';
import { isEmpty, seed } from '../../subgraphs/tourism/seed';
import { ATTRACTIONS, DESTINATIONS } from '../../subgraphs/tourism/seed-data';
import { tourism as tourismSubgraph } from '../../subgraphs/tourism/server';
import { ENGINES } from '../support/databases';
import { openSubgraph, type SubgraphHarness } from '../support/subgraph';

const ADMIN = { role: 'ADMIN' as const, memberId: stableId('member', 'tianfu-daily'), keyId: 'key-admin' };
const MEMBER = { role: 'MEMBER' as const, memberId: stableId('member', 'chengdu-evening-news'), keyId: 'key-member' };
const TIANFU_SQUARE = { latitude: 30.657, longitude: 104.066 };

interface AttractionNode {
  id: string;
  slug: string;
  name: string;
  localName: string;
  level: string | null;
  location: { latitude: number; longitude: number };
}
interface AttractionsData {
  attractions: {
    totalCount: number;
    nodes: AttractionNode[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}
interface Stat {
  month: string;
  domesticVisitors: number;
  inboundVisitors: number;
  revenueCny: number;
}

const ATTRACTIONS_QUERY = `
  query Attractions($filter: AttractionFilter, $first: Int, $after: String) {
    attractions(filter: $filter, first: $first, after: $after) {
      totalCount
      nodes { id slug name localName level location { latitude longitude } }
      pageInfo { hasNextPage endCursor }
    }
  }`;
const RECORD = 'mutation($input: [VisitorStatInput!]!) { recordVisitorStats(input: $input) }';
const PAGE_WITH_CHILDREN = `
  query($first: Int) {
    attractions(first: $first) {
      nodes { destination { name } visitorStats(from: "2025-01", to: "2025-06") { month } }
    }
  }`;

/** A batch of `count` distinct (attraction, month) rows over all seeded attractions, from 2000-01 on. */
function batch(count: number): Stat[] & Array<{ attractionId: string }> {
  const ids = ATTRACTIONS.map((a) => stableId('attraction', a.slug));
  return Array.from({ length: count }, (_, i) => {
    const monthIndex = Math.floor(i / ids.length);
    const year = 2000 + Math.floor(monthIndex / 12);
    return {
      attractionId: ids[i % ids.length]!,
      month: `${year}-${String((monthIndex % 12) + 1).padStart(2, '0')}`,
      domesticVisitors: 1000 + (i % 97),
      inboundVisitors: i % 13,
      revenueCny: 50_000 + i,
    };
  });
}

describe.each(ENGINES)('tourism subgraph on %s', (engine) => {
  let subgraph: SubgraphHarness;
  const dataSource = () => subgraph.database.dataSource;

  beforeAll(async () => {
    subgraph = await openSubgraph(tourismSubgraph, engine);
  });
  afterAll(() => subgraph?.close());

  it('seeds 22 real destinations, 52 real attractions and 24 months of sample statistics each', async () => {
    const destinations = await subgraph.execute<{ destinations: unknown[] }>('{ destinations { id } }');
    expect(destinations.data!.destinations).toHaveLength(DESTINATIONS.length);
    const all = await subgraph.execute<AttractionsData>(ATTRACTIONS_QUERY, { first: 0 });
    expect(all.data!.attractions.totalCount).toBe(52);
    const months = await dataSource()
      .getRepository(VisitorStat)
      .createQueryBuilder('vs')
      .select('COUNT(DISTINCT vs.month)', 'months')
      .addSelect('COUNT(*)', 'rows')
      .getRawOne<{ months: number | string; rows: number | string }>();
    expect(Number(months!.months)).toBe(24);
    expect(Number(months!.rows)).toBe(52 * 24);
  });

  it('lists the World Heritage sites of Sichuan with their true coordinates', async () => {
    const result = await subgraph.execute<AttractionsData>(ATTRACTIONS_QUERY, {
      filter: { province: 'SICHUAN', worldHeritage: true },
      first: 100,
    });
    expect(result.errors).toBeUndefined();
    const bySlug = new Map(result.data!.attractions.nodes.map((a) => [a.slug, a]));
    const expected = ATTRACTIONS.filter(
      (a) => a.worldHeritage && DESTINATIONS.find((d) => d.slug === a.destination)!.province === 'SICHUAN',
    );
    expect(result.data!.attractions.totalCount).toBe(expected.length);
    expect([...bySlug.keys()].sort()).toEqual(expected.map((a) => a.slug).sort());
    expect(bySlug.get('jiuzhaigou-valley')).toMatchObject({
      name: 'Jiuzhaigou Valley',
      localName: '九寨沟',
      level: 'AAAAA',
      location: { latitude: 33.083, longitude: 103.917 },
    });
    expect(bySlug.get('leshan-giant-buddha')!.localName).toBe('乐山大佛');
    expect(bySlug.has('dazu-rock-carvings')).toBe(false); // Chongqing
  });

  it('answers names in Chinese for zh-CN and keeps localName Chinese for everyone', async () => {
    const query = '{ attraction(slug: "mount-emei") { name localName destination { name localName } } }';
    const en = await subgraph.execute<{ attraction: Record<string, unknown> }>(query, {}, { locale: 'en' });
    const zh = await subgraph.execute<{ attraction: Record<string, unknown> }>(query, {}, { locale: 'zh-CN' });
    expect(en.data!.attraction).toEqual({
      name: 'Mount Emei',
      localName: '峨眉山',
      destination: { name: 'Emeishan City', localName: '峨眉山市' },
    });
    expect(zh.data!.attraction).toEqual({
      name: '峨眉山',
      localName: '峨眉山',
      destination: { name: '峨眉山市', localName: '峨眉山市' },
    });
  });

  it('finds attractions by id or slug, answers null for unknown ones and needs exactly one key', async () => {
    const id = stableId('attraction', 'sanxingdui-museum');
    const byId = await subgraph.execute<{ attraction: { slug: string } }>(`{ attraction(id: "${id}") { slug } }`);
    expect(byId.data!.attraction.slug).toBe('sanxingdui-museum');
    const bySlug = await subgraph.execute<{ destination: { id: string } }>('{ destination(slug: "chengdu") { id } }');
    expect(bySlug.data!.destination.id).toBe(stableId('destination', 'chengdu'));
    const missing = await subgraph.execute<{ attraction: null }>('{ attraction(slug: "atlantis") { id } }');
    expect(missing.data!.attraction).toBeNull();
    const both = await subgraph.execute(`{ attraction(id: "${id}", slug: "sanxingdui-museum") { id } }`);
    expect(both.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('filters by destination, category, corridor and search, and pages through every attraction once', async () => {
    const chengdu = await subgraph.execute<AttractionsData>(ATTRACTIONS_QUERY, {
      filter: { destinationId: stableId('destination', 'chengdu'), category: 'PANDA_BASE' },
    });
    expect(chengdu.data!.attractions.nodes.map((a) => a.slug)).toEqual([
      'chengdu-research-base-of-giant-panda-breeding',
    ]);
    const ski = await subgraph.execute<AttractionsData>(ATTRACTIONS_QUERY, { filter: { category: 'SKI_RESORT' } });
    expect(ski.data!.attractions.nodes.map((a) => a.slug).sort()).toEqual(
      ATTRACTIONS.filter((a) => a.category === 'SKI_RESORT')
        .map((a) => a.slug)
        .sort(),
    );
    const outside = await subgraph.execute<AttractionsData>(ATTRACTIONS_QUERY, {
      filter: { inBaShuCorridor: false },
      first: 100,
    });
    expect(outside.data!.attractions.totalCount).toBe(ATTRACTIONS.filter((a) => !a.inBaShuCorridor).length);
    expect(outside.data!.attractions.nodes.map((a) => a.slug)).toContain('jiuzhaigou-valley');
    const search = await subgraph.execute<AttractionsData>(ATTRACTIONS_QUERY, { filter: { search: 'PANDA' } });
    expect(search.data!.attractions.nodes.map((a) => a.slug)).toEqual(
      expect.arrayContaining(['bifengxia-panda-base', 'chengdu-research-base-of-giant-panda-breeding']),
    );
    const chinese = await subgraph.execute<AttractionsData>(ATTRACTIONS_QUERY, { filter: { search: '大佛' } });
    expect(chinese.data!.attractions.nodes.map((a) => a.slug)).toContain('leshan-giant-buddha');

    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 20; page += 1) {
      const result: { data?: AttractionsData | null } = await subgraph.execute<AttractionsData>(ATTRACTIONS_QUERY, {
        first: 7,
        after,
      });
      seen.push(...result.data!.attractions.nodes.map((a) => a.slug));
      if (!result.data!.attractions.pageInfo.hasNextPage) break;
      after = result.data!.attractions.pageInfo.endCursor;
    }
    expect(seen).toEqual(ATTRACTIONS.map((a) => a.slug).sort());
  });

  it('finds the panda base and Dujiangyan within 80 km of Tianfu Square, nearest first, but not Jiuzhaigou', async () => {
    const result = await subgraph.execute<AttractionsData>(ATTRACTIONS_QUERY, {
      filter: { near: { ...TIANFU_SQUARE, radiusKm: 80 } },
      first: 100,
    });
    expect(result.errors).toBeUndefined();
    const nodes = result.data!.attractions.nodes;
    const slugs = nodes.map((a) => a.slug);
    expect(slugs).toContain('chengdu-research-base-of-giant-panda-breeding');
    expect(slugs).toContain('dujiangyan-irrigation-system');
    expect(slugs).not.toContain('jiuzhaigou-valley');
    const distances = nodes.map((a) =>
      distanceKm(TIANFU_SQUARE.latitude, TIANFU_SQUARE.longitude, a.location.latitude, a.location.longitude),
    );
    expect(distances).toEqual([...distances].sort((x, y) => x - y));
    expect(Math.max(...distances)).toBeLessThanOrEqual(80);
    // Exactly the seeded attractions within 80 km, by an independent computation.
    const expected = ATTRACTIONS.filter(
      (a) => distanceKm(TIANFU_SQUARE.latitude, TIANFU_SQUARE.longitude, a.latitude, a.longitude) <= 80,
    );
    expect(result.data!.attractions.totalCount).toBe(expected.length);
    expect([...slugs].sort()).toEqual(expected.map((a) => a.slug).sort());
  });

  it('pages a near search in distance order with cursors, and combines it with other filters', async () => {
    const filter = { near: { ...TIANFU_SQUARE, radiusKm: 300 } };
    const whole = await subgraph.execute<AttractionsData>(ATTRACTIONS_QUERY, { filter, first: 100 });
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 30; page += 1) {
      const result: { data?: AttractionsData | null } = await subgraph.execute<AttractionsData>(ATTRACTIONS_QUERY, {
        filter,
        first: 4,
        after,
      });
      seen.push(...result.data!.attractions.nodes.map((a) => a.slug));
      if (!result.data!.attractions.pageInfo.hasNextPage) break;
      after = result.data!.attractions.pageInfo.endCursor;
    }
    expect(seen).toEqual(whole.data!.attractions.nodes.map((a) => a.slug));
    expect(seen.length).toBeGreaterThan(8);
    const heritage = await subgraph.execute<AttractionsData>(ATTRACTIONS_QUERY, {
      filter: { ...filter, worldHeritage: true, category: 'MUSEUM' },
    });
    expect(heritage.data!.attractions.totalCount).toBe(0);
    // A cursor of the slug order is not a cursor of a near search.
    const slugPage = await subgraph.execute<AttractionsData>(ATTRACTIONS_QUERY, { first: 1 });
    const mixed = await subgraph.execute(ATTRACTIONS_QUERY, {
      filter,
      after: slugPage.data!.attractions.pageInfo.endCursor,
    });
    expect(mixed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('narrows a near search in SQL by a bounding box that the latitude/longitude index serves', async () => {
    await subgraph.execute(ATTRACTIONS_QUERY, { filter: { near: { ...TIANFU_SQUARE, radiusKm: 80 } } });
    const statement = subgraph.database.queries.recent.at(-1)!;
    expect(statement).toMatch(/latitude.* BETWEEN .* AND .*longitude.* BETWEEN /);
    if (engine === 'sqlite') {
      const placeholders = statement.match(/\?/g)?.length ?? 0;
      const plan = await dataSource().query<Array<{ detail: string }>>(
        `EXPLAIN QUERY PLAN ${statement}`,
        Array.from({ length: placeholders }, () => 30),
      );
      expect(plan.map((step) => step.detail).join('\n')).toMatch(/ix_attraction_lat_lng/);
    }
  });

  it('refuses a near radius outside 1-500 km and coordinates off the globe with BAD_USER_INPUT', async () => {
    for (const near of [
      { ...TIANFU_SQUARE, radiusKm: 0.5 },
      { ...TIANFU_SQUARE, radiusKm: 501 },
      { latitude: 91, longitude: 104, radiusKm: 10 },
    ]) {
      const result = await subgraph.execute(ATTRACTIONS_QUERY, { filter: { near } });
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    const result = await subgraph.execute(ATTRACTIONS_QUERY, { filter: { near: { ...TIANFU_SQUARE, radiusKm: 600 } } });
    expect(result.errors?.[0]?.message).toMatch(/between 1 and 500 kilometres/);
  });

  it('answers tourismTrends for Sichuan in 2025 with 12 monthly rows matching sums of the stored rows', async () => {
    const result = await subgraph.execute<{ tourismTrends: Stat[] }>(
      '{ tourismTrends(province: SICHUAN, from: "2025-01", to: "2025-12") { month domesticVisitors inboundVisitors revenueCny } }',
    );
    expect(result.errors).toBeUndefined();
    const rows = result.data!.tourismTrends;
    expect(rows.map((r) => r.month)).toEqual(
      Array.from({ length: 12 }, (_, i) => `2025-${String(i + 1).padStart(2, '0')}`),
    );
    const sichuan = new Set(
      ATTRACTIONS.filter((a) => DESTINATIONS.find((d) => d.slug === a.destination)!.province === 'SICHUAN').map((a) =>
        stableId('attraction', a.slug),
      ),
    );
    const stored = await dataSource().getRepository(VisitorStat).find();
    for (const row of rows) {
      const month = stored.filter((s) => s.month === row.month && sichuan.has(s.attractionId));
      expect(month.length).toBe(sichuan.size);
      expect(row.domesticVisitors).toBe(month.reduce((sum, s) => sum + s.domesticVisitors, 0));
      expect(row.inboundVisitors).toBe(month.reduce((sum, s) => sum + s.inboundVisitors, 0));
      expect(row.revenueCny).toBe(month.reduce((sum, s) => sum + s.revenueCny, 0));
    }
  });

  it('shows plausible seasonality: ski resorts peak in winter, Jiuzhaigou in summer or autumn', async () => {
    const query = (slug: string) =>
      `{ attraction(slug: "${slug}") { visitorStats(from: "2025-01", to: "2025-12") { month domesticVisitors } } }`;
    const peak = async (slug: string) => {
      const result = await subgraph.execute<{ attraction: { visitorStats: Stat[] } }>(query(slug));
      const stats = result.data!.attraction.visitorStats;
      return stats.reduce((best, s) => (s.domesticVisitors > best.domesticVisitors ? s : best)).month;
    };
    expect(['2025-01', '2025-02', '2025-12']).toContain(await peak('xiling-snow-mountain-ski-resort'));
    expect(['2025-07', '2025-08', '2025-09', '2025-10']).toContain(await peak('jiuzhaigou-valley'));
  });

  it('sums a destination’s statistics over its attractions in the database', async () => {
    const result = await subgraph.execute<{
      destination: { attractions: Array<{ visitorStats: Stat[] }>; visitorStats: Stat[] };
    }>(
      `{ destination(slug: "dujiangyan") {
           attractions { visitorStats(from: "2024-07", to: "2024-09") { month domesticVisitors revenueCny } }
           visitorStats(from: "2024-07", to: "2024-09") { month domesticVisitors revenueCny }
         } }`,
    );
    const { attractions, visitorStats } = result.data!.destination;
    expect(attractions.length).toBeGreaterThanOrEqual(2);
    expect(visitorStats.map((s) => s.month)).toEqual(['2024-07', '2024-08', '2024-09']);
    visitorStats.forEach((stat, i) => {
      expect(stat.domesticVisitors).toBe(attractions.reduce((sum, a) => sum + a.visitorStats[i]!.domesticVisitors, 0));
      expect(stat.revenueCny).toBe(attractions.reduce((sum, a) => sum + a.visitorStats[i]!.revenueCny, 0));
    });
  });

  it('refuses malformed months, reversed ranges and ranges over 10 years with BAD_USER_INPUT', async () => {
    for (const [from, to] of [
      ['2025-13', '2025-12'],
      ['2025-1', '2025-12'],
      ['2025-12', '2025-01'],
      ['2015-01', '2025-01'],
    ]) {
      const trends = await subgraph.execute(`{ tourismTrends(from: "${from}", to: "${to}") { month } }`);
      expect(trends.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const stats = await subgraph.execute(
        `{ attraction(slug: "huanglong") { visitorStats(from: "${from}", to: "${to}") { month } } }`,
      );
      expect(stats.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    const tenYears = await subgraph.execute<{ tourismTrends: Stat[] }>(
      '{ tourismTrends(from: "2016-01", to: "2025-12") { month } }',
    );
    expect(tenYears.data!.tourismTrends).toHaveLength(120);
  });

  it('costs the same number of SQL statements for a page of 50 attractions as for 5, children included', async () => {
    const run = async (first: number) => {
      const count = await subgraph.database.queries.measure(async () => {
        const result = await subgraph.execute<{ attractions: { nodes: unknown[] } }>(PAGE_WITH_CHILDREN, { first });
        expect(result.errors).toBeUndefined();
        expect(result.data!.attractions.nodes).toHaveLength(first);
      });
      return count;
    };
    const five = await run(5);
    const fifty = await run(50);
    expect(fifty).toBe(five);
    expect(five).toBe(3); // the page, its destinations, their statistics
  });

  it('resolves entity references and destination lists in one statement each, whatever their number', async () => {
    const entities = `query($reps: [_Any!]!) { _entities(representations: $reps) {
      ... on Attraction { slug destination { attractions { slug } visitorStats(from: "2025-01", to: "2025-03") { month } } }
    } }`;
    const reps = (n: number) =>
      ATTRACTIONS.slice(0, n).map((a) => ({ __typename: 'Attraction', id: stableId('attraction', a.slug) }));
    const measure = (n: number) =>
      subgraph.database.queries.measure(async () => {
        const result = await subgraph.execute<{ _entities: Array<{ slug: string }> }>(entities, { reps: reps(n) });
        expect(result.errors).toBeUndefined();
        expect(result.data!._entities.map((e) => e.slug)).toEqual(ATTRACTIONS.slice(0, n).map((a) => a.slug));
      });
    const few = await measure(3);
    expect(await measure(50)).toBe(few);
    expect(few).toBe(4);
  });

  it('records a 10,000-row batch all or nothing, naming the bad row, and replaces rows on resend', async () => {
    const total = async () =>
      dataSource()
        .getRepository(VisitorStat)
        .createQueryBuilder('vs')
        .select('COUNT(*)', 'rows')
        .addSelect('SUM(vs.domestic_visitors)', 'domestic')
        .addSelect('SUM(vs.revenue_cny)', 'revenue')
        .getRawOne<{ rows: number | string; domestic: number | string; revenue: number | string }>()
        .then((r) => ({ rows: Number(r!.rows), domestic: Number(r!.domestic), revenue: Number(r!.revenue) }));
    const before = await total();
    const rows = batch(10_000);

    const bad = rows.map((row, i) => (i === 7321 ? { ...row, inboundVisitors: -5 } : row));
    const refused = await subgraph.execute(RECORD, { input: bad }, { viewer: ADMIN, requestId: 'stats-bad' });
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.message).toMatch(/row 7321 \(input\[7321\]\): inboundVisitors must be a non-negative/);
    expect(refused.errors?.[0]?.extensions?.field).toBe('input[7321].inboundVisitors');
    expect(await total()).toEqual(before);

    const unknown = rows.map((row, i) =>
      i === 9999 ? { ...row, attractionId: stableId('attraction', 'atlantis') } : row,
    );
    const refusedUnknown = await subgraph.execute(RECORD, { input: unknown }, { viewer: ADMIN });
    expect(refusedUnknown.errors?.[0]?.message).toMatch(/row 9999 .*is not an attraction/);
    expect(await total()).toEqual(before);

    const accepted = await subgraph.execute<{ recordVisitorStats: number }>(
      RECORD,
      { input: rows },
      { viewer: ADMIN, requestId: 'stats-ok' },
    );
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data!.recordVisitorStats).toBe(10_000);
    const after = await total();
    expect(after.rows).toBe(before.rows + 10_000);
    expect(after.domestic).toBe(before.domestic + rows.reduce((sum, r) => sum + r.domesticVisitors, 0));

    const again = await subgraph.execute<{ recordVisitorStats: number }>(RECORD, { input: rows }, { viewer: ADMIN });
    expect(again.data!.recordVisitorStats).toBe(10_000);
    expect(await total()).toEqual(after);

    const audit = dataSource().getRepository(AuditRecord);
    expect(await audit.findBy({ requestId: 'stats-bad' })).toEqual([
      expect.objectContaining({ operation: 'recordVisitorStats', outcome: 'REJECTED', errorCode: 'BAD_USER_INPUT' }),
    ]);
    expect(await audit.findBy({ requestId: 'stats-ok' })).toEqual([
      expect.objectContaining({ operation: 'recordVisitorStats', outcome: 'SUCCESS', detail: '10000 rows' }),
    ]);
  });

  it('refuses duplicate (attraction, month) rows, malformed months, empty and oversized batches', async () => {
    const [first, second] = batch(2);
    const duplicate = await subgraph.execute(RECORD, { input: [first, second, first] }, { viewer: ADMIN });
    expect(duplicate.errors?.[0]?.message).toMatch(/row 2 .*already in row 0/);
    const month = await subgraph.execute(RECORD, { input: [first, { ...second, month: '2025-7' }] }, { viewer: ADMIN });
    expect(month.errors?.[0]?.message).toMatch(/row 1 .*YYYY-MM/);
    const empty = await subgraph.execute(RECORD, { input: [] }, { viewer: ADMIN });
    expect(empty.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const oversized = await subgraph.execute(RECORD, { input: batch(10_001) }, { viewer: ADMIN });
    expect(oversized.errors?.[0]?.message).toMatch(/1 to 10000 rows/);
  });

  it('refuses figures beyond 2^53 - 1 and months after the current one in Asia/Shanghai, writing nothing', async () => {
    const stats = () => dataSource().getRepository(VisitorStat);
    const shanghaiMonth = (offsetMonths: number) => {
      const now = new Date(Date.now() + 8 * 3600_000);
      const index = now.getUTCFullYear() * 12 + now.getUTCMonth() + offsetMonths;
      return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
    };
    const [first, second] = batch(2).map((row) => ({ ...row, month: '1990-01' }));
    const before = await stats().count();
    const huge = await subgraph.execute(
      RECORD,
      { input: [first, { ...second!, revenueCny: 1e308 }] },
      { viewer: ADMIN },
    );
    expect(huge.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input[1].revenueCny' });
    expect(huge.errors?.[0]?.message).toBe(
      'row 1 (input[1]): revenueCny must be a non-negative number of at most 9007199254740991 (2^53 - 1), got 1e+308; nothing was written',
    );
    const inexact = await subgraph.execute(
      RECORD,
      { input: [{ ...first!, domesticVisitors: Number.MAX_SAFE_INTEGER + 2 }] },
      { viewer: ADMIN },
    );
    expect(inexact.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input[0].domesticVisitors' });
    const future = await subgraph.execute(
      RECORD,
      { input: [first, { ...second!, month: shanghaiMonth(1) }] },
      { viewer: ADMIN },
    );
    expect(future.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input[1].month' });
    expect(future.errors?.[0]?.message).toBe(
      `row 1 (input[1]): month ${shanghaiMonth(1)} is in the future: record months up to ${shanghaiMonth(0)} (Asia/Shanghai); nothing was written`,
    );
    expect(await stats().count()).toBe(before);
    const current = await subgraph.execute(
      RECORD,
      { input: [{ ...first!, month: shanghaiMonth(0), revenueCny: Number.MAX_SAFE_INTEGER }] },
      { viewer: ADMIN },
    );
    expect(current.errors).toBeUndefined();
  });

  it('lets only admins record statistics or upsert attractions, and audits the refusal', async () => {
    const member = await subgraph.execute(RECORD, { input: batch(1) }, { viewer: MEMBER, requestId: 'stats-member' });
    expect(member.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await subgraph.execute(RECORD, { input: batch(1) });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await dataSource().getRepository(AuditRecord).findBy({ requestId: 'stats-member' })).toEqual([
      expect.objectContaining({ outcome: 'DENIED', errorCode: 'FORBIDDEN' }),
    ]);
  });

  it('upserts an attraction by slug: creates it once, then updates it keeping its id', async () => {
    const upsert = `mutation($input: AttractionInput!) {
      upsertAttraction(input: $input) { id slug name localName level category worldHeritage inBaShuCorridor
        location { latitude longitude } destination { slug } } }`;
    const input = {
      slug: 'wenshu-monastery',
      name: 'Wenshu Monastery',
      localName: '文殊院',
      destinationId: stableId('destination', 'chengdu'),
      category: 'RELIGIOUS_SITE',
      level: 'AAAA',
      inBaShuCorridor: true,
      location: { latitude: 30.675, longitude: 104.073 },
    };
    type Upserted = { upsertAttraction: { id: string; name: string; worldHeritage: boolean } };
    const created = await subgraph.execute<Upserted>(upsert, { input }, { viewer: ADMIN });
    expect(created.errors).toBeUndefined();
    expect(created.data!.upsertAttraction).toMatchObject({ name: 'Wenshu Monastery', worldHeritage: false });
    const updated = await subgraph.execute<Upserted>(
      upsert,
      { input: { ...input, name: 'Wenshu Monastery (Manjushri Temple)' } },
      { viewer: ADMIN },
    );
    expect(updated.data!.upsertAttraction.id).toBe(created.data!.upsertAttraction.id);
    expect(updated.data!.upsertAttraction.name).toBe('Wenshu Monastery (Manjushri Temple)');
    const sichuan = await subgraph.execute<AttractionsData>(ATTRACTIONS_QUERY, {
      filter: { province: 'SICHUAN', search: 'wenshu' },
    });
    expect(sichuan.data!.attractions.totalCount).toBe(1);

    for (const [change, field] of [
      [{ destinationId: stableId('destination', 'atlantis') }, 'input.destinationId'],
      [{ level: 'AAAAAA' }, 'input.level'],
      [{ location: { latitude: 30.6, longitude: 190 } }, 'input.location.longitude'],
      [{ slug: 'Not A Slug' }, 'input.slug'],
    ] as const) {
      const refused = await subgraph.execute(upsert, { input: { ...input, ...change } }, { viewer: ADMIN });
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    const audit = await subgraph.execute<{ audit: unknown }>(
      '{ _entities(representations: [{ __typename: "AuditTrail", id: "alliance" }]) { ... on AuditTrail { tourism(filter: { operation: "upsertAttraction" }) { totalCount nodes { outcome actor { id } } } } } }',
      {},
      { viewer: ADMIN },
    );
    expect(audit.errors).toBeUndefined();
    expect(JSON.stringify(audit.data)).toMatch(/"totalCount":6/);
    expect(JSON.stringify(audit.data)).toContain(ADMIN.memberId);
  });

  it('seeds idempotently: a second seed neither duplicates nor empties anything', async () => {
    expect(await isEmpty(dataSource())).toBe(false);
    const before = await dataSource().getRepository(VisitorStat).count();
    await seed(dataSource(), { devCredentials: true });
    expect(await dataSource().getRepository(VisitorStat).count()).toBe(before);
    const all = await subgraph.execute<AttractionsData>(ATTRACTIONS_QUERY, { first: 0 });
    expect(all.data!.attractions.totalCount).toBe(53); // 52 seeded and the one upserted above
  });

  it('has migrations that produce exactly the schema the entities describe', async () => {
    const pending = await dataSource().driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });
});
