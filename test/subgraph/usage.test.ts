import { randomUUID } from 'node:crypto';
import { stableId } from '../../subgraphs/kit/ids';
import {
  ANONYMOUS,
  ASSERTION_HEADER,
  GRAPH_AUDIENCE,
  IDENTITY_AUDIENCE,
  type Identity,
  signAssertion,
} from '../../subgraphs/kit/identity';
import { listen } from '../../subgraphs/kit/server';
import { latencyBucket } from '../../subgraphs/usage/latency';
import { RollupRepository } from '../../subgraphs/usage/repositories/rollup';
import { rollUp } from '../../subgraphs/usage/rollup';
import { usage as usageSubgraph } from '../../subgraphs/usage/server';
import { USAGE_INGEST_PATH, USAGE_QUOTAS_PATH, type UsageBatch, type UsageRowInput } from '../../subgraphs/usage/wire';
import { ENGINES } from '../support/databases';
import { openSubgraph, type SubgraphHarness, TEST_SECURITY } from '../support/subgraph';
import { usageRow } from '../support/usage';

const MEMBER_A = stableId('member', 'chengdu-evening-news');
const MEMBER_B = stableId('member', 'bayu-video');
const ADMIN: Identity = { role: 'ADMIN', memberId: stableId('member', 'tianfu-daily'), keyId: null };
const A: Identity = { role: 'MEMBER', memberId: MEMBER_A, keyId: null };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A day well in the past (whole UTC day), so that every bucket of the test has ended. */
const DAY0 = Math.floor((Date.now() - 3 * DAY) / DAY) * DAY;

const USAGE = `query($from: DateTime!, $to: DateTime!, $g: UsageGranularity, $memberId: ID, $operation: String, $client: String) {
  usage(from: $from, to: $to, granularity: $g, memberId: $memberId, operation: $operation, client: $client) {
    start operations errors errorsByCode { code count } latencyP50Ms latencyP95Ms latencyP99Ms bytes
  }
}`;

interface Bucket {
  start: string;
  operations: number;
  errors: number;
  errorsByCode: Array<{ code: string; count: number }>;
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyP99Ms: number;
  bytes: number;
}

