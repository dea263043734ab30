import { stableId } from '../../subgraphs/kit/ids';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { ENGINES } from '../support/databases';
import { type InProcessGateway, type InProcessGraph, startInProcessGraph } from '../support/gateway';
import { graphql } from '../support/processes';

// Usage recording at the gateway (gateway/stages/usage.ts) and the usage subgraph, end to end:
// known traffic in, and `usage` / `fieldUsage` through the gateway answer exactly that traffic.

const ADMIN = DEV_CREDENTIALS.admin.secret; // tianfu-daily
const MEMBER = DEV_CREDENTIALS.member.secret; // chengdu-evening-news
const ADMIN_MEMBER_ID = stableId('member', 'tianfu-daily');
const MEMBER_ID = stableId('member', 'chengdu-evening-news');

const MEMBER_FEED = 'query MemberFeed { viewer { role } contents(first: 2) { nodes { id title } } }';
const ADMIN_MEMBERS = 'query AdminMembers { members(first: 3) { nodes { id slug } } }';
const PUBLIC_ATTRACTIONS = 'query PublicAttractions { attractions(first: 2) { nodes { id name } } }';
// Cacheable (Attraction has a cache hint): anonymous repeats are answered by the response cache, before GraphQL.
const ONE_ATTRACTION = 'query OneAttraction { attraction(slug: "leshan-giant-buddha") { name } }';
const TOO_MANY_ATTRACTIONS = 'query PublicAttractions { attractions(first: 500) { nodes { id } } }';

interface Bucket {
  operations: number;
  errors: number;
  errorsByCode: Array<{ code: string; count: number }>;
  latencyP50Ms: number;
  latencyP99Ms: number;
  bytes: number;
}

/** Operations, errors and codes summed over buckets (the traffic may straddle an hour). */
function summed(buckets: Bucket[]) {
  const codes: Record<string, number> = {};
  for (const b of buckets) for (const { code, count } of b.errorsByCode) codes[code] = (codes[code] ?? 0) + count;
  return {
    operations: buckets.reduce((n, b) => n + b.operations, 0),
    errors: buckets.reduce((n, b) => n + b.errors, 0),
    codes,
  };
}

