import { stableId } from '../../subgraphs/kit/ids';
import type { Identity } from '../../subgraphs/kit/identity';
import type { ReferenceChecker, ReferencedType } from '../../subgraphs/content/references';
import { SEED_CAMPAIGNS } from '../../subgraphs/campaigns/seed-data';
import { SEED_CONTENT_COUNT, seedContents } from '../../subgraphs/content/seed-data';
import { isEmpty, seed } from '../../subgraphs/content/seed';
import { createContentSubgraph } from '../../subgraphs/content/server';
import { FOUNDING_MEMBERS } from '../../subgraphs/membership/seed-data';
import { ATTRACTIONS } from '../../subgraphs/tourism/seed-data';
import { ENGINES } from '../support/databases';
import { openSubgraph, type Result, type SubgraphHarness } from '../support/subgraph';

/** Stands in for the owning subgraphs: knows the seeded members, attractions and campaigns. */
class KnownIds implements ReferenceChecker {
  readonly asked: Array<{ type: ReferencedType; ids: readonly string[] }> = [];
  private readonly known: Record<ReferencedType, Set<string>> = {
    Member: new Set(FOUNDING_MEMBERS.map((m) => stableId('member', m.slug))),
    Attraction: new Set(ATTRACTIONS.map((a) => stableId('attraction', a.slug))),
    Campaign: new Set(SEED_CAMPAIGNS.map((c) => stableId('campaign', c.slug))),
  };
  async missing(type: ReferencedType, ids: readonly string[]): Promise<string[]> {
    this.asked.push({ type, ids });
    return ids.filter((id) => !this.known[type].has(id));
  }
}

const memberId = (slug: string) => stableId('member', slug);
const as = (role: 'ADMIN' | 'MEMBER', slug: string): { viewer: Identity } => ({
  viewer: { role, memberId: memberId(slug), keyId: `key-${slug}` },
});
const ADMIN = as('ADMIN', 'tianfu-daily');
const AUTHOR = as('MEMBER', 'chengdu-evening-news');
const OTHER = as('MEMBER', 'bayu-video');
const ANONYMOUS = {};
const PANDA_BASE = stableId('attraction', 'chengdu-research-base-of-giant-panda-breeding');
const LESHAN = stableId('attraction', 'leshan-giant-buddha');
const WINTER_2024 = stableId('campaign', 'winter-tourism-season-2024');

