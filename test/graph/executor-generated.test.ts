import { Kind, parse } from 'graphql';
import { loadExamples } from '../../examples/catalog';
import { stableId } from '../../subgraphs/kit/ids';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { ENGINES } from '../support/databases';
import { type InProcessGateway, type InProcessGraph, startInProcessGraph } from '../support/gateway';
import { generateOperations } from '../support/operations';
import { graphql } from '../support/processes';

/**
 * Differential testing of the gateway's own executor (GATEWAY_EXECUTOR=ours), with Apollo's
 * planner and with Hive's (GATEWAY_PLANNER=hive), against Apollo's executor, the reference:
 * the same read through the three gateways over the same seeded subgraphs must answer the
 * same status, data and errors (messages, paths, codes). The reads are the examples, the
 * queries of the graph suites, and operations generated at random over the public API.
 * Reads only: a mutation would change what the next gateway reads.
 */
/**
 * Another seed, size or depth widens a run:
 * `DIFFERENTIAL_SEED=0x1234 DIFFERENTIAL_COUNT=1000 DIFFERENTIAL_DEPTH=5 DIFFERENTIAL_DOWN=300`.
 */
const SEED = Number(process.env.DIFFERENTIAL_SEED ?? 0x5eed17);
const GENERATED = Number(process.env.DIFFERENTIAL_COUNT ?? 150);
const DEPTH = Number(process.env.DIFFERENTIAL_DEPTH ?? 4);
/** How many generated reads run again with a subgraph down. */
const DOWN = Number(process.env.DIFFERENTIAL_DOWN ?? 60);

type Caller = 'anonymous' | 'member' | 'admin';
const HEADERS: Record<Caller, Record<string, string>> = {
  anonymous: {},
  member: { authorization: `Bearer ${DEV_CREDENTIALS.member.secret}` },
  admin: { authorization: `Bearer ${DEV_CREDENTIALS.admin.secret}` },
};

interface Read {
  name: string;
  document: string;
  variables: Record<string, unknown>;
  caller: Caller;
  headers?: Record<string, string>;
}

const SELF_ID = stableId('member', 'chengdu-evening-news');
const OTHER_ID = stableId('member', 'bayu-video');
const WINTER_ID = stableId('campaign', 'winter-tourism-season-2024');

