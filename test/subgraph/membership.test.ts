import { Authenticator } from '../../gateway/auth';
import { loadGatewayConfig } from '../../gateway/config';
import { ANONYMOUS, IDENTITY_AUDIENCE, signAssertion } from '../../subgraphs/kit/identity';
import { createLogger } from '../../subgraphs/kit/logger';
import { listen } from '../../subgraphs/kit/server';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { VERIFY_CREDENTIAL_PATH } from '../../subgraphs/membership/identity-endpoint';
import { isEmpty, seed } from '../../subgraphs/membership/seed';
import { membership as membershipSubgraph } from '../../subgraphs/membership/server';
import { stableId } from '../../subgraphs/kit/ids';
import { ENGINES } from '../support/databases';
import { openSubgraph, type SubgraphHarness, TEST_SECURITY } from '../support/subgraph';

interface MemberNode {
  id: string;
  slug: string;
  name: string;
  localName: string;
  kind: string;
  region: string;
}
interface MembersData {
  members: {
    totalCount: number;
    nodes: MemberNode[];
    edges: Array<{ cursor: string }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

const MEMBERS = `
  query Members($filter: MemberFilter, $first: Int, $after: String) {
    members(filter: $filter, first: $first, after: $after) {
      totalCount
      nodes { id slug name localName kind region }
      edges { cursor }
      pageInfo { hasNextPage endCursor }
    }
  }`;

describe.each(ENGINES)('membership subgraph on %s', (engine) => {
  let subgraph: SubgraphHarness;

  beforeAll(async () => {
    subgraph = await openSubgraph(membershipSubgraph, engine);
  });
  afterAll(() => subgraph.close());

  it('lists the 35 founding members, 20 to a page by default, ordered by slug', async () => {
    const result = await subgraph.execute<MembersData>(MEMBERS);
    expect(result.errors).toBeUndefined();
    const { members } = result.data!;
    expect(members.totalCount).toBe(35);
    expect(members.nodes).toHaveLength(20);
    const slugs = members.nodes.map((m) => m.slug);
    expect(slugs).toEqual([...slugs].sort());
    expect(members.pageInfo.hasNextPage).toBe(true);
  });

  it('pages through every member exactly once with after cursors', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page += 1) {
      const result: { data?: MembersData | null } = await subgraph.execute<MembersData>(MEMBERS, { first: 8, after });
      const { nodes, pageInfo } = result.data!.members;
      seen.push(...nodes.map((m) => m.slug));
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    expect(seen).toHaveLength(35);
    expect(new Set(seen).size).toBe(35);
  });

  it('refuses a page size above 100 with BAD_USER_INPUT instead of clamping', async () => {
    const result = await subgraph.execute(MEMBERS, { first: 1000 });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(/at most 100/);
  });

  it('refuses a negative page size and a forged cursor with BAD_USER_INPUT', async () => {
    const negative = await subgraph.execute(MEMBERS, { first: -1 });
    expect(negative.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const forged = await subgraph.execute(MEMBERS, { after: Buffer.from('{"id":1}').toString('base64url') });
    expect(forged.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(forged.errors?.[0]?.message).toMatch(/after/);
  });

  it('filters by kind, region and status together', async () => {
    const result = await subgraph.execute<MembersData>(MEMBERS, {
      filter: { kind: 'BROADCASTER', region: 'Chongqing', status: 'ACTIVE' },
    });
    expect(result.data!.members.nodes.map((m) => m.slug)).toEqual(['mountain-city-tv']);
  });

  it('searches English and Chinese names case-insensitively, treating % as a character', async () => {
    const english = await subgraph.execute<MembersData>(MEMBERS, { filter: { search: 'EVENING' } });
    expect(english.data!.members.nodes.map((m) => m.slug).sort()).toEqual([
      'chengdu-evening-news',
      'yibin-evening-post',
    ]);
    const chinese = await subgraph.execute<MembersData>(MEMBERS, { filter: { search: '重庆' } });
    expect(chinese.data!.members.totalCount).toBe(2);
    const wildcard = await subgraph.execute<MembersData>(MEMBERS, { filter: { search: '%' } });
    expect(wildcard.data!.members.totalCount).toBe(0);
  });

  it('rejects an unknown region with a message listing the valid ones', async () => {
    const result = await subgraph.execute(MEMBERS, { filter: { region: 'Mars' } });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(/Sichuan, Chongqing, National, International/);
  });

  it('finds one member by id or slug, answers null for an unknown one, and needs exactly one key', async () => {
    const id = stableId('member', 'tianfu-daily');
    const byId = await subgraph.execute<{ member: MemberNode }>(`{ member(id: "${id}") { slug } }`);
    expect(byId.data!.member.slug).toBe('tianfu-daily');
    const bySlug = await subgraph.execute<{ member: MemberNode }>(`{ member(slug: "tianfu-daily") { id } }`);
    expect(bySlug.data!.member.id).toBe(id);
    const missing = await subgraph.execute<{ member: null }>(`{ member(slug: "no-such-member") { id } }`);
    expect(missing.data!.member).toBeNull();
    const both = await subgraph.execute(`{ member(id: "${id}", slug: "tianfu-daily") { id } }`);
    expect(both.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('answers names in Chinese for zh-CN and keeps localName Chinese for everyone', async () => {
    const query = `{ member(slug: "chengdu-evening-news") { name localName } }`;
    const en = await subgraph.execute<{ member: MemberNode }>(query, {}, { locale: 'en' });
    expect(en.data!.member).toEqual({ name: 'Chengdu Evening News', localName: '成都晚报' });
    const zh = await subgraph.execute<{ member: MemberNode }>(query, {}, { locale: 'zh-CN' });
    expect(zh.data!.member).toEqual({ name: '成都晚报', localName: '成都晚报' });
  });

  it('resolves _entities representations in one SQL statement however many there are', async () => {
    const slugs = ['tianfu-daily', 'bayu-video', 'aba-herald', 'trip-compass'];
    const representations = slugs.map((slug) => ({ __typename: 'Member', id: stableId('member', slug) }));
    representations.push({ __typename: 'Member', id: 'not-a-member' });
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Member { slug name } } }`;
    let result: { data?: { _entities: Array<{ slug: string } | null> } | null } = {};
    const statements = await subgraph.database.queries.measure(async () => {
      result = await subgraph.execute(query, { r: representations });
    });
    expect(result.data!._entities.map((e) => e?.slug ?? null)).toEqual([...slugs, null]);
    expect(statements).toBe(1);
  });

  it('describes the alliance with its founding date, member count and convention', async () => {
    const result = await subgraph.execute<{
      alliance: {
        name: string;
        localName: string;
        foundedOn: string;
        memberCount: number;
        conventionArticles: unknown[];
      };
    }>(`{ alliance { name localName foundedOn memberCount conventionArticles { number title text } } }`);
    expect(result.data!.alliance).toMatchObject({
      name: 'Sichuan Cultural and Tourism Promotion Alliance',
      localName: '四川文旅宣传推广联盟',
      foundedOn: '2024-12-07',
      memberCount: 35,
    });
    expect(result.data!.alliance.conventionArticles.length).toBeGreaterThanOrEqual(5);
  });

  it('seeds idempotently: a second seed neither duplicates nor empties anything', async () => {
    expect(await isEmpty(subgraph.database.dataSource)).toBe(false);
    await seed(subgraph.database.dataSource, { devCredentials: true });
    const result = await subgraph.execute<MembersData>(MEMBERS, { first: 0 });
    expect(result.data!.members.totalCount).toBe(35);
  });

  it('has migrations that produce exactly the schema the entities describe', async () => {
    const pending = await subgraph.database.dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('hides the SQL of a database failure behind INTERNAL_SERVER_ERROR', async () => {
    const runner = subgraph.database.dataSource.createQueryRunner();
    await runner.query('ALTER TABLE member RENAME TO member_away');
    try {
      const result = await subgraph.execute(MEMBERS);
      expect(result.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(result.errors?.[0]?.message).toBe('Internal server error');
      expect(JSON.stringify(result)).not.toMatch(/SELECT|member_away|no such table/i);
    } finally {
      await runner.query('ALTER TABLE member_away RENAME TO member');
      await runner.release();
    }
  });
});

describe('the credential check endpoint (POST /internal/credentials/verify), as the gateway calls it', () => {
  let subgraph: SubgraphHarness;
  let base: string;

  beforeAll(async () => {
    subgraph = await openSubgraph(membershipSubgraph, 'sqlite');
    base = `http://127.0.0.1:${await listen(subgraph.built.httpServer, 0, '127.0.0.1')}`;
  });
  afterAll(async () => {
    subgraph.built.httpServer.closeAllConnections();
    subgraph.built.httpServer.close();
    await subgraph.close();
  });

  const verify = async (body: string, signed = true) => {
    const response = await fetch(`${base}${VERIFY_CREDENTIAL_PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(signed
          ? { 'x-gateway-assertion': await signAssertion(ANONYMOUS, TEST_SECURITY.assertionKey, IDENTITY_AUDIENCE) }
          : {}),
      },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  /** The table the check reads, moved away for the duration of `run`: the database fails. */
  const withoutKeyTable = async (run: () => Promise<void>) => {
    const runner = subgraph.database.dataSource.createQueryRunner();
    await runner.query('ALTER TABLE api_key RENAME TO api_key_away');
    try {
      await run();
    } finally {
      await runner.query('ALTER TABLE api_key_away RENAME TO api_key');
      await runner.release();
    }
  };

  it('answers whom a working key stands for', async () => {
    expect(await verify(JSON.stringify({ apiKey: DEV_CREDENTIALS.member.secret }))).toMatchObject({
      status: 200,
      body: { valid: true, role: 'MEMBER' },
    });
  });

  it.each([
    ['neither apiKey nor keyId', '{}', 400, 'BAD_USER_INPUT', 'send exactly one of apiKey or keyId'],
    ['both', '{"apiKey":"alk_x","keyId":"k"}', 400, 'BAD_USER_INPUT', 'send exactly one of apiKey or keyId'],
    ['a body that is not JSON', '{"apiKey": ', 400, 'BAD_REQUEST', 'the body must be a JSON object of at most 4 kB'],
    [
      'a body over 4 kB',
      JSON.stringify({ apiKey: 'a'.repeat(5000) }),
      413,
      'BAD_REQUEST',
      'the body must be a JSON object of at most 4 kB',
    ],
  ])('refuses %s with a coded error, like every endpoint', async (_what, body, status, code, message) => {
    expect(await verify(body)).toEqual({ status, body: { errors: [{ message, extensions: { code } }] } });
  });

  it('refuses a caller other than the gateway with UNAUTHENTICATED', async () => {
    expect(await verify('{"keyId":"k"}', false)).toEqual({
      status: 401,
      body: {
        errors: [
          {
            message: 'this service accepts requests from the alliance gateway only',
            extensions: { code: 'UNAUTHENTICATED' },
          },
        ],
      },
    });
  });

  it('answers 503 SERVICE_UNAVAILABLE when the database fails, which the gateway logs and fails closed on', async () => {
    await withoutKeyTable(async () => {
      expect(await verify(JSON.stringify({ keyId: 'k' }))).toEqual({
        status: 503,
        body: { errors: [{ message: 'credential check unavailable', extensions: { code: 'SERVICE_UNAVAILABLE' } }] },
      });
      const lines: string[] = [];
      const logger = createLogger('gateway', 'info', { write: (line: string) => void lines.push(line) });
      const authenticator = new Authenticator(loadGatewayConfig({ NODE_ENV: 'test' }), () => base, logger);
      await expect(authenticator.authenticate(`Bearer ${DEV_CREDENTIALS.member.secret}`)).rejects.toMatchObject({
        extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503 } },
      });
      const logged = lines.map((line) => JSON.parse(line) as { msg: string; err?: { message: string } });
      expect(logged.filter((line) => line.msg === 'credential check failed').map((line) => line.err?.message)).toEqual([
        'identity endpoint answered 503 SERVICE_UNAVAILABLE: credential check unavailable',
      ]);
    });
  });
});