interface ContentNode {
  id: string;
  title: string;
  status: string;
  language: string;
  tags: string[];
  publishedAt: string | null;
  author: { id: string };
  attractions: Array<{ id: string }>;
  campaign: { id: string } | null;
}
const FIELDS = 'id title status language tags publishedAt author { id } attractions { id } campaign { id }';
interface Page {
  totalCount: number;
  nodes: ContentNode[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
const CONTENTS = `query($filter: ContentFilter, $first: Int, $after: String) {
  contents(filter: $filter, first: $first, after: $after) { totalCount nodes { ${FIELDS} } pageInfo { hasNextPage endCursor } }
}`;
const CREATE = `mutation($input: CreateContentInput!) { createContent(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateContentInput!) { updateContent(id: $id, input: $input) { ${FIELDS} } }`;
const PUBLISH = `mutation($id: ID!) { publishContent(id: $id) { ${FIELDS} } }`;
const ARCHIVE = `mutation($id: ID!) { archiveContent(id: $id) { ${FIELDS} } }`;
const ONE = `query($id: ID!) { content(id: $id) { ${FIELDS} } }`;

const codeOf = (result: Result) => result.errors?.[0]?.extensions?.code;

describe.each(ENGINES)('content subgraph on %s', (engine) => {
  let subgraph: SubgraphHarness;
  const references = new KnownIds();

  beforeAll(async () => {
    subgraph = await openSubgraph(
      createContentSubgraph(() => references),
      engine,
    );
  });
  afterAll(() => subgraph.close());

  const rowCount = async () =>
    Number(
      (
        (await subgraph.database.dataSource.query('SELECT COUNT(*) AS n FROM content')) as Array<{ n: number | string }>
      )[0]!.n,
    );
  const listAll = async (filter: Record<string, unknown>, info: object = ANONYMOUS, first = 40) => {
    const seen: ContentNode[] = [];
    let after: string | null = null;
    let total = -1;
    for (let page = 0; page < 50; page += 1) {
      const result: Result<{ contents: Page }> = await subgraph.execute<{ contents: Page }>(
        CONTENTS,
        { filter, first, after },
        info,
      );
      expect(result.errors).toBeUndefined();
      total = result.data!.contents.totalCount;
      seen.push(...result.data!.contents.nodes);
      if (!result.data!.contents.pageInfo.hasNextPage) break;
      after = result.data!.contents.pageInfo.endCursor;
    }
    return { seen, total };
  };

  it('seeds at least 300 sample pieces in zh-CN and en, and lists only published ones to anonymous callers', async () => {
    expect(SEED_CONTENT_COUNT).toBeGreaterThanOrEqual(300);
    expect(await rowCount()).toBe(SEED_CONTENT_COUNT);
    const published = seedContents().filter((c) => c.status === 'PUBLISHED').length;
    const result = await subgraph.execute<{ contents: Page }>(CONTENTS, { first: 50 });
    expect(result.errors).toBeUndefined();
    expect(result.data!.contents.totalCount).toBe(published);
    expect(new Set(result.data!.contents.nodes.map((n) => n.status))).toEqual(new Set(['PUBLISHED']));
    const languages = new Set(seedContents().map((c) => c.language));
    expect(languages).toEqual(new Set(['zh-CN', 'en']));
  });

  it('pages through every published piece exactly once, newest first', async () => {
    const { seen, total } = await listAll({ status: 'PUBLISHED' });
    expect(seen).toHaveLength(total);
    expect(new Set(seen.map((n) => n.id)).size).toBe(total);
    const times = seen.map((n) => Date.parse(n.publishedAt!));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('filters by kind, language, tag, author, attraction, campaign and publication window together', async () => {
    const expected = seedContents().filter(
      (c) => c.status === 'PUBLISHED' && c.language === 'zh-CN' && c.campaignId === WINTER_2024,
    );
    const { seen } = await listAll({ language: 'zh-CN', campaignId: WINTER_2024 });
    expect(seen.map((n) => n.id).sort()).toEqual(expected.map((c) => c.id).sort());
    const panda = await listAll({ attractionId: PANDA_BASE, tag: 'PANDA-BASE', kind: 'VIDEO' });
    for (const node of panda.seen) expect(node.attractions.map((a) => a.id)).toContain(PANDA_BASE);
    const window = await listAll({
      publishedAfter: '2025-06-01T00:00:00+08:00',
      publishedBefore: '2025-07-01T00:00:00Z',
    });
    expect(window.seen.length).toBeGreaterThan(0);
    for (const node of window.seen) expect(node.publishedAt! >= '2025-05-31T16:00:00.000Z').toBe(true);
    const author = await listAll({ authorId: memberId('bayu-video') });
    expect(new Set(author.seen.map((n) => n.author.id))).toEqual(new Set([memberId('bayu-video')]));
  });

  it('searches title, summary and body case-insensitively in English and Chinese, by relevance then date', async () => {
    const buddha = await listAll({ search: 'giant BUDDHA' }, ANONYMOUS, 7);
    expect(buddha.seen.length).toBeGreaterThan(0);
    expect(new Set(buddha.seen.map((n) => n.id)).size).toBe(buddha.total);
    // Natural-language search (MySQL) may also answer pieces with one of the words, ranked lower.
    const texts = new Map(seedContents().map((c) => [c.id, `${c.title} ${c.summary} ${c.body}`.toLowerCase()]));
    expect(buddha.seen.every((n) => /giant|buddha/.test(texts.get(n.id) ?? ''))).toBe(true);
    expect(buddha.seen[0]!.title).toMatch(/giant buddha/i);
    expect(buddha.seen[0]!.attractions.map((a) => a.id)).toContain(LESHAN);
    const chinese = await listAll({ search: '乐山大佛' });
    expect(chinese.seen.length).toBeGreaterThan(0);
    expect(chinese.seen.every((n) => n.language === 'zh-CN')).toBe(true);
    // Two characters: below full-text token sizes, found by substring.
    const panda = await listAll({ search: '熊猫' });
    expect(panda.seen.length).toBeGreaterThan(0);
    const bodyOnly = await listAll({ search: 'development environment' });
    expect(bodyOnly.total).toBe(seedContents().filter((c) => c.status === 'PUBLISHED' && c.language === 'en').length);
    const none = await listAll({ search: '100% nothing like this' });
    expect(none.total).toBe(0);
  });

  it('lets a member create, edit and publish its own story, hides the draft from others, and lets an admin archive it', async () => {
    const created = await subgraph.execute<{ createContent: ContentNode }>(
      CREATE,
      {
        input: {
          kind: 'ARTICLE',
          title: '  Snow on Xiling  ',
          language: 'en',
          tags: [' Ski ', 'ski', 'WINTER'],
          attractionIds: [stableId('attraction', 'xiling-snow-mountain-ski-resort')],
          campaignId: WINTER_2024,
        },
      },
      AUTHOR,
    );
    expect(created.errors).toBeUndefined();
    const story = created.data!.createContent;
    expect(story).toMatchObject({
      title: 'Snow on Xiling',
      status: 'DRAFT',
      tags: ['ski', 'winter'],
      publishedAt: null,
      author: { id: memberId('chengdu-evening-news') },
      campaign: { id: WINTER_2024 },
    });
    expect((await subgraph.execute<{ content: null }>(ONE, { id: story.id }, ANONYMOUS)).data!.content).toBeNull();
    expect((await subgraph.execute<{ content: null }>(ONE, { id: story.id }, OTHER)).data!.content).toBeNull();
    expect((await subgraph.execute<{ content: ContentNode }>(ONE, { id: story.id }, ADMIN)).data!.content.id).toBe(
      story.id,
    );
    const hiddenEdit = await subgraph.execute(UPDATE, { id: story.id, input: { title: 'Mine now' } }, OTHER);
    expect(codeOf(hiddenEdit)).toBe('NOT_FOUND');

    const edited = await subgraph.execute<{ updateContent: ContentNode }>(
      UPDATE,
      { id: story.id, input: { title: 'Fresh snow on Xiling', tags: ['Ski', 'Powder'] } },
      AUTHOR,
    );
    expect(edited.data!.updateContent).toMatchObject({ title: 'Fresh snow on Xiling', tags: ['ski', 'powder'] });
    const published = await subgraph.execute<{ publishContent: ContentNode }>(PUBLISH, { id: story.id }, AUTHOR);
    expect(published.data!.publishContent.status).toBe('PUBLISHED');
    expect(Date.parse(published.data!.publishContent.publishedAt!)).toBeGreaterThan(Date.now() - 60_000);
    expect((await subgraph.execute<{ content: ContentNode }>(ONE, { id: story.id })).data!.content.status).toBe(
      'PUBLISHED',
    );

    const othersEdit = await subgraph.execute(UPDATE, { id: story.id, input: { title: 'Mine now' } }, OTHER);
    expect(codeOf(othersEdit)).toBe('FORBIDDEN');
    const othersArchive = await subgraph.execute(ARCHIVE, { id: story.id }, OTHER);
    expect(codeOf(othersArchive)).toBe('FORBIDDEN');
    const anonymousEdit = await subgraph.execute(UPDATE, { id: story.id, input: { title: 'x' } }, ANONYMOUS);
    expect(codeOf(anonymousEdit)).toBe('UNAUTHENTICATED');

    const again = await subgraph.execute(PUBLISH, { id: story.id }, AUTHOR);
    expect(codeOf(again)).toBe('BAD_USER_INPUT');
    expect(again.errors![0]!.message).toMatch(/PUBLISHED.*archiveContent/);

    const archived = await subgraph.execute<{ archiveContent: ContentNode }>(ARCHIVE, { id: story.id }, ADMIN);
    expect(archived.data!.archiveContent.status).toBe('ARCHIVED');
    expect((await subgraph.execute<{ content: null }>(ONE, { id: story.id })).data!.content).toBeNull();
    const archiveAgain = await subgraph.execute(ARCHIVE, { id: story.id }, AUTHOR);
    expect(archiveAgain.errors![0]!.message).toMatch(/ARCHIVED.*publishContent/);

    const trail = await subgraph.execute<{
      _entities: Array<{ content: { nodes: Array<{ operation: string; outcome: string }> } }>;
    }>(
      `query($t: ID!) { _entities(representations: [{ __typename: "AuditTrail", id: "alliance" }]) {
         ... on AuditTrail { content(filter: { targetId: $t }, first: 20) { nodes { operation outcome } } } } }`,
      { t: story.id },
      ADMIN,
    );
    expect(trail.errors).toBeUndefined();
    const records = trail.data!._entities[0]!.content.nodes.map((r) => `${r.operation}:${r.outcome}`);
    expect(records).toEqual(
      expect.arrayContaining([
        'updateContent:SUCCESS',
        'publishContent:SUCCESS',
        'archiveContent:SUCCESS',
        'updateContent:DENIED',
        'publishContent:REJECTED',
      ]),
    );
  });

  it('makes an admin name the author, and keeps members writing as themselves', async () => {
    const input = { kind: 'REPORT', title: 'Quarterly report', language: 'zh-CN' };
    expect(codeOf(await subgraph.execute(CREATE, { input }, ADMIN))).toBe('BAD_USER_INPUT');
    const named = await subgraph.execute<{ createContent: ContentNode }>(
      CREATE,
      { input: { ...input, authorId: memberId('leshan-daily') } },
      ADMIN,
    );
    expect(named.data!.createContent.author.id).toBe(memberId('leshan-daily'));
    const unknownAuthor = await subgraph.execute(CREATE, { input: { ...input, authorId: 'no-such-member' } }, ADMIN);
    expect(codeOf(unknownAuthor)).toBe('BAD_USER_INPUT');
    const impostor = await subgraph.execute(
      CREATE,
      { input: { ...input, authorId: memberId('leshan-daily') } },
      AUTHOR,
    );
    expect(codeOf(impostor)).toBe('FORBIDDEN');
    expect(codeOf(await subgraph.execute(CREATE, { input }, ANONYMOUS))).toBe('UNAUTHENTICATED');
  });

  it.each([
    ['an empty title', { title: '   ' }, /title/],
    ['a title of 201 characters', { title: 'x'.repeat(201) }, /title/],
    ['a body one character over 16,000', { body: 'x'.repeat(16_001) }, /body.*16000/],
    ['a 10 MB body', { body: 'x'.repeat(10 * 1024 * 1024) }, /body/],
    ['an unknown language', { language: 'xx-YY' }, /zh-CN, en/],
    ['21 different tags', { tags: Array.from({ length: 21 }, (_, i) => `tag-${i}`) }, /at most 20/],
    ['a tag of 41 characters', { tags: ['t'.repeat(41)] }, /tags/],
    ['an unknown attraction', { attractionIds: [LESHAN, 'no-such-attraction'] }, /no-such-attraction/],
    ['an unknown campaign', { campaignId: stableId('campaign', 'no-such-campaign') }, /campaign/],
  ])('refuses %s with BAD_USER_INPUT and writes nothing but the audit record', async (_name, change, message) => {
    const before = await rowCount();
    const input = { kind: 'ARTICLE', title: 'A valid title', language: 'en', ...change };
    const result = await subgraph.execute(CREATE, { input }, AUTHOR);
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0]!.message).toMatch(message);
    expect(await rowCount()).toBe(before);
  });

  it('shows a member its own drafts in Member.contents and only published pieces to others', async () => {
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Member { contents(first: 100) { totalCount nodes { status author { id } } } } } }`;
    const author = seedContents().find((c) => c.status === 'DRAFT')!.authorId;
    const r = [{ __typename: 'Member', id: author }];
    type Data = { _entities: Array<{ contents: { totalCount: number; nodes: Array<{ status: string }> } }> };
    const own = await subgraph.execute<Data>(
      query,
      { r },
      { viewer: { role: 'MEMBER', memberId: author, keyId: 'k' } },
    );
    const other = await subgraph.execute<Data>(query, { r }, OTHER);
    expect(other.data).toEqual((await subgraph.execute<Data>(query, { r }, ANONYMOUS)).data);
    const anonymous = await subgraph.execute<Data>(query, { r }, ANONYMOUS);
    const ownStatuses = new Set(own.data!._entities[0]!.contents.nodes.map((n) => n.status));
    expect(ownStatuses.has('DRAFT')).toBe(true);
    expect(new Set(anonymous.data!._entities[0]!.contents.nodes.map((n) => n.status))).toEqual(new Set(['PUBLISHED']));
    expect(own.data!._entities[0]!.contents.totalCount).toBeGreaterThan(
      anonymous.data!._entities[0]!.contents.totalCount,
    );
  });

  it.each([
    ['Member', 'contents', FOUNDING_MEMBERS.map((m) => memberId(m.slug))],
    ['Attraction', 'stories', ATTRACTIONS.map((a) => stableId('attraction', a.slug))],
    ['Campaign', 'contents', SEED_CAMPAIGNS.map((c) => stableId('campaign', c.slug))],
  ])(
    'loads %s.%s for any number of parents and any page size with the same number of SQL statements',
    async (type, field, ids) => {
      const query = (first: number) =>
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${type} { ${field}(first: ${first}) {
           totalCount nodes { id title tags attractions { id } } pageInfo { hasNextPage endCursor } } } } }`;
      const measure = async (count: number, first: number) => {
        const r = ids.slice(0, count).map((id) => ({ __typename: type, id }));
        let result: Result = {};
        const statements = await subgraph.database.queries.measure(async () => {
          result = await subgraph.execute(query(first), { r });
        });
        expect(result.errors).toBeUndefined();
        return { statements, result };
      };
      const small = await measure(2, 3);
      const large = await measure(ids.length, 50);
      expect(small.statements).toBe(4); // page, counts, tags, attractions
      expect(large.statements).toBe(small.statements);
      // Each parent's page really holds its own content, newest first, and says whether more follow.
      const entities = (
        large.result.data as { _entities: Array<Record<string, { totalCount: number; nodes: unknown[] }>> }
      )._entities;
      expect(entities.some((e) => e[field]!.nodes.length > 3)).toBe(true);
      for (const e of entities) expect(e[field]!.nodes.length).toBe(Math.min(50, e[field]!.totalCount));
    },
  );

  it('pages more than 200 parents in one more statement, each parent still getting its own newest content', async () => {
    const members = FOUNDING_MEMBERS.map((m) => memberId(m.slug));
    const unknown = Array.from({ length: 250 - members.length }, (_, i) => stableId('member', `no-such-member-${i}`));
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Member { contents(first: 2) { nodes { id } } } } }`;
    type Data = { _entities: Array<{ contents: { nodes: Array<{ id: string }> } }> };
    const ask = (ids: string[]) =>
      subgraph.execute<Data>(query, { r: ids.map((id) => ({ __typename: 'Member', id })) });
    let many: Result<Data> = {};
    // Unknown members first: the known ones fall into the second union of 200.
    const statements = await subgraph.database.queries.measure(async () => {
      many = await ask([...unknown, ...members]);
    });
    expect(many.errors).toBeUndefined();
    expect(statements).toBe(2);
    const known = many.data!._entities.slice(unknown.length);
    expect(known).toEqual((await ask(members)).data!._entities);
    expect(known.every((e) => e.contents.nodes.length === 2)).toBe(true);
    expect(many.data!._entities.slice(0, unknown.length).every((e) => e.contents.nodes.length === 0)).toBe(true);
  });

  it('pages a per-parent list with after cursors without overlap', async () => {
    const query = `query($r: [_Any!]!, $after: String) { _entities(representations: $r) { ... on Attraction {
      stories(first: 2, after: $after) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } } } }`;
    const r = [{ __typename: 'Attraction', id: LESHAN }];
    type Data = {
      _entities: Array<{
        stories: {
          totalCount: number;
          nodes: Array<{ id: string }>;
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
      }>;
    };
    const seen: string[] = [];
    let after: string | null = null;
    let total = 0;
    for (let i = 0; i < 50; i += 1) {
      const result: Result<Data> = await subgraph.execute<Data>(query, { r, after });
      const stories = result.data!._entities[0]!.stories;
      total = stories.totalCount;
      seen.push(...stories.nodes.map((n) => n.id));
      if (!stories.pageInfo.hasNextPage) break;
      after = stories.pageInfo.endCursor;
    }
    expect(total).toBeGreaterThan(2);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
  });

  it('resolves Content representations in one SQL statement and hides drafts from anonymous callers', async () => {
    const pieces = seedContents();
    const draft = pieces.find((p) => p.status === 'DRAFT')!;
    const published = pieces.filter((p) => p.status === 'PUBLISHED').slice(0, 5);
    const r = [...published, draft].map((p) => ({ __typename: 'Content', id: p.id }));
    let result: Result<{ _entities: Array<{ id: string } | null> }> = {};
    const statements = await subgraph.database.queries.measure(async () => {
      result = await subgraph.execute(
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on Content { id } } }`,
        {
          r,
        },
      );
    });
    expect(statements).toBe(1);
    expect(result.data!._entities.map((e) => e?.id ?? null)).toEqual([...published.map((p) => p.id), null]);
  });

  it('seeds idempotently: a second seed neither duplicates nor empties anything', async () => {
    expect(await isEmpty(subgraph.database.dataSource)).toBe(false);
    const before = await rowCount();
    await seed(subgraph.database.dataSource, { devCredentials: true });
    expect(await rowCount()).toBe(before);
  });

  it('has migrations that produce exactly the schema the entities describe', async () => {
    const pending = await subgraph.database.dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });
});