/** The reads of the graph suites (test/graph/*.test.ts), with the callers they use. */
const SUITE_READS: Array<Omit<Read, 'name'>> = [
  {
    document: `{ campaign(slug: "winter-tourism-season-2024") { name startsOn organizer { name }
      participants(first: 50) { totalCount nodes { role member { name kind } } }
      metrics { impressions engagements clicks reports } } }`,
    variables: {},
    caller: 'anonymous',
  },
  {
    document: `{ campaign(id: "${WINTER_ID}") { participants(first: 50) { nodes { member { name kind } } }
      destinations { slug name worldHeritage } metrics { impressions engagements clicks reports } } }`,
    variables: {},
    caller: 'member',
  },
  {
    document: '{ attraction(slug: "bifengxia-panda-base") { name campaigns { slug } } }',
    variables: {},
    caller: 'anonymous',
  },
  {
    document: '{ member(slug: "sichuan-short-video") { name campaigns { role campaign { slug status } } } }',
    variables: {},
    caller: 'anonymous',
  },
  {
    document: `{ campaign(id: "${WINTER_ID}") { metrics { impressions engagements clicks reports } dailyMetrics { date reports } } }`,
    variables: {},
    caller: 'admin',
  },
  { document: '{ campaign(slug: "spring-blossoms-2026") { status } }', variables: {}, caller: 'anonymous' },
  { document: '{ campaign(slug: "spring-blossoms-2026") { status } }', variables: {}, caller: 'admin' },
  {
    document: `query($first: Int) { campaigns(first: $first) { nodes { participants(first: 10) { nodes { member { name } } }
      destinations { name } metrics { engagements } } } }`,
    variables: { first: 5 },
    caller: 'admin',
  },
  {
    document: `query($f: AuditFilter) { audit { campaigns(filter: $f, first: 20) { nodes { operation outcome actor { name } } } } }`,
    variables: { f: { targetId: WINTER_ID } },
    caller: 'admin',
  },
  {
    document: `query($a: ID!) { contents(filter: { authorId: $a }, first: 0) { totalCount }
      audit { content(filter: { outcome: REJECTED }, first: 0) { totalCount } } }`,
    variables: { a: SELF_ID },
    caller: 'admin',
  },
  {
    document:
      '{ contents(first: 50, filter: { status: PUBLISHED }) { totalCount nodes { title language author { name kind } } } }',
    variables: {},
    caller: 'anonymous',
  },
  {
    document: 'query($id: ID!) { content(id: $id) { id title status publishedAt author { name } } }',
    variables: { id: stableId('content', 'seed-4') },
    caller: 'member',
  },
  {
    document: '{ members(first: 10) { nodes { name contents(first: 5) { nodes { title } } } } }',
    variables: {},
    caller: 'anonymous',
  },
  {
    document:
      '{ attractions(first: 10) { nodes { name stories(first: 3) { totalCount nodes { title author { name } } } } } }',
    variables: {},
    caller: 'anonymous',
  },
  {
    document: `{ campaign(slug: "winter-tourism-season-2024") { name contents(first: 5) { totalCount nodes { title campaign { slug } } } } }`,
    variables: {},
    caller: 'anonymous',
  },
  {
    document: 'query($f: AuditFilter) { audit { membership(filter: $f, first: 0) { totalCount } } }',
    variables: { f: { outcome: 'DENIED' } },
    caller: 'admin',
  },
  { document: '{ viewer { role member { slug } } }', variables: {}, caller: 'member' },
  { document: '{ viewer { role member { slug } } }', variables: {}, caller: 'anonymous' },
  { document: `{ member(id: "${SELF_ID}") { contactEmail apiKeys { prefix } } }`, variables: {}, caller: 'member' },
  { document: `{ member(id: "${OTHER_ID}") { contactEmail } }`, variables: {}, caller: 'member' },
  { document: `{ member(id: "${OTHER_ID}") { contactEmail } }`, variables: {}, caller: 'admin' },
  { document: '{ member(slug: "refused-radio") { id } }', variables: {}, caller: 'anonymous' },
  { document: `{ member(id: "${OTHER_ID}") { name } }`, variables: {}, caller: 'anonymous' },
  { document: '{ members { totalCount } }', variables: {}, caller: 'anonymous' },
  {
    document: `query($f: AuditFilter, $after: String) { audit { membership(filter: $f, first: 2, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } nodes { id operation outcome errorCode actorRole actor { slug } } } } }`,
    variables: {},
    caller: 'admin',
  },
  { document: '{ audit { membership { totalCount } } }', variables: {}, caller: 'member' },
  { document: '{ audit { membership { totalCount } } }', variables: {}, caller: 'anonymous' },
  {
    document: `{ attractions(first: 100, filter: { province: SICHUAN, worldHeritage: true }) { totalCount
      nodes { name localName level location { latitude longitude } destination { name } } } }`,
    variables: {},
    caller: 'anonymous',
  },
  {
    document: '{ attraction(slug: "sanxingdui-museum") { name localName } }',
    variables: {},
    caller: 'anonymous',
    headers: { 'accept-language': 'zh-CN,zh;q=0.9' },
  },
  {
    document:
      '{ attractions(first: 100, filter: { near: { latitude: 30.657, longitude: 104.066, radiusKm: 80 } }) { nodes { slug } } }',
    variables: {},
    caller: 'anonymous',
  },
  {
    document:
      '{ attractions(filter: { near: { latitude: 30.657, longitude: 104.066, radiusKm: 501 } }) { totalCount } }',
    variables: {},
    caller: 'anonymous',
  },
  {
    document:
      '{ tourismTrends(province: SICHUAN, from: "2025-01", to: "2025-12") { month domesticVisitors inboundVisitors revenueCny } }',
    variables: {},
    caller: 'anonymous',
  },
  {
    document: `{ attractions(first: 100, filter: { province: SICHUAN }) { totalCount
      nodes { visitorStats(from: "2025-01", to: "2025-12") { month domesticVisitors inboundVisitors revenueCny } } } }`,
    variables: {},
    caller: 'anonymous',
  },
  {
    document:
      'query($first: Int) { attractions(first: $first) { nodes { destination { name } visitorStats(from: "2025-01", to: "2025-06") { month } } } }',
    variables: { first: 20 },
    caller: 'anonymous',
  },
  {
    document:
      '{ audit { tourism(filter: { operation: "recordVisitorStats" }, first: 10) { nodes { operation outcome actor { slug } } } } }',
    variables: {},
    caller: 'admin',
  },
];

const EXAMPLE_READS: Read[] = loadExamples()
  .filter((example) =>
    parse(example.document).definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && d.operation === 'query'),
  )
  .map((example) => ({
    name: `example ${example.name}`,
    document: example.document,
    variables: example.variables,
    caller: example.credential,
    headers: example.headers,
  }));

/** Anonymous, member and admin in turn: access rules and masking differ by caller. */
const CALLERS: Caller[] = ['anonymous', 'member', 'admin'];

/** The reads of one engine's run: each engine gets its own seed (SEED + its index), so two engines try twice as many. */
function readsOf(seed: number): Read[] {
  const generated = generateOperations(seed, GENERATED, DEPTH).map((operation, i) => ({
    name: `generated #${i} (seed 0x${seed.toString(16)}, depth ${DEPTH})`,
    ...operation,
    caller: CALLERS[i % CALLERS.length]!,
  }));
  return [
    ...EXAMPLE_READS,
    ...SUITE_READS.map((read, i) => ({ name: `graph suite read #${i} as ${read.caller}`, ...read })),
    ...generated,
  ];
}