describe.each(ENGINES)('the usage subgraph on %s', (engine) => {
  let harness: SubgraphHarness;
  let url: string;

  beforeAll(async () => {
    harness = await openSubgraph(usageSubgraph, engine);
    url = `http://127.0.0.1:${await listen(harness.built.httpServer, 0, '127.0.0.1')}`;
  });
  afterAll(async () => {
    harness.built.httpServer.closeAllConnections();
    harness.built.httpServer.close();
    await harness.close();
  });

  const post = async (batch: unknown, headers: Record<string, string>) => {
    const response = await fetch(`${url}${USAGE_INGEST_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(batch),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const signed = async () => ({
    [ASSERTION_HEADER]: await signAssertion(ANONYMOUS, TEST_SECURITY.assertionKey, IDENTITY_AUDIENCE),
  });
  const send = async (batch: Omit<UsageBatch, 'id'>) => {
    const answer = await post({ id: randomUUID(), ...batch }, await signed());
    expect(answer).toEqual({ status: 200, body: { stored: true } });
  };
  const usage = async (variables: Record<string, unknown>, viewer: Identity = ADMIN) => {
    const result = await harness.execute<{ usage: Bucket[] }>(USAGE, variables, { viewer });
    expect(result.errors).toBeUndefined();
    return result.data!.usage;
  };
  const totals = (buckets: Bucket[]) => buckets.map((b) => [b.start, b.operations, b.errors]);

  it('refuses batches the gateway did not sign, and counts a batch sent twice once', async () => {
    const batch = { id: randomUUID(), rows: [usageRow(DAY0, 5)], documents: [] };
    const refused = {
      status: 401,
      body: { errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })] },
    };
    expect(await post(batch, {})).toEqual(refused);
    const forged = await signAssertion(
      ANONYMOUS,
      { ...TEST_SECURITY.assertionKey, secret: new TextEncoder().encode('x'.repeat(40)) },
      IDENTITY_AUDIENCE,
    );
    expect(await post(batch, { [ASSERTION_HEADER]: forged })).toEqual(refused);
    // An assertion for graph requests is not one for internal calls.
    const graphAssertion = await signAssertion(ANONYMOUS, TEST_SECURITY.assertionKey, GRAPH_AUDIENCE);
    expect(await post(batch, { [ASSERTION_HEADER]: graphAssertion })).toEqual(refused);
    // The budgets the gateway reads are as closed.
    const quotas = await fetch(`${url}${USAGE_QUOTAS_PATH}`, { method: 'POST' });
    expect(quotas.status).toBe(401);
    await quotas.body?.cancel();

    expect(await post(batch, await signed())).toEqual({ status: 200, body: { stored: true } });
    expect(await post(batch, await signed())).toEqual({ status: 200, body: { stored: false } });
    const buckets = await usage({ from: new Date(DAY0).toISOString(), to: new Date(DAY0 + HOUR).toISOString() });
    expect(totals(buckets)).toEqual([[new Date(DAY0).toISOString(), 5, 0]]);

    const malformed = await post(
      { id: randomUUID(), rows: [{ ...usageRow(DAY0, 1), minute: DAY0 + 1 }], documents: [] },
      await signed(),
    );
    expect(malformed.status).toBe(400);
    expect(JSON.stringify(malformed.body)).toContain('rows[0].minute must be a whole minute');
  });

  it('answers buckets per minute, hour and day with errors by code, latency percentiles and bytes', async () => {
    const t = DAY0 + 2 * HOUR; // a fresh hour of day 0
    await send({
      rows: [
        usageRow(t, 8, { memberId: MEMBER_A, operationName: 'Stories', clientName: 'web', clientVersion: '1.2' }),
        usageRow(t, 2, {
          memberId: MEMBER_A,
          operationName: 'Stories',
          outcome: 'error',
          errors: 2,
          errorCodes: { NOT_FOUND: 2, FORBIDDEN: 1 },
          latency: [[latencyBucket(100), 2]],
        }),
        usageRow(t + 60_000, 10, {
          memberId: MEMBER_B,
          operationName: 'Stories',
          latency: [[latencyBucket(1000), 10]],
        }),
      ],
      documents: [],
    });
    const window = { from: new Date(t).toISOString(), to: new Date(t + HOUR).toISOString() };
    expect(totals(await usage({ ...window, g: 'MINUTE' }))).toEqual([
      [new Date(t).toISOString(), 10, 2],
      [new Date(t + 60_000).toISOString(), 10, 0],
    ]);
    const [hour] = await usage(window);
    expect(hour).toEqual({
      start: new Date(t).toISOString(),
      operations: 20,
      errors: 2,
      errorsByCode: [
        { code: 'NOT_FOUND', count: 2 },
        { code: 'FORBIDDEN', count: 1 },
      ],
      // 8 at 10 ms, 2 at 100 ms, 10 at 1 s: the median falls in the 10 ms bucket (≤ 25 % above).
      latencyP50Ms: expect.any(Number),
      latencyP95Ms: expect.any(Number),
      latencyP99Ms: expect.any(Number),
      bytes: 2000,
    });
    expect(hour!.latencyP50Ms).toBeGreaterThanOrEqual(100);
    expect(hour!.latencyP50Ms).toBeLessThanOrEqual(125);
    expect(hour!.latencyP95Ms).toBeGreaterThanOrEqual(1000);
    expect(hour!.latencyP95Ms).toBeLessThanOrEqual(1250);
    // Filters: a member, an operation name, a client name.
    expect(totals(await usage({ ...window, memberId: MEMBER_B }))).toEqual([[new Date(t).toISOString(), 10, 0]]);
    expect(totals(await usage({ ...window, client: 'web' }))).toEqual([[new Date(t).toISOString(), 8, 0]]);
    expect(await usage({ ...window, operation: 'Nothing' })).toEqual([]);
    // A member sees its own usage without naming itself.
    expect(totals(await usage(window, A))).toEqual([[new Date(t).toISOString(), 10, 2]]);
  });

  it('lets a member read only its own usage, and nobody unsigned', async () => {
    const window = { from: new Date(DAY0).toISOString(), to: new Date(DAY0 + HOUR).toISOString() };
    const other = await harness.execute(USAGE, { ...window, memberId: MEMBER_B }, { viewer: A });
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await harness.execute(USAGE, window, { viewer: ANONYMOUS });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const backwards = await harness.execute(USAGE, { from: window.to, to: window.from }, { viewer: ADMIN });
    expect(backwards.errors?.[0]?.extensions).toEqual(
      expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'from' }),
    );
    const tooMany = await harness.execute(
      USAGE,
      { from: window.from, to: new Date(DAY0 + 30 * DAY).toISOString(), g: 'MINUTE' },
      { viewer: ADMIN },
    );
    expect(tooMany.errors?.[0]?.message).toMatch(/more than 1500: narrow it or choose a wider granularity/);
  });

  it('keeps the counts when minute rows are rolled into hours and days, late rows and pruning included', async () => {
    const base = DAY0 - 2 * DAY; // two days of their own
    const rows: UsageRowInput[] = [];
    for (let h = 0; h < 30; h += 1)
      for (const m of [0, 7, 59])
        rows.push(usageRow(base + h * HOUR + m * 60_000, h + 1, { memberId: h % 2 ? MEMBER_A : MEMBER_B }));
    await send({ rows, documents: [] });
    const window = { from: new Date(base).toISOString(), to: new Date(base + 2 * DAY).toISOString() };
    const before = {
      hours: totals(await usage({ ...window, g: 'HOUR' })),
      days: totals(await usage({ ...window, g: 'DAY' })),
      member: totals(await usage({ ...window, g: 'DAY', memberId: MEMBER_A })),
    };
    expect(before.hours).toHaveLength(30);
    expect(before.days).toEqual([
      [new Date(base).toISOString(), 3 * ((24 * 25) / 2), 0],
      [new Date(base + DAY).toISOString(), 3 * (25 + 26 + 27 + 28 + 29 + 30), 0],
    ]);

    const repo = new RollupRepository(harness.database.dataSource);
    // Small batches: several rounds, as a backlog is worked off.
    const done = await rollUp(repo, 7, new Date(base + 2 * DAY + HOUR));
    expect(done.minutes).toBeGreaterThan(0);
    expect(done.hours).toBeGreaterThan(0);
    for (let i = 0; i < 20; i += 1) await rollUp(repo, 50, new Date(base + 2 * DAY + HOUR));
    const after = {
      hours: totals(await usage({ ...window, g: 'HOUR' })),
      days: totals(await usage({ ...window, g: 'DAY' })),
      member: totals(await usage({ ...window, g: 'DAY', memberId: MEMBER_A })),
    };
    expect(after).toEqual(before);

    // A minute row that arrives after its hour was rolled into its day counts once in each width.
    await send({ rows: [usageRow(base + 3 * HOUR + 5 * 60_000, 1000)], documents: [] });
    await rollUp(repo, 50, new Date(base + 2 * DAY + HOUR));
    const late = totals(await usage({ ...window, g: 'DAY' }));
    expect(late[0]![1]).toBe((before.days[0]![1] as number) + 1000);
    expect(
      totals(await usage({ ...window, g: 'HOUR' })).find(
        ([start]) => start === new Date(base + 3 * HOUR).toISOString(),
      ),
    ).toEqual([new Date(base + 3 * HOUR).toISOString(), 3 * 4 + 1000, 0]);

    // 48 h on, minute rows are pruned; hours and days still count them.
    for (let i = 0; i < 20; i += 1) await rollUp(repo, 50, new Date(base + 5 * DAY));
    expect(
      await usage({ from: new Date(base).toISOString(), to: new Date(base + DAY).toISOString(), g: 'MINUTE' }),
    ).toEqual([]);
    expect(totals(await usage({ ...window, g: 'DAY' }))).toEqual(late);
  });

  it('answers who selected a field: members, clients, operation names, last seen (admins only)', async () => {
    const t = DAY0 + 5 * HOUR;
    await send({
      rows: [
        usageRow(t, 3, {
          memberId: MEMBER_A,
          documentHash: 'doc-summary',
          operationName: 'Summaries',
          clientName: 'app',
          clientVersion: '2.0',
        }),
        usageRow(t + 120_000, 2, { memberId: null, documentHash: 'doc-summary', operationName: null }),
        usageRow(t + 180_000, 4, { memberId: MEMBER_B, documentHash: 'doc-other', operationName: 'Titles' }),
      ],
      documents: [
        { hash: 'doc-summary', coordinates: ['Query.contents', 'Content.summary', 'Content.title'] },
        { hash: 'doc-other', coordinates: ['Query.contents', 'Content.title'] },
      ],
    });
    const FIELD = `query($c: String!, $from: DateTime!, $to: DateTime!) {
      fieldUsage(coordinate: $c, from: $from, to: $to) { coordinate operations members { id } clients operationNames lastSeen }
    }`;
    const window = { from: new Date(t).toISOString(), to: new Date(t + HOUR).toISOString() };
    const summary = await harness.execute(FIELD, { c: 'Content.summary', ...window }, { viewer: ADMIN });
    expect(summary).toEqual({
      data: {
        fieldUsage: {
          coordinate: 'Content.summary',
          operations: 5,
          members: [{ id: MEMBER_A }],
          clients: ['app/2.0'],
          operationNames: ['Summaries'],
          lastSeen: new Date(t + 150_000).toISOString(),
        },
      },
    });
    const title = await harness.execute<{ fieldUsage: { operations: number; operationNames: string[] } }>(
      FIELD,
      { c: 'Content.title', ...window },
      { viewer: ADMIN },
    );
    expect(title.data?.fieldUsage).toEqual(
      expect.objectContaining({ operations: 9, operationNames: ['Summaries', 'Titles'] }),
    );
    const unused = await harness.execute(FIELD, { c: 'Content.body', ...window }, { viewer: ADMIN });
    expect(unused.data).toEqual({
      fieldUsage: {
        coordinate: 'Content.body',
        operations: 0,
        members: [],
        clients: [],
        operationNames: [],
        lastSeen: null,
      },
    });
    expect(
      (await harness.execute(FIELD, { c: 'Content.summary', ...window }, { viewer: A })).errors?.[0]?.extensions?.code,
    ).toBe('FORBIDDEN');
    const malformed = await harness.execute(FIELD, { c: 'summary', ...window }, { viewer: ADMIN });
    expect(malformed.errors?.[0]?.extensions).toEqual(
      expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'coordinate' }),
    );
  });

  it('answers the refusals of each bucket by the stage that refused them', async () => {
    const t = DAY0 + 7 * HOUR;
    const refused = (n: number, stage: string, code: string) =>
      usageRow(t, n, {
        outcome: 'rejected',
        errors: n,
        errorCodes: { [code]: n },
        refusedStage: stage,
        operationName: null,
        documentHash: null,
      });
    await send({
      rows: [usageRow(t, 5), refused(3, 'rate limit', 'RATE_LIMITED'), refused(1, 'edge', 'BAD_REQUEST')],
      documents: [],
    });
    await send({ rows: [refused(2, 'rate limit', 'RATE_LIMITED')], documents: [] });
    const result = await harness.execute<{ usage: Array<{ operations: number; refusals: unknown }> }>(
      `query($from: DateTime!, $to: DateTime!) { usage(from: $from, to: $to) { operations errors refusals { stage count } } }`,
      { from: new Date(t).toISOString(), to: new Date(t + HOUR).toISOString() },
      { viewer: ADMIN },
    );
    expect(result).toEqual({
      data: {
        usage: [
          {
            operations: 11,
            errors: 6,
            refusals: [
              { stage: 'rate limit', count: 5 },
              { stage: 'edge', count: 1 },
            ],
          },
        ],
      },
    });
  });

  it('answers the top, failing and slowest operations of a window in at most two statements', async () => {
    const t = DAY0 + 9 * HOUR; // an hour of its own
    await send({
      rows: [
        // Feed: most used, fast; one member, two clients.
        usageRow(t, 50, { memberId: MEMBER_A, clientName: 'web', clientVersion: '1.0' }),
        usageRow(t + 60_000, 30, { memberId: MEMBER_B, clientName: 'app' }),
        // Search: failing, slow.
        usageRow(t, 10, {
          memberId: MEMBER_A,
          operationName: 'Search',
          documentHash: 'doc-search',
          outcome: 'error',
          errors: 4,
          errorCodes: { BAD_USER_INPUT: 4 },
          latency: [[latencyBucket(2000), 10]],
          bytes: 5000,
        }),
        // Two operations of one document; the second is the slowest of all.
        usageRow(t, 20, { memberId: MEMBER_B, operationName: 'Titles', documentHash: 'doc-multi' }),
        usageRow(t, 2, {
          memberId: MEMBER_B,
          operationName: 'Bodies',
          documentHash: 'doc-multi',
          latency: [[latencyBucket(9000), 2]],
        }),
        // Refused before a document was read: neither name nor hash.
        usageRow(t, 3, {
          operationName: null,
          documentHash: null,
          outcome: 'rejected',
          errors: 3,
          errorCodes: { RATE_LIMITED: 3 },
          refusedStage: 'rate limit',
        }),
      ],
      documents: [],
    });
    const QUERY = `query($from: DateTime!, $to: DateTime!, $memberId: ID, $client: String, $orderBy: OperationUsageOrder, $first: Int) {
      operationUsage(from: $from, to: $to, memberId: $memberId, client: $client, orderBy: $orderBy, first: $first) {
        operationName documentHash operations errors errorsByCode { code count } latencyP50Ms latencyP95Ms latencyP99Ms bytes clients lastSeen
      }
    }`;
    interface Operation {
      operationName: string | null;
      documentHash: string | null;
      operations: number;
      errors: number;
      latencyP95Ms: number;
      clients: string[];
    }
    const window = { from: new Date(t + 5 * 60_000).toISOString(), to: new Date(t + 10 * 60_000).toISOString() };
    const operations = async (variables: Record<string, unknown>, viewer: Identity = ADMIN) => {
      const before = harness.database.queries.count;
      const result = await harness.execute<{ operationUsage: Operation[] }>(
        QUERY,
        { ...window, ...variables },
        { viewer },
      );
      expect(result.errors).toBeUndefined();
      expect(harness.database.queries.count - before).toBeLessThanOrEqual(2);
      return result.data!.operationUsage;
    };
    const names = (list: Operation[]) => list.map((o) => [o.operationName, o.operations]);

    // The hour overlapping the window counts, as for fieldUsage.
    const top = await operations({});
    expect(names(top)).toEqual([
      ['Feed', 80],
      ['Titles', 20],
      ['Search', 10],
      [null, 3],
      ['Bodies', 2],
    ]);
    expect(top[0]).toEqual({
      operationName: 'Feed',
      documentHash: 'doc-feed',
      operations: 80,
      errors: 0,
      errorsByCode: [],
      latencyP50Ms: expect.any(Number),
      latencyP95Ms: expect.any(Number),
      latencyP99Ms: expect.any(Number),
      bytes: 8000,
      clients: ['app', 'web/1.0'],
      lastSeen: new Date(t + 90_000).toISOString(),
    });
    expect(top[0]!.latencyP95Ms).toBeGreaterThanOrEqual(10);
    expect(top[0]!.latencyP95Ms).toBeLessThanOrEqual(12.5);
    expect(top[2]).toEqual(
      expect.objectContaining({ errors: 4, errorsByCode: [{ code: 'BAD_USER_INPUT', count: 4 }], bytes: 5000 }),
    );

    expect(names(await operations({ orderBy: 'ERRORS', first: 2 }))).toEqual([
      ['Search', 10],
      [null, 3],
    ]);
    const slowest = await operations({ orderBy: 'LATENCY_P95', first: 2 });
    expect(names(slowest)).toEqual([
      ['Bodies', 2],
      ['Search', 10],
    ]);
    expect(slowest[0]!.latencyP95Ms).toBeGreaterThanOrEqual(9000);
    // Of a shared document, only the operation chosen is summed.
    expect(names(await operations({ first: 2 }))).toEqual([
      ['Feed', 80],
      ['Titles', 20],
    ]);
    expect(names(await operations({ memberId: MEMBER_B }))).toEqual([
      ['Feed', 30],
      ['Titles', 20],
      ['Bodies', 2],
    ]);
    expect(names(await operations({ client: 'web' }))).toEqual([['Feed', 50]]);
    // A member sees its own only; another's is refused.
    expect(names(await operations({}, A))).toEqual([
      ['Feed', 50],
      ['Search', 10],
    ]);
    const other = await harness.execute(QUERY, { ...window, memberId: MEMBER_B }, { viewer: A });
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await harness.execute(QUERY, window, { viewer: ANONYMOUS })).errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    const tooMany = await harness.execute(QUERY, { ...window, first: 101 }, { viewer: ADMIN });
    expect(tooMany.errors?.[0]?.extensions).toEqual(
      expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'first' }),
    );
    // An empty window answers an empty list after one statement.
    expect(
      await operations({ from: new Date(DAY0 - 20 * DAY).toISOString(), to: new Date(DAY0 - 19 * DAY).toISOString() }),
    ).toEqual([]);
  });

  it('answers Member.usage for each member of a list in one statement', async () => {
    const t = DAY0 + 2 * HOUR;
    const query = `query($reps: [_Any!]!, $from: DateTime!, $to: DateTime!) {
      _entities(representations: $reps) { ... on Member { id usage(from: $from, to: $to) { operations } } }
    }`;
    const before = harness.database.queries.count;
    const result = await harness.execute(
      query,
      {
        reps: [MEMBER_A, MEMBER_B].map((id) => ({ __typename: 'Member', id })),
        from: new Date(t).toISOString(),
        to: new Date(t + HOUR).toISOString(),
      },
      { viewer: ADMIN },
    );
    expect(harness.database.queries.count - before).toBe(1);
    expect(result).toEqual({
      data: {
        _entities: [
          { id: MEMBER_A, usage: [{ operations: 10 }] },
          { id: MEMBER_B, usage: [{ operations: 10 }] },
        ],
      },
    });
    const forbidden = await harness.execute(
      query,
      {
        reps: [{ __typename: 'Member', id: MEMBER_B }],
        from: new Date(t).toISOString(),
        to: new Date(t + HOUR).toISOString(),
      },
      { viewer: A },
    );
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it("keeps a member budget (admins set it), shows it with this month's use to the member, and audits the change", async () => {
    const member = stableId('member', 'sichuan-daily');
    const viewer: Identity = { role: 'MEMBER', memberId: member, keyId: null };
    const SET = `mutation($m: ID!, $n: Int) { setMemberQuota(memberId: $m, monthlyOperations: $n) { id } }`;
    const QUOTA = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Member { quota { monthlyOperations usedThisMonth resetsAt } } } }`;
    const quota = async (as: Identity = viewer) =>
      harness.execute<{ _entities: Array<{ quota: unknown }> }>(
        QUOTA,
        { reps: [{ __typename: 'Member', id: member }] },
        { viewer: as },
      );

    expect((await quota()).data?._entities).toEqual([{ quota: null }]);
    expect((await harness.execute(SET, { m: member, n: 100 }, { viewer })).errors?.[0]?.extensions?.code).toBe(
      'FORBIDDEN',
    );
    const zero = await harness.execute(SET, { m: member, n: 0 }, { viewer: ADMIN });
    expect(zero.errors?.[0]?.extensions).toEqual(
      expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'monthlyOperations' }),
    );
    expect(await harness.execute(SET, { m: member, n: 100 }, { viewer: ADMIN })).toEqual({
      data: { setMemberQuota: { id: member } },
    });

    // This month: answered operations count (rolled or not), refusals and last month do not.
    const now = Date.now();
    const monthStart = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1);
    await send({
      rows: [
        usageRow(now - (now % 60_000), 7, { memberId: member }),
        usageRow(now - (now % 60_000), 2, {
          memberId: member,
          outcome: 'error',
          errors: 2,
          errorCodes: { NOT_FOUND: 2 },
        }),
        usageRow(now - (now % 60_000), 5, {
          memberId: member,
          outcome: 'rejected',
          errors: 5,
          refusedStage: 'ratelimit',
        }),
        usageRow(monthStart - 60_000, 50, { memberId: member }),
      ],
      documents: [],
    });
    const next = new Date(Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth() + 1, 1)).toISOString();
    expect((await quota()).data?._entities).toEqual([
      { quota: { monthlyOperations: 100, usedThisMonth: 9, resetsAt: next } },
    ]);
    await rollUp(new RollupRepository(harness.database.dataSource), 50, new Date(now + 2 * HOUR));
    expect((await quota(ADMIN)).data?._entities).toEqual([
      { quota: { monthlyOperations: 100, usedThisMonth: 9, resetsAt: next } },
    ]);
    expect((await quota(A)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    expect(await harness.execute(SET, { m: member, n: null }, { viewer: ADMIN })).toEqual({
      data: { setMemberQuota: { id: member } },
    });
    expect((await quota()).data?._entities).toEqual([{ quota: null }]);
    const trail = await harness.execute<{
      _entities: Array<{ usage: { nodes: Array<{ operation: string; outcome: string }> } }>;
    }>(
      `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on AuditTrail { usage(first: 10) { nodes { operation outcome } } } } }`,
      { reps: [{ __typename: 'AuditTrail', id: 'alliance' }] },
      { viewer: ADMIN },
    );
    expect(trail.data?._entities[0]?.usage.nodes.map((n) => n.outcome)).toEqual([
      'SUCCESS',
      'SUCCESS',
      'REJECTED',
      'DENIED',
    ]);
  });
});
