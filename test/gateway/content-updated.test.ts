import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { stableId } from '../../subgraphs/kit/ids';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { ENGINES } from '../support/databases';
import { type InProcessGraph, startInProcessGraph } from '../support/gateway';
import { graphql } from '../support/processes';

const ADMIN = DEV_CREDENTIALS.admin.secret;
const AUTHOR = DEV_CREDENTIALS.member.secret; // chengdu-evening-news
const AUTHOR_ID = stableId('member', 'chengdu-evening-news');

const UPDATED = 'subscription($f: ContentEventFilter) { contentUpdated(filter: $f) { title status author { name } } }';

interface Delivery {
  title: string;
  status: string;
}

/** Waits until `condition` holds (the test's timeout bounds the wait). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe.each(ENGINES)('contentUpdated through the gateway on %s', (engine) => {
  let graph: InProcessGraph;
  let otherMember: string;
  const clients: Client[] = [];

  const run = async <T = Record<string, unknown>>(query: string, variables: Record<string, unknown>, as: string) => {
    const { body } = await graphql<T>(graph.gateway.url, query, variables, { authorization: `Bearer ${as}` });
    expect(body.errors).toBeUndefined();
    return body.data!;
  };
  const receiving = () => graph.subgraphs.content!.built.receiving();

  /** Subscribes as `bearer` (anonymous without), collecting deliveries; resolves once the subgraph reads for it. */
  async function subscribe(bearer?: string, filter?: Record<string, unknown>): Promise<Delivery[]> {
    const client = createClient({
      url: `${graph.gateway.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: bearer ? { authorization: `Bearer ${bearer}` } : {},
    });
    clients.push(client);
    const deliveries: Delivery[] = [];
    const before = receiving();
    void (async () => {
      for await (const result of client.iterate({ query: UPDATED, variables: { f: filter ?? null } })) {
        expect(result.errors).toBeUndefined();
        const { title, status } = (result.data as { contentUpdated: Delivery & { author: { name: string } } })
          .contentUpdated;
        deliveries.push({ title, status });
      }
    })().catch(() => undefined);
    await until(() => receiving() > before);
    return deliveries;
  }

  const create = async (title: string, tags: string[] = []) =>
    (
      await run<{ createContent: { id: string } }>(
        'mutation($input: CreateContentInput!) { createContent(input: $input) { id } }',
        { input: { kind: 'ARTICLE', title, language: 'en', tags } },
        AUTHOR,
      )
    ).createContent.id;
  const publish = (id: string) => run('mutation($id: ID!) { publishContent(id: $id) { id } }', { id }, AUTHOR);
  const retitle = (id: string, title: string) =>
    run(
      'mutation($id: ID!, $input: UpdateContentInput!) { updateContent(id: $id, input: $input) { id } }',
      {
        id,
        input: { title },
      },
      AUTHOR,
    );
  const archive = (id: string) => run('mutation($id: ID!) { archiveContent(id: $id) { id } }', { id }, AUTHOR);

  beforeAll(async () => {
    graph = await startInProcessGraph({}, {}, engine);
    const { issueApiKey } = await run<{ issueApiKey: { secret: string } }>(
      `mutation($m: ID!) { issueApiKey(memberId: $m, label: "contentUpdated other member") { secret } }`,
      { m: stableId('member', 'bayu-video') },
      ADMIN,
    );
    otherMember = issueApiKey.secret;
  });
  afterAll(async () => {
    for (const client of clients) await client.dispose();
    await graph?.stop();
  });

  it('delivers edits and the archiving of published pieces, never a draft edit, and an archived piece only to its author and admins', async () => {
    const anonymous = await subscribe();
    const other = await subscribe(otherMember);
    const author = await subscribe(AUTHOR);
    const admin = await subscribe(ADMIN);
    const tagged = await subscribe(undefined, { tag: 'pandas', authorId: AUTHOR_ID });

    const draft = await create('A draft');
    await retitle(draft, 'A draft, retitled'); // a draft's edit: nobody
    const story = await create('A story', ['pandas']);
    await publish(story); // a publication: contentPublished's, not this one's
    await retitle(story, 'A story, retitled');
    // Delivered before the archiving: each delivery shows the piece as it is then.
    await until(() =>
      [anonymous, other, author, admin, tagged].every((deliveries) =>
        deliveries.some((d) => d.title === 'A story, retitled'),
      ),
    );
    await archive(story); // the author and admins only
    const last = await create('The last');
    await publish(last);
    await retitle(last, 'The last, retitled');

    // Last, a tagged piece every subscriber receives: what came before has been delivered then.
    const sentinel = await create('Sentinel', ['pandas']);
    await publish(sentinel);
    await retitle(sentinel, 'Sentinel, retitled');
    const subscribers = [anonymous, other, author, admin, tagged];
    await until(() => subscribers.every((deliveries) => deliveries.some((d) => d.title === 'Sentinel, retitled')));

    const edit = { title: 'A story, retitled', status: 'PUBLISHED' };
    const archived = { title: 'A story, retitled', status: 'ARCHIVED' };
    const lastEdit = { title: 'The last, retitled', status: 'PUBLISHED' };
    const sentinelEdit = { title: 'Sentinel, retitled', status: 'PUBLISHED' };
    expect(anonymous).toEqual([edit, lastEdit, sentinelEdit]);
    expect(other).toEqual([edit, lastEdit, sentinelEdit]);
    expect(author).toEqual([edit, archived, lastEdit, sentinelEdit]);
    expect(admin).toEqual([edit, archived, lastEdit, sentinelEdit]);
    // The filter is met by the pieces with the tag only.
    expect(tagged).toEqual([edit, sentinelEdit]);
  });

  it('answers a malformed filter with BAD_USER_INPUT', async () => {
    const client = createClient({
      url: `${graph.gateway.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    clients.push(client);
    // A subscription that cannot start answers one result with the error, then completes.
    const first = await client.iterate({ query: UPDATED, variables: { f: { language: 'klingon' } } }).next();
    expect(first.value).toEqual({
      data: null,
      errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })],
    });
  });
});