/**
 * A response without what differs by request: the request id, and the order of errors. GraphQL
 * leaves that order open, and Apollo's executor lists a fetch's errors when the fetch returns,
 * so fetches run in parallel (or grouped otherwise by another planner) list them in another order.
 */
function comparable(response: Awaited<ReturnType<typeof graphql>>) {
  return {
    status: response.status,
    data: response.body.data,
    errors: response.body.errors
      ?.map(({ extensions, ...error }) => {
        const { requestId: _requestId, ...rest } = extensions ?? {};
        return { ...error, extensions: rest };
      })
      .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)),
  };
}

/**
 * Paths Apollo's executor nulled without an error: it reports a null at a non-null field that no
 * subgraph error explains in `extensions.valueCompletion`, not in `errors`, so `data` can be null
 * with no error at all (e.g. `{ audit @include(if: $c) { id @skip(if: true) } }`, where its
 * planner leaves out the fetch). The GraphQL spec makes such a null a field error ("Errors and
 * Non-Null Fields"), so our executor answers an error there (the subgraph's, when its plan still
 * fetches, as Hive's does). The one exception to "identical": an error at each such path.
 */
function silentNulls(response: Awaited<ReturnType<typeof graphql>>): string[] {
  const { extensions } = response.body as { extensions?: { valueCompletion?: Array<{ path?: unknown }> } };
  return (extensions?.valueCompletion ?? []).map((e) => JSON.stringify(e.path));
}

/** No response cache (every request runs its plan), no rate limits, limits that admit every read. */
const ENV = {
  RESPONSE_CACHE_ENTRIES: '0',
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: '0',
  RATE_LIMIT_MEMBER_PER_MINUTE: '0',
  RATE_LIMIT_ADMIN_PER_MINUTE: '0',
  LIMIT_MAX_ALIASES: '1000',
  LIMIT_MAX_DIRECTIVES: '1000',
  LIMIT_MAX_TOKENS: '100000',
  LIMIT_MAX_COST: '10000000',
};

describe.each(ENGINES.map((engine, i) => [engine, readsOf(SEED + i)] as const))(
  "the gateway's own executor answers as Apollo's on %s",
  (engine, reads) => {
    let graph: InProcessGraph;
    let ours: InProcessGateway;
    let hive: InProcessGateway;
    beforeAll(async () => {
      graph = await startInProcessGraph(ENV, {}, engine);
      ours = await graph.startGateway({ ...ENV, GATEWAY_EXECUTOR: 'ours' });
      hive = await graph.startGateway({ ...ENV, GATEWAY_EXECUTOR: 'ours', GATEWAY_PLANNER: 'hive' });
      // A key's first use writes its lastUsedAt (then at most once a minute): used first by three
      // gateways at once, each could write its own instant, and `viewer { member { apiKeys {
      // lastUsedAt } } }` would differ by milliseconds. One use through each gateway in turn first.
      for (const gateway of [graph.gateway, ours, hive])
        for (const headers of Object.values(HEADERS)) await graphql(gateway.url, '{ viewer { role } }', {}, headers);
    });
    afterAll(() => graph?.stop());

    const compare = async (read: Read) => {
      const headers = { ...read.headers, ...HEADERS[read.caller] };
      const [apollo, own, hivePlanned] = await Promise.all(
        [graph.gateway, ours, hive].map((gateway) => graphql(gateway.url, read.document, read.variables, headers)),
      );
      const expected = comparable(apollo!);
      const silent = silentNulls(apollo!);
      for (const [planner, response] of [
        ['apollo', own!],
        ['hive', hivePlanned!],
      ] as const) {
        const actual = comparable(response);
        if (silent.length > 0) {
          // The documented exception: see `silentNulls`. Same data, same other errors, an error at each such null.
          expect(actual.data).toEqual(expected.data);
          const at = (e: { path?: unknown }) => silent.includes(JSON.stringify(e.path));
          expect((actual.errors ?? []).filter((e) => !at(e))).toEqual((expected.errors ?? []).filter((e) => !at(e)));
          for (const path of silent) expect(actual.errors?.map((e) => JSON.stringify(e.path))).toContain(path);
          continue;
        }
        try {
          expect(actual).toEqual(expected);
        } catch (error) {
          throw new Error(
            `${read.name}, ours with ${planner}'s planner differs from Apollo's executor:\n${String(error)}`,
            { cause: error },
          );
        }
      }
    };

    it.each(reads.map((read) => [read.name, read] as const))('%s', (_name, read) => compare(read));

    // Last: it stops a subgraph. Partial data, SUBGRAPH_UNAVAILABLE at each affected path.
    it(`answers the same partial data with the campaigns subgraph down (first ${DOWN} generated reads)`, async () => {
      await graph.subgraphs.campaigns!.stop();
      for (const read of reads.filter((r) => r.name.startsWith('generated')).slice(0, DOWN)) await compare(read);
    });
  },
);
