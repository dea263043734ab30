import { SignJWT } from 'jose';
import { ASSERTION_HEADER, signAssertion } from '../../subgraphs/kit/identity';
import { stableId } from '../../subgraphs/kit/ids';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { ENGINES } from '../support/databases';
import { graphql } from '../support/processes';
import { type InProcessGraph, startInProcessGraph } from '../support/gateway';

const ADMIN = DEV_CREDENTIALS.admin.secret;
const MEMBER = DEV_CREDENTIALS.member.secret; // chengdu-evening-news
const SELF_ID = stableId('member', 'chengdu-evening-news');
const OTHER_ID = stableId('member', 'bayu-video');
const CACHE_TTL_MS = 1000;

type Errors = Array<{ message: string; extensions?: Record<string, unknown> }>;
const bearer = (credential: string) => ({ authorization: `Bearer ${credential}` });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Short-lived access tokens: the expiry test waits for one to expire. */
const TOKEN_TTL_SECONDS = 2;
/** The `exp` claim of a JWT, in milliseconds since the epoch. */
const expiresAt = (token: string) =>
  1000 * (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp;

describe.each(ENGINES)('identity and access on %s, through the gateway', (engine) => {
  let graph: InProcessGraph;
  let url: string;

  /** Runs an operation; `as` is a credential or undefined for anonymous. */
  const run = <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}, as?: string) =>
    graphql<T>(url, query, variables, as ? bearer(as) : {});

  /** How many audit records the membership trail holds for a filter (read as admin). */
  async function auditCount(filter: Record<string, unknown> = {}): Promise<number> {
    const { body } = await run<{ audit: { membership: { totalCount: number } } }>(
      'query($f: AuditFilter) { audit { membership(filter: $f, first: 0) { totalCount } } }',
      { f: filter },
      ADMIN,
    );
    return body.data!.audit.membership.totalCount;
  }

  /** Asserts a refusal: the code, and that only one audit record (DENIED or REJECTED) was written. */
  async function expectRefused(
    attempt: () => Promise<{ body: { errors?: Errors; data?: unknown } }>,
    code: string,
    outcome = 'DENIED',
  ): Promise<string> {
    const before = await auditCount();
    const beforeOutcome = await auditCount({ outcome });
    const { body } = await attempt();
    expect(body.errors?.[0]?.extensions?.code).toBe(code);
    expect(await auditCount()).toBe(before + 1);
    expect(await auditCount({ outcome })).toBe(beforeOutcome + 1);
    return body.errors![0]!.message;
  }

  beforeAll(async () => {
    graph = await startInProcessGraph(
      {
        CREDENTIAL_CACHE_TTL_SECONDS: String(CACHE_TTL_MS / 1000),
        ACCESS_TOKEN_TTL_SECONDS: String(TOKEN_TTL_SECONDS),
      },
      {},
      engine,
    );
    url = graph.gateway.url;
  });
  afterAll(() => graph?.stop());

  it('treats a request without credentials as anonymous, not as an error', async () => {
    const { status, body } = await run('{ viewer { role member { slug } } }');
    expect(status).toBe(200);
    expect(body.data).toEqual({ viewer: { role: null, member: null } });
  });

  it('shows contactEmail only to the member itself and admins', async () => {
    const query = `{ member(id: "${SELF_ID}") { contactEmail apiKeys { prefix } } }`;
    const anonymous = await run<{ member: { contactEmail: string | null; apiKeys: unknown[] } }>(query);
    expect(anonymous.body.data!.member).toEqual({ contactEmail: null, apiKeys: [] });
    const self = await run<{ member: { contactEmail: string } }>(query, {}, MEMBER);
    expect(self.body.data!.member.contactEmail).toBe('alliance-desk@chengdu-evening-news.example');
    const other = await run<{ member: { contactEmail: string | null } }>(
      `{ member(id: "${OTHER_ID}") { contactEmail } }`,
      {},
      MEMBER,
    );
    expect(other.body.data!.member.contactEmail).toBeNull();
    const admin = await run<{ member: { contactEmail: string } }>(
      `{ member(id: "${OTHER_ID}") { contactEmail } }`,
      {},
      ADMIN,
    );
    expect(admin.body.data!.member.contactEmail).toBe('alliance-desk@bayu-video.example');
  });

  describe('admitMember', () => {
    const admit = `mutation($input: AdmitMemberInput!) { admitMember(input: $input) { id slug status } }`;
    const input = (slug: string) => ({
      slug,
      name: 'Sample Leshan Radio',
      localName: '乐山广播（示例）',
      kind: 'BROADCASTER',
      region: 'Sichuan',
      website: 'https://leshan-radio.example',
      contactEmail: 'desk@leshan-radio.example',
    });

    it('refuses anonymous callers and members, writing only the audit record', async () => {
      await expectRefused(() => run(admit, { input: input('refused-radio') }), 'UNAUTHENTICATED');
      await expectRefused(() => run(admit, { input: input('refused-radio') }, MEMBER), 'FORBIDDEN');
      const { body } = await run<{ member: null }>('{ member(slug: "refused-radio") { id } }');
      expect(body.data!.member).toBeNull();
    });

    it('admits a member for an admin, and answers CONFLICT for a taken slug', async () => {
      const { body } = await run<{ admitMember: { id: string; slug: string; status: string } }>(
        admit,
        { input: input('leshan-radio') },
        ADMIN,
      );
      expect(body.data!.admitMember).toMatchObject({ slug: 'leshan-radio', status: 'ACTIVE' });
      expect(
        await auditCount({ operation: 'admitMember', outcome: 'SUCCESS', targetId: body.data!.admitMember.id }),
      ).toBe(1);
      const message = await expectRefused(
        () => run(admit, { input: input('leshan-radio') }, ADMIN),
        'CONFLICT',
        'REJECTED',
      );
      expect(message).toMatch(/leshan-radio/);
    });

    it.each([
      [{ slug: 'Bad Slug' }, /input\.slug must be 3-80 lower-case/],
      [{ contactEmail: 'not-an-email' }, /input\.contactEmail must be an e-mail/],
      [{ name: '' }, /input\.name must be 1 to 200 characters/],
      [{ region: 'Tibet' }, /input\.region must be one of Sichuan, Chongqing, National, International/],
      [{ website: 'javascript:alert(1)' }, /input\.website must be an absolute http\(s\) URL/],
    ])('rejects %j with a message that says what to fix', async (change, message) => {
      const text = await expectRefused(
        () => run(admit, { input: { ...input('valid-slug-x'), ...change } }, ADMIN),
        'BAD_USER_INPUT',
        'REJECTED',
      );
      expect(text).toMatch(message);
    });
  });

  describe('updateMember', () => {
    const update = `mutation($id: ID!, $input: UpdateMemberInput!) { updateMember(id: $id, input: $input) { name website kind } }`;

    it('refuses anonymous callers and a member acting on another member', async () => {
      await expectRefused(() => run(update, { id: OTHER_ID, input: { name: 'Hijacked' } }), 'UNAUTHENTICATED');
      await expectRefused(() => run(update, { id: OTHER_ID, input: { name: 'Hijacked' } }, MEMBER), 'FORBIDDEN');
      const { body } = await run<{ member: { name: string } }>(`{ member(id: "${OTHER_ID}") { name } }`);
      expect(body.data!.member.name).toBe('Ba-Yu Video');
    });

    it('lets a member edit its own profile fields but not its kind', async () => {
      const own = await run<{ updateMember: { website: string } }>(
        update,
        { id: SELF_ID, input: { website: 'https://news.chengdu.example/' } },
        MEMBER,
      );
      expect(own.body.data!.updateMember.website).toBe('https://news.chengdu.example/');
      await expectRefused(() => run(update, { id: SELF_ID, input: { kind: 'OTHER' } }, MEMBER), 'FORBIDDEN');
    });

    it('lets an admin change any member, kind included', async () => {
      const { body } = await run<{ updateMember: { kind: string } }>(
        update,
        { id: OTHER_ID, input: { kind: 'ONLINE_MEDIA' } },
        ADMIN,
      );
      expect(body.data!.updateMember.kind).toBe('ONLINE_MEDIA');
    });
  });

  describe('API keys', () => {
    const issue = `mutation($memberId: ID!, $label: String!) { issueApiKey(memberId: $memberId, label: $label) { secret apiKey { id prefix role revokedAt } } }`;
    const revoke = `mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`;
    type Issued = { issueApiKey: { secret: string; apiKey: { id: string; prefix: string } } };

    async function issueFor(memberId: string): Promise<Issued['issueApiKey']> {
      const { body } = await run<Issued>(issue, { memberId, label: 'CMS production' }, ADMIN);
      expect(body.errors).toBeUndefined();
      return body.data!.issueApiKey;
    }

    it('refuses to issue keys to anonymous callers and members', async () => {
      await expectRefused(() => run(issue, { memberId: SELF_ID, label: 'x' }), 'UNAUTHENTICATED');
      await expectRefused(() => run(issue, { memberId: SELF_ID, label: 'x' }, MEMBER), 'FORBIDDEN');
    });

    it('issues a working key once, and stores no plaintext key anywhere in the database', async () => {
      const issued = await issueFor(OTHER_ID);
      expect(issued.secret.startsWith(`${issued.apiKey.prefix}_`)).toBe(true);
      const { body } = await run<{ viewer: { member: { slug: string } } }>(
        '{ viewer { member { slug } } }',
        {},
        issued.secret,
      );
      expect(body.data!.viewer.member.slug).toBe('bayu-video');
      expect(await databaseContains(graph, issued.secret)).toBe(false);
      expect(await databaseContains(graph, ADMIN)).toBe(false);
      // The check itself can find what is there: the public prefix is stored.
      expect(await databaseContains(graph, issued.apiKey.prefix)).toBe(true);
    });

    it('lets only the owner or an admin revoke a key; another member sees NOT_FOUND', async () => {
      const issued = await issueFor(OTHER_ID);
      await expectRefused(() => run(revoke, { id: issued.apiKey.id }), 'UNAUTHENTICATED');
      await expectRefused(() => run(revoke, { id: issued.apiKey.id }, MEMBER), 'NOT_FOUND', 'REJECTED');
      const { body } = await run<{ revokeApiKey: { revokedAt: string } }>(revoke, { id: issued.apiKey.id }, ADMIN);
      expect(body.data!.revokeApiKey.revokedAt).toEqual(expect.any(String));
    });

    it('stops a revoked key, and access tokens made from it, within the cache lifetime', async () => {
      const issued = await issueFor(SELF_ID);
      const token = await exchange(issued.secret);
      expect((await run('{ viewer { role } }', {}, issued.secret)).status).toBe(200);
      const own = await run(revoke, { id: issued.apiKey.id }, issued.secret);
      expect(own.body.errors).toBeUndefined();
      await sleep(CACHE_TTL_MS + 200);
      const afterKey = await run('{ viewer { role } }', {}, issued.secret);
      expect(afterKey.status).toBe(401);
      expect(afterKey.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect((await run('{ viewer { role } }', {}, token)).status).toBe(401);
    });

    it("stops a suspended member's key, and lets an admin restore it", async () => {
      const issued = await issueFor(OTHER_ID);
      const status = `mutation($id: ID!, $s: MemberStatus!) { setMemberStatus(id: $id, status: $s, reason: "Sample: overdue fees") { status } }`;
      await expectRefused(() => run(status, { id: OTHER_ID, s: 'SUSPENDED' }), 'UNAUTHENTICATED');
      await expectRefused(() => run(status, { id: OTHER_ID, s: 'SUSPENDED' }, MEMBER), 'FORBIDDEN');
      const suspended = await run<{ setMemberStatus: { status: string } }>(
        status,
        { id: OTHER_ID, s: 'SUSPENDED' },
        ADMIN,
      );
      expect(suspended.body.data!.setMemberStatus.status).toBe('SUSPENDED');
      await sleep(CACHE_TTL_MS + 200);
      expect((await run('{ viewer { role } }', {}, issued.secret)).status).toBe(401);
      await run(status, { id: OTHER_ID, s: 'ACTIVE' }, ADMIN);
      await sleep(CACHE_TTL_MS + 200);
      expect((await run('{ viewer { role } }', {}, issued.secret)).status).toBe(200);
    });
  });

  describe('access tokens', () => {
    it('work like the key they were made from until they expire, and not after', async () => {
      const token = await exchange(MEMBER);
      const { body } = await run<{ viewer: { role: string; member: { slug: string } } }>(
        '{ viewer { role member { slug } } }',
        {},
        token,
      );
      expect(body.data!.viewer).toEqual({ role: 'MEMBER', member: { slug: 'chengdu-evening-news' } });
      // Expired from the second `exp` names on (whole seconds, so up to one second before the TTL).
      await sleep(Math.max(0, expiresAt(token) - Date.now()) + 100);
      const expired = await run('{ viewer { role } }', {}, token);
      expect(expired.status).toBe(401);
      expect(expired.body.errors?.[0]?.message).toMatch(/invalid or expired/);
    });

    it('refuses alg:none, wrongly signed and malformed tokens, unknown keys and other schemes with 401', async () => {
      const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: SELF_ID, role: 'ADMIN', kid: 'x', iss: 'alliance-gateway', aud: 'alliance-graph', exp: 9999999999 })}.`;
      const forged = await new SignJWT({ role: 'ADMIN', kid: 'x' })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('alliance-gateway')
        .setAudience('alliance-graph')
        .setSubject(SELF_ID)
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode('a-different-secret-of-at-least-32-characters'));
      for (const credential of [none, forged, 'not.a.token', `alk_unknown0_${'a'.repeat(43)}`, 'alk_short']) {
        const { status, body } = await run('{ viewer { role } }', {}, credential);
        expect([credential, status, body.errors?.[0]?.extensions?.code]).toEqual([credential, 401, 'UNAUTHENTICATED']);
      }
      const basic = await graphql(url, '{ viewer { role } }', {}, { authorization: 'Basic YWRtaW46YWRtaW4=' });
      expect(basic.status).toBe(401);
    });

    it('will not make a token from a token', async () => {
      const token = await exchange(MEMBER);
      const response = await fetch(`${url}/auth/token`, { method: 'POST', headers: bearer(token) });
      expect(response.status).toBe(401);
    });
  });

  describe('trust between gateway and subgraphs', () => {
    it('refuses direct calls to a subgraph without the gateway signature, _entities and _service included', async () => {
      const direct = graph.subgraphs.membership!.url.replace(/\/graphql$/, '');
      const entities = `{ _entities(representations: [{ __typename: "Member", id: "${SELF_ID}" }]) { ... on Member { contactEmail } } }`;
      for (const query of [entities, '{ _service { sdl } }', '{ members { totalCount } }']) {
        const { status, body } = await graphql(direct, query);
        expect([status, body.errors?.[0]?.extensions?.code]).toEqual([401, 'UNAUTHENTICATED']);
      }
      const wrongSecret = new TextEncoder().encode('not-the-gateway-secret-but-32-characters-long');
      const forged = await signAssertion(
        { role: 'ADMIN', memberId: SELF_ID, keyId: 'k' },
        { ...graph.assertionKey, secret: wrongSecret },
      );
      expect((await graphql(direct, entities, {}, { [ASSERTION_HEADER]: forged })).status).toBe(401);
      expect((await fetch(`${direct}/healthz`)).status).toBe(200);
    });

    it('ignores identity headers sent by clients, even a validly signed assertion', async () => {
      const stolen = await signAssertion({ role: 'ADMIN', memberId: SELF_ID, keyId: 'k' }, graph.assertionKey);
      const { body } = await graphql<{ viewer: { role: string | null } }>(
        url,
        '{ viewer { role } }',
        {},
        {
          [ASSERTION_HEADER]: stolen,
          'x-member-id': SELF_ID,
          'x-role': 'ADMIN',
        },
      );
      expect(body.data!.viewer.role).toBeNull();
    });
  });

  describe('the audit trail', () => {
    it('is readable by admins with filters and pagination, and by nobody else', async () => {
      const query = `query($f: AuditFilter, $after: String) {
        audit { membership(filter: $f, first: 2, after: $after) {
          totalCount pageInfo { hasNextPage endCursor }
          nodes { id operation outcome errorCode actorRole actor { slug } requestId at }
        } } }`;
      type Page = {
        audit: {
          membership: {
            totalCount: number;
            pageInfo: { hasNextPage: boolean; endCursor: string };
            nodes: Array<{ id: string; outcome: string; operation: string; actor: { slug: string } | null }>;
          };
        };
      };
      const first = await run<Page>(query, { f: { operation: 'admitMember', outcome: 'DENIED' } }, ADMIN);
      const trail = first.body.data!.audit.membership;
      expect(trail.totalCount).toBeGreaterThanOrEqual(2);
      expect(trail.nodes.every((n) => n.operation === 'admitMember' && n.outcome === 'DENIED')).toBe(true);
      expect(trail.nodes.map((n) => n.actor?.slug ?? null)).toContain('chengdu-evening-news');
      if (trail.pageInfo.hasNextPage) {
        const next = await run<Page>(
          query,
          { f: { operation: 'admitMember', outcome: 'DENIED' }, after: trail.pageInfo.endCursor },
          ADMIN,
        );
        const ids = next.body.data!.audit.membership.nodes.map((n) => n.id);
        expect(ids.some((id) => trail.nodes.some((n) => n.id === id))).toBe(false);
      }
      const asMember = await run('{ audit { membership { totalCount } } }', {}, MEMBER);
      expect(asMember.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const asAnonymous = await run('{ audit { membership { totalCount } } }');
      expect(asAnonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });
  });

  async function exchange(apiKey: string): Promise<string> {
    const response = await fetch(`${url}/auth/token`, { method: 'POST', headers: bearer(apiKey) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: TOKEN_TTL_SECONDS });
    return body.access_token;
  }
});

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** True when `needle` occurs anywhere in the membership database: every row of every table. */
async function databaseContains(graph: InProcessGraph, needle: string): Promise<boolean> {
  const { dataSource } = graph.subgraphs.membership!.database;
  const tables =
    dataSource.options.type !== 'better-sqlite3'
      ? ((await dataSource.query('SHOW TABLES')) as Array<Record<string, string>>).map((row) => Object.values(row)[0]!)
      : (
          (await dataSource.query("SELECT name FROM sqlite_master WHERE type = 'table'")) as Array<{ name: string }>
        ).map((row) => row.name);
  for (const table of tables) {
    const rows: unknown = await dataSource.query(`SELECT * FROM ${dataSource.driver.escape(table)}`);
    if (JSON.stringify(rows).includes(needle)) return true;
  }
  return false;
}
