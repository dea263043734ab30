import { stableId } from '../../subgraphs/kit/ids';
import { seedContents } from '../../subgraphs/content/seed-data';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { FOUNDING_MEMBERS } from '../../subgraphs/membership/seed-data';
import { ENGINES } from '../support/databases';
import { graphql } from '../support/processes';
import { type InProcessGraph, startInProcessGraph } from '../support/gateway';

const ADMIN = DEV_CREDENTIALS.admin.secret;
const AUTHOR = DEV_CREDENTIALS.member.secret; // chengdu-evening-news
const AUTHOR_ID = stableId('member', 'chengdu-evening-news');

type Errors = Array<{ message: string; extensions?: Record<string, unknown> }>;
const bearer = (credential: string) => ({ authorization: `Bearer ${credential}` });

interface Story {
  id: string;
  title: string;
  status: string;
  publishedAt: string | null;
  author: { name: string };
}
const STORY = 'id title status publishedAt author { name }';

describe.each(ENGINES)('content through the gateway on %s', (engine) => {
  let graph: InProcessGraph;
  let url: string;
  let otherMember: string;

  const run = <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}, as?: string) =>
    graphql<T>(url, query, variables, as ? bearer(as) : {});

  /** Content rows of the author (all statuses, read as admin) and rejected content mutations in the trail. */
  async function written(): Promise<{ rows: number; rejected: number }> {
    const { body } = await run<{
      contents: { totalCount: number };
      audit: { content: { totalCount: number } };
    }>(
      `query($a: ID!) { contents(filter: { authorId: $a }, first: 0) { totalCount }
         audit { content(filter: { outcome: REJECTED }, first: 0) { totalCount } } }`,
      { a: AUTHOR_ID },
      ADMIN,
    );
    return { rows: body.data!.contents.totalCount, rejected: body.data!.audit.content.totalCount };
  }

  beforeAll(async () => {
    graph = await startInProcessGraph({}, {}, engine);
    url = graph.gateway.url;
    // A second member's credential, issued by the secretariat.
    const issued = await run<{ issueApiKey: { secret: string } }>(
      `mutation($m: ID!) { issueApiKey(memberId: $m, label: "e2e other member") { secret } }`,
      { m: stableId('member', 'bayu-video') },
      ADMIN,
    );
    otherMember = issued.body.data!.issueApiKey.secret;
  });
  afterAll(() => graph?.stop());

  it('lists published content with author names and kinds from the membership subgraph', async () => {
    const { status, body } = await run<{
      contents: {
        totalCount: number;
        nodes: Array<{ title: string; language: string; author: { name: string; kind: string } }>;
      };
    }>(
      '{ contents(first: 50, filter: { status: PUBLISHED }) { totalCount nodes { title language author { name kind } } } }',
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const { totalCount, nodes } = body.data!.contents;
    expect(totalCount).toBe(seedContents().filter((c) => c.status === 'PUBLISHED').length);
    expect(nodes).toHaveLength(50);
    const names = new Set(FOUNDING_MEMBERS.map((m) => m.nameEn));
    for (const node of nodes) {
      expect(names.has(node.author.name)).toBe(true);
      expect(FOUNDING_MEMBERS.find((m) => m.nameEn === node.author.name)!.kind).toBe(node.author.kind);
    }
    expect(new Set(nodes.map((n) => n.language))).toEqual(new Set(['en', 'zh-CN']));
  });

  it('lets a member create, edit and publish its own story; another member cannot edit it; anonymous cannot see the draft; an admin archives it', async () => {
    const created = await run<{ createContent: Story }>(
      `mutation($input: CreateContentInput!) { createContent(input: $input) { ${STORY} } }`,
      { input: { kind: 'PHOTO_STORY', title: 'Lanterns in Jinli', language: 'en', tags: ['Night', 'night'] } },
      AUTHOR,
    );
    expect(created.body.errors).toBeUndefined();
    const story = created.body.data!.createContent;
    expect(story).toMatchObject({ status: 'DRAFT', publishedAt: null, author: { name: 'Chengdu Evening News' } });

    const read = `query($id: ID!) { content(id: $id) { ${STORY} } }`;
    expect((await run<{ content: Story | null }>(read, { id: story.id })).body.data!.content).toBeNull();
    expect((await run<{ content: Story | null }>(read, { id: story.id }, otherMember)).body.data!.content).toBeNull();

    const update = `mutation($id: ID!, $t: String!) { updateContent(id: $id, input: { title: $t }) { ${STORY} } }`;
    const edited = await run<{ updateContent: Story }>(
      update,
      { id: story.id, t: 'Lanterns in Jinli at dusk' },
      AUTHOR,
    );
    expect(edited.body.data!.updateContent.title).toBe('Lanterns in Jinli at dusk');
    const published = await run<{ publishContent: Story }>(
      `mutation($id: ID!) { publishContent(id: $id) { ${STORY} } }`,
      { id: story.id },
      AUTHOR,
    );
    expect(published.body.data!.publishContent.status).toBe('PUBLISHED');
    expect(published.body.data!.publishContent.publishedAt).not.toBeNull();
    expect((await run<{ content: Story }>(read, { id: story.id })).body.data!.content.title).toBe(
      'Lanterns in Jinli at dusk',
    );

    const hijack = await run(update, { id: story.id, t: 'Not yours' }, otherMember);
    expect(hijack.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await run<{ content: Story }>(read, { id: story.id })).body.data!.content.title).toBe(
      'Lanterns in Jinli at dusk',
    );

    const archived = await run<{ archiveContent: Story }>(
      `mutation($id: ID!) { archiveContent(id: $id) { ${STORY} } }`,
      { id: story.id },
      ADMIN,
    );
    expect(archived.body.data!.archiveContent.status).toBe('ARCHIVED');
    expect((await run<{ content: Story | null }>(read, { id: story.id })).body.data!.content).toBeNull();

    const trail = await run<{
      audit: { content: { nodes: Array<{ operation: string; outcome: string; actor: { name: string } }> } };
    }>(
      `query($t: ID!) { audit { content(filter: { targetId: $t }, first: 10) { nodes { operation outcome actor { name } } } } }`,
      { t: story.id },
      ADMIN,
    );
    expect(trail.body.errors).toBeUndefined();
    expect(trail.body.data!.audit.content.nodes.map((r) => `${r.operation} ${r.outcome} ${r.actor.name}`)).toEqual([
      'archiveContent SUCCESS Tianfu Daily',
      'updateContent DENIED Ba-Yu Video',
      'publishContent SUCCESS Chengdu Evening News',
      'updateContent SUCCESS Chengdu Evening News',
      'createContent SUCCESS Chengdu Evening News',
    ]);
  });

  it.each([
    ['an empty title', { title: '' }],
    ['an unknown language', { language: 'tlh' }],
    ['21 tags', { tags: Array.from({ length: 21 }, (_, i) => `tag${i}`) }],
    ['a body just over the 16,000-character limit', { body: '字'.repeat(16_001) }],
  ])('answers %s with BAD_USER_INPUT and writes nothing', async (_name, change) => {
    const before = await written();
    const { body } = await run<unknown>(
      `mutation($input: CreateContentInput!) { createContent(input: $input) { id } }`,
      { input: { kind: 'ARTICLE', title: 'Valid', language: 'en', ...change } },
      AUTHOR,
    );
    expect((body.errors as Errors)[0]!.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await written()).toEqual({ rows: before.rows, rejected: before.rejected + 1 });
  });

  it('refuses a 10 MB body before GraphQL with 413 and a coded error, writing nothing', async () => {
    const before = await written();
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(AUTHOR) },
      body: JSON.stringify({
        query: 'mutation($input: CreateContentInput!) { createContent(input: $input) { id } }',
        variables: { input: { kind: 'ARTICLE', title: 'Huge', language: 'en', body: 'x'.repeat(10 * 1024 * 1024) } },
      }),
    });
    expect(response.status).toBe(413);
    const body = (await response.json()) as { errors: Errors };
    expect(body.errors[0]!.extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors[0]!.message).toMatch(/larger than the limit of \d+ bytes/);
    expect(await written()).toEqual(before);
  });

  it('sends the content subgraph as many SQL statements for members(first: 30) with contents(first: 5) as for first: 3', async () => {
    const query = (n: number) => `{ members(first: ${n}) { nodes { name contents(first: 5) { nodes { title } } } } }`;
    const measure = async (n: number) => {
      const before = await graph.sqlStatements('content');
      const { body } = await run<{ members: { nodes: Array<{ contents: { nodes: unknown[] } }> } }>(query(n));
      expect(body.errors).toBeUndefined();
      expect(body.data!.members.nodes).toHaveLength(n);
      const statements = (await graph.sqlStatements('content')) - before;
      return { statements, pieces: body.data!.members.nodes.reduce((sum, m) => sum + m.contents.nodes.length, 0) };
    };
    const three = await measure(3);
    const thirty = await measure(30);
    expect(thirty.pieces).toBeGreaterThan(three.pieces);
    expect(three.statements).toBe(1);
    expect(thirty.statements).toBe(three.statements);
  });

  it('asks the membership subgraph whether the author an admin names exists', async () => {
    const create = `mutation($input: CreateContentInput!) { createContent(input: $input) { author { name } } }`;
    const input = { kind: 'REPORT', title: 'Alliance quarterly report', language: 'zh-CN' };
    const named = await run<{ createContent: { author: { name: string } } }>(
      create,
      { input: { ...input, authorId: stableId('member', 'leshan-daily') } },
      ADMIN,
    );
    expect(named.body.errors).toBeUndefined();
    expect(named.body.data!.createContent.author.name).toBe('Leshan Daily');
    const unknown = await run(create, { input: { ...input, authorId: stableId('member', 'nobody') } }, ADMIN);
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(unknown.body.errors?.[0]?.message).toMatch(/no member with id/);
  });

  it('asks the tourism subgraph whether attraction ids exist: a real one is stored, an unknown one refused', async () => {
    const create = `mutation($input: CreateContentInput!) { createContent(input: $input) { id attractions { id name } } }`;
    const leshan = stableId('attraction', 'leshan-giant-buddha');
    const ok = await run<{ createContent: { attractions: Array<{ id: string; name: string }> } }>(
      create,
      { input: { kind: 'VIDEO', title: 'Buddha at dawn', language: 'en', attractionIds: [leshan] } },
      AUTHOR,
    );
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.data!.createContent.attractions[0]!.id).toBe(leshan);
    const bad = await run(
      create,
      {
        input: {
          kind: 'VIDEO',
          title: 'Nowhere',
          language: 'en',
          attractionIds: [stableId('attraction', 'atlantis')],
        },
      },
      AUTHOR,
    );
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('answers Attraction.stories for a page of attractions with as many SQL statements for 50 as for 5', async () => {
    const query = (n: number) =>
      `{ attractions(first: ${n}) { nodes { name stories(first: 3) { totalCount nodes { title author { name } } } } } }`;
    const measure = async (n: number) => {
      const before = await graph.sqlStatements('content');
      const { body } = await run<{
        attractions: {
          nodes: Array<{ stories: { totalCount: number; nodes: Array<{ author: { name: string } }> } }>;
        };
      }>(query(n));
      expect(body.errors).toBeUndefined();
      return { statements: (await graph.sqlStatements('content')) - before, nodes: body.data!.attractions.nodes };
    };
    const five = await measure(5);
    const fifty = await measure(50);
    expect(fifty.nodes).toHaveLength(50);
    expect(fifty.nodes.filter((a) => a.stories.totalCount > 0).length).toBeGreaterThan(40);
    for (const attraction of fifty.nodes) {
      expect(attraction.stories.nodes.length).toBe(Math.min(3, attraction.stories.totalCount));
      for (const story of attraction.stories.nodes) expect(story.author.name).toBeTruthy();
    }
    expect(five.statements).toBe(2); // the windowed page and the grouped count
    expect(fifty.statements).toBe(five.statements);
  });

  it('lists the published content serving a campaign next to the campaign campaigns owns', async () => {
    const { body } = await run<{
      campaign: { name: string; contents: { totalCount: number; nodes: Array<{ campaign: { slug: string } }> } };
    }>(
      '{ campaign(slug: "winter-tourism-season-2024") { name contents(first: 5) { totalCount nodes { title campaign { slug } } } } }',
    );
    expect(body.errors).toBeUndefined();
    const expected = seedContents().filter(
      (c) => c.status === 'PUBLISHED' && c.campaignId === stableId('campaign', 'winter-tourism-season-2024'),
    ).length;
    expect(body.data!.campaign.contents.totalCount).toBe(expected);
    expect(body.data!.campaign.contents.nodes).toHaveLength(5);
    for (const node of body.data!.campaign.contents.nodes)
      expect(node.campaign.slug).toBe('winter-tourism-season-2024');
  });

  it('asks the campaigns subgraph whether a campaign id exists', async () => {
    const create = `mutation($input: CreateContentInput!) { createContent(input: $input) { id campaign { id } } }`;
    const winter = stableId('campaign', 'winter-tourism-season-2025');
    const ok = await run<{ createContent: { campaign: { id: string } } }>(
      create,
      { input: { kind: 'ARTICLE', title: 'Winter again', language: 'zh-CN', campaignId: winter } },
      AUTHOR,
    );
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.data!.createContent.campaign.id).toBe(winter);
    const bad = await run(
      create,
      { input: { kind: 'ARTICLE', title: 'No such', language: 'en', campaignId: stableId('campaign', 'nope') } },
      AUTHOR,
    );
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