/** The sum of a metric's samples whose labels include `labels`. */
async function metric(gateway: InProcessGateway, name: string, labels = ''): Promise<number> {
  return (await gateway.metrics())
    .split('\n')
    .filter((line) => (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

describe.each(ENGINES)('usage recorded at the gateway, on %s', (engine) => {
  let graph: InProcessGraph;
  let url: string;
  const window = () => ({
    from: new Date(Date.now() - 3_600_000).toISOString(),
    to: new Date(Date.now() + 3_600_000).toISOString(),
  });

  beforeAll(async () => {
    // A flush interval longer than the test: the test flushes when its traffic is done.
    graph = await startInProcessGraph({ USAGE_FLUSH_MS: '600000' }, {}, engine);
    url = graph.gateway.url;
  });
  afterAll(async () => {
    await graph?.stop();
  });

  const run = (query: string, headers: Record<string, string> = {}) => graphql(url, query, {}, headers);
  const asAdmin = async <T>(query: string, variables: Record<string, unknown>) => {
    const { body } = await graphql<T>(url, query, variables, { authorization: `Bearer ${ADMIN}` });
    expect(body.errors).toBeUndefined();
    return body.data!;
  };
  const USAGE = `query Check($from: DateTime!, $to: DateTime!, $memberId: ID, $operation: String, $client: String) {
    usage(from: $from, to: $to, memberId: $memberId, operation: $operation, client: $client) {
      operations errors errorsByCode { code count } latencyP50Ms latencyP99Ms bytes
    }
  }`;
  const usage = async (filter: Record<string, unknown> = {}) =>
    (await asAdmin<{ usage: Bucket[] }>(USAGE, { ...window(), ...filter })).usage;
  const FIELD = `query CheckField($c: String!, $from: DateTime!, $to: DateTime!) {
    fieldUsage(coordinate: $c, from: $from, to: $to) { operations members { id slug } clients operationNames lastSeen }
  }`;
  const fieldUsage = async (coordinate: string) =>
    (await asAdmin<{ fieldUsage: Record<string, unknown> }>(FIELD, { c: coordinate, ...window() })).fieldUsage;

  it('answers exactly the counts of 300 scripted requests by two members and anonymous callers, errors included', async () => {
    const member = {
      authorization: `Bearer ${MEMBER}`,
      'apollographql-client-name': 'newsroom',
      'apollographql-client-version': '3.1',
    };
    const admin = { authorization: `Bearer ${ADMIN}`, 'graphql-client-name': 'console' };
    // In rounds of ten at once: known traffic, not a load test.
    const script: Array<[string, Record<string, string>, number, number]> = [
      [MEMBER_FEED, member, 100, 10],
      [ADMIN_MEMBERS, admin, 80, 10],
      [PUBLIC_ATTRACTIONS, {}, 80, 10],
      // One at a time, so that all but the first are cache hits.
      [ONE_ATTRACTION, {}, 10, 1],
      [TOO_MANY_ATTRACTIONS, {}, 20, 10],
      [PUBLIC_ATTRACTIONS, { authorization: 'Bearer alk_nosuchkey_0000000000000000000000000000000000000000' }, 10, 10],
    ];
    const statuses: Record<number, number> = {};
    for (const [query, headers, times, atOnce] of script) {
      for (let i = 0; i < times; i += atOnce) {
        const round = await Promise.all(Array.from({ length: atOnce }, () => run(query, headers)));
        for (const { status } of round) statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }
    expect(statuses).toEqual({ 200: 290, 401: 10 });
    expect(graph.gateway.logs().filter((line) => line.cached === true)).toHaveLength(9);

    await graph.gateway.built.usage!.flush();
    expect(await metric(graph.gateway, 'usage_flushes_total', 'outcome="ok"')).toBe(1);

    const all = await usage();
    expect(summed(all)).toEqual({
      operations: 300,
      errors: 30,
      codes: { BAD_USER_INPUT: 20, UNAUTHENTICATED: 10 },
    });
    for (const bucket of all) {
      expect(bucket.latencyP50Ms).toBeGreaterThan(0);
      expect(bucket.latencyP99Ms).toBeGreaterThanOrEqual(bucket.latencyP50Ms);
      expect(bucket.bytes).toBeGreaterThan(0);
    }
    // The refusals name the stage that made them.
    const { usage: refusals } = await asAdmin<{ usage: Array<{ refusals: Array<{ stage: string; count: number }> }> }>(
      'query Refusals($from: DateTime!, $to: DateTime!) { usage(from: $from, to: $to) { refusals { stage count } } }',
      window(),
    );
    const byStage: Record<string, number> = {};
    for (const { stage, count } of refusals.flatMap((bucket) => bucket.refusals))
      byStage[stage] = (byStage[stage] ?? 0) + count;
    expect(byStage).toEqual({ identity: 10 });
    expect(summed(await usage({ memberId: MEMBER_ID }))).toEqual({ operations: 100, errors: 0, codes: {} });
    expect(summed(await usage({ memberId: ADMIN_MEMBER_ID }))).toEqual({ operations: 80, errors: 0, codes: {} });
    expect(summed(await usage({ operation: 'PublicAttractions' }))).toEqual({
      operations: 110 - 10,
      errors: 20,
      codes: { BAD_USER_INPUT: 20 },
    });
    expect(summed(await usage({ client: 'newsroom' })).operations).toBe(100);
    expect(summed(await usage({ client: 'console' })).operations).toBe(80);

    // The member reads its own usage, as Query.usage and as Member.usage.
    const own = await graphql<{ usage: Bucket[] }>(url, USAGE, window(), { authorization: `Bearer ${MEMBER}` });
    expect(own.body.errors).toBeUndefined();
    expect(summed(own.body.data!.usage).operations).toBe(100);
    const viaMember = await graphql<{ member: { usage: Bucket[] } }>(
      url,
      `
        query Own($from: DateTime!, $to: DateTime!) {
          member(slug: "chengdu-evening-news") {
            usage(from: $from, to: $to) {
              operations
              errors
              errorsByCode {
                code
                count
              }
            }
          }
        }
      `,
      window(),
      { authorization: `Bearer ${MEMBER}` },
    );
    expect(viaMember.body.errors).toBeUndefined();
    expect(summed(viaMember.body.data!.member.usage)).toEqual({ operations: 100, errors: 0, codes: {} });
    const others = await graphql(
      url,
      USAGE,
      { ...window(), memberId: ADMIN_MEMBER_ID },
      { authorization: `Bearer ${MEMBER}` },
    );
    expect(others.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // Who selected which field.
    expect(await fieldUsage('Content.title')).toEqual({
      operations: 100,
      members: [{ id: MEMBER_ID, slug: 'chengdu-evening-news' }],
      clients: ['newsroom/3.1'],
      operationNames: ['MemberFeed'],
      lastSeen: expect.any(String),
    });
    expect(await fieldUsage('Member.slug')).toEqual(
      expect.objectContaining({
        operations: 80,
        members: [{ id: ADMIN_MEMBER_ID, slug: 'tianfu-daily' }],
        clients: ['console'],
      }),
    );
    // Anonymous callers count, but name no member or client; the refused ones selected nothing.
    // Answers from the response cache count with the fields of their document.
    expect(await fieldUsage('Attraction.name')).toEqual(
      expect.objectContaining({
        operations: 80 + 10,
        members: [],
        clients: [],
        operationNames: ['OneAttraction', 'PublicAttractions'],
      }),
    );
    expect((await fieldUsage('Query.attractions')).operations).toBe(100);
    expect((await fieldUsage('Query.attraction')).operations).toBe(10);
    expect(await fieldUsage('Content.body')).toEqual(expect.objectContaining({ operations: 0, lastSeen: null }));
  });

  it('refuses the 101st operation of a member with a budget of 100 with 429 QUOTA_EXCEEDED, and counts no refusal', async () => {
    const recorder = graph.gateway.built.usage!;
    const SET = 'mutation Budget($m: ID!, $n: Int) { setMemberQuota(memberId: $m, monthlyOperations: $n) { id } }';
    const QUOTA = `query Quota { member(slug: "chengdu-evening-news") { quota { monthlyOperations usedThisMonth resetsAt } } }`;
    const quota = async () =>
      (
        await asAdmin<{
          member: { quota: { monthlyOperations: number; usedThisMonth: number; resetsAt: string } | null };
        }>(QUOTA, {})
      ).member.quota;
    // What the member has used so far this month, all of it stored.
    await asAdmin(SET, { m: MEMBER_ID, n: 1_000_000 });
    await recorder.flush();
    const used = (await quota())!.usedThisMonth;
    expect(used).toBeGreaterThan(0);
    await asAdmin(SET, { m: MEMBER_ID, n: used + 100 });
    // The gateway reads the budgets after each flush.
    await recorder.flush();

    const member = { authorization: `Bearer ${MEMBER}` };
    for (let i = 0; i < 100; i += 1) expect((await run(MEMBER_FEED, member)).status).toBe(200);
    const refused = await graphql(url, MEMBER_FEED, {}, member);
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('QUOTA_EXCEEDED');
    const next = new Date();
    const resetsAt = new Date(Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 1)).toISOString();
    expect(refused.body.errors?.[0]?.message).toContain(`it resets at ${resetsAt}`);
    // Others go on.
    expect((await run(ADMIN_MEMBERS, { authorization: `Bearer ${ADMIN}` })).status).toBe(200);

    await recorder.flush();
    expect(await quota()).toEqual({ monthlyOperations: used + 100, usedThisMonth: used + 100, resetsAt });
    // Still refused once the subgraph holds the count; served again once the budget is removed.
    expect((await run(MEMBER_FEED, member)).status).toBe(429);
    await asAdmin(SET, { m: MEMBER_ID, n: null });
    await recorder.flush();
    expect((await run(MEMBER_FEED, member)).status).toBe(200);
  });

  it('never fails a request when the usage subgraph is down: the failed flush is counted and its rows kept', async () => {
    const gateway = await graph.startGateway({
      USAGE_FLUSH_MS: '600000',
      // Nothing listens there: a closed port.
      SUBGRAPH_USAGE_URL: 'http://127.0.0.1:9/graphql',
    });
    for (let i = 0; i < 5; i += 1) expect((await graphql(gateway.url, PUBLIC_ATTRACTIONS)).status).toBe(200);
    await gateway.built.usage!.flush();
    expect(await metric(gateway, 'usage_flushes_total', 'outcome="failed"')).toBe(1);
    expect(await metric(gateway, 'usage_buffered_rows')).toBe(1);
    expect(await metric(gateway, 'usage_dropped_operations_total')).toBe(0);
  });

  it('drops the oldest kept batch when USAGE_BUFFER_ROWS rows are held, and counts what it dropped', async () => {
    const gateway = await graph.startGateway({
      USAGE_FLUSH_MS: '600000',
      USAGE_FLUSH_ROWS: '1',
      USAGE_BUFFER_ROWS: '1',
      SUBGRAPH_USAGE_URL: 'http://127.0.0.1:9/graphql',
    });
    // Three series (three operations), one row each; each new row pushes the previous, kept after its failed flush, out.
    for (const query of [PUBLIC_ATTRACTIONS, ADMIN_MEMBERS, MEMBER_FEED]) await graphql(gateway.url, query);
    await gateway.built.usage!.flush();
    expect(await metric(gateway, 'usage_dropped_operations_total')).toBeGreaterThanOrEqual(1);
    expect(await metric(gateway, 'usage_buffered_rows')).toBeLessThanOrEqual(1);
  });
});
