import { buildSubgraphSchema } from '@apollo/subgraph';
import {
  type DocumentNode,
  type GraphQLInputType,
  getNamedType,
  getNullableType,
  isInputObjectType,
  isListType,
  isScalarType,
} from 'graphql';
import { stableId } from '../../subgraphs/kit/ids';
import type { Identity } from '../../subgraphs/kit/identity';
import type { Subgraph } from '../../subgraphs/kit/descriptor';
import { campaigns as campaignsSubgraph } from '../../subgraphs/campaigns/server';
import { content as contentSubgraph, createContentSubgraph } from '../../subgraphs/content/server';
import type { ReferenceChecker } from '../../subgraphs/content/references';
import { membership as membershipSubgraph } from '../../subgraphs/membership/server';
import { tourism as tourismSubgraph } from '../../subgraphs/tourism/server';
import { ENGINES } from '../support/databases';
import { openSubgraph, type SubgraphHarness } from '../support/subgraph';

/**
 * One rule for control characters in every text input of every mutation of every subgraph
 * (subgraphs/kit/validation.ts): U+0000-U+001F other than tab, line feed and carriage return
 * are refused with BAD_USER_INPUT naming the field. The table below must name every String
 * input of every mutation: the first test derives that list from the schemas, so a new text
 * input without a case here fails it.
 */

const ADMIN: Identity = { role: 'ADMIN', memberId: stableId('member', 'tianfu-daily'), keyId: null };
const AUTHOR: Identity = { role: 'MEMBER', memberId: stableId('member', 'chengdu-evening-news'), keyId: null };
const CONTROL_CHARACTERS = ['\u0000', '\u0007', '\u000B', '\u001B', '\u001F'];
/** Inputs whose own format rule (a slug, a month, a list of allowed values) already refuses such a text. */
const FORMAT_CHECKED = /\.(slug|region|level|language)$|\.month$/;

/** Accepts every id: content's references are not under test here. */
const anyIds: ReferenceChecker = { missing: async () => [] };

interface MutationCase {
  /** The operation, taking its arguments as variables. */
  document: string;
  /** Valid arguments; each String input in them is spoiled in turn. */
  variables: (ids: Record<string, string>) => Record<string, unknown>;
  viewer: Identity;
}

interface SubgraphCase {
  name: string;
  typeDefs: DocumentNode;
  subgraph: Subgraph;
  /** Creates what the update mutations act on; answers ids by name. */
  prepare?: (harness: SubgraphHarness) => Promise<Record<string, string>>;
  mutations: Record<string, MutationCase>;
}

const CASES: SubgraphCase[] = [
  {
    name: 'membership',
    typeDefs: membershipSubgraph.typeDefs,
    subgraph: membershipSubgraph,
    mutations: {
      admitMember: {
        document: `mutation($input: AdmitMemberInput!) { admitMember(input: $input) { id } }`,
        variables: () => ({
          input: {
            slug: 'text-rule-daily',
            name: 'Text Rule Daily',
            localName: '文本日报',
            kind: 'NEWSPAPER',
            region: 'Sichuan',
            website: 'https://example.com/',
            contactEmail: 'desk@example.com',
          },
        }),
        viewer: ADMIN,
      },
      updateMember: {
        document: `mutation($id: ID!, $input: UpdateMemberInput!) { updateMember(id: $id, input: $input) { id } }`,
        variables: () => ({
          id: AUTHOR.memberId,
          input: {
            name: 'Chengdu Evening News',
            localName: '成都晚报',
            region: 'Sichuan',
            website: 'https://example.com/',
            contactEmail: 'desk@example.com',
          },
        }),
        viewer: ADMIN,
      },
      setMemberStatus: {
        document: `mutation($id: ID!, $reason: String!) { setMemberStatus(id: $id, status: SUSPENDED, reason: $reason) { id } }`,
        variables: () => ({ id: AUTHOR.memberId, reason: 'Unpaid dues' }),
        viewer: ADMIN,
      },
      issueApiKey: {
        document: `mutation($memberId: ID!, $label: String!) { issueApiKey(memberId: $memberId, label: $label) { secret } }`,
        variables: () => ({ memberId: AUTHOR.memberId, label: 'newsroom CMS' }),
        viewer: ADMIN,
      },
      registerWebhook: {
        document: `mutation($input: RegisterWebhookInput!) { registerWebhook(input: $input) { secret } }`,
        // A public address literal: no DNS lookup.
        variables: () => ({
          input: {
            url: 'https://93.184.216.34/hooks',
            events: ['CONTENT_PUBLISHED'],
            filter: { tag: 'panda', language: 'en' },
          },
        }),
        viewer: AUTHOR,
      },
    },
  },
  {
    name: 'content',
    typeDefs: contentSubgraph.typeDefs,
    subgraph: createContentSubgraph(() => anyIds),
    prepare: async (harness) => {
      const created = await harness.execute<{ createContent: { id: string } }>(
        `mutation { createContent(input: { kind: ARTICLE, title: "Draft", language: "en" }) { id } }`,
        {},
        { viewer: AUTHOR },
      );
      return { content: created.data!.createContent.id };
    },
    mutations: {
      createContent: {
        document: `mutation($input: CreateContentInput!) { createContent(input: $input) { id } }`,
        variables: () => ({
          input: { kind: 'ARTICLE', title: 'Title', summary: 'Summary', body: 'Body', language: 'en', tags: ['panda'] },
        }),
        viewer: AUTHOR,
      },
      updateContent: {
        document: `mutation($id: ID!, $input: UpdateContentInput!) { updateContent(id: $id, input: $input) { id } }`,
        variables: (ids) => ({
          id: ids.content,
          input: { title: 'Title', summary: 'Summary', body: 'Body', language: 'en', tags: ['panda'] },
        }),
        viewer: AUTHOR,
      },
    },
  },
  {
    name: 'campaigns',
    typeDefs: campaignsSubgraph.typeDefs,
    subgraph: campaignsSubgraph,
    mutations: {
      launchCampaign: {
        document: `mutation($input: LaunchCampaignInput!) { launchCampaign(input: $input) { id } }`,
        variables: () => ({
          input: {
            slug: 'text-rule-2025',
            name: 'Text rule',
            localName: '文本规则',
            description: 'About it',
            localDescription: '关于',
            startsOn: '2025-05-01',
            endsOn: '2025-05-31',
            organizerId: ADMIN.memberId,
          },
        }),
        viewer: ADMIN,
      },
      updateCampaign: {
        document: `mutation($id: ID!, $input: UpdateCampaignInput!) { updateCampaign(id: $id, input: $input) { id } }`,
        variables: () => ({
          id: stableId('campaign', 'panda-summer-2025'),
          input: { name: 'Panda summer', localName: '熊猫之夏', description: 'About it', localDescription: '关于' },
        }),
        viewer: ADMIN,
      },
    },
  },
  {
    name: 'tourism',
    typeDefs: tourismSubgraph.typeDefs,
    subgraph: tourismSubgraph,
    mutations: {
      upsertAttraction: {
        document: `mutation($input: AttractionInput!) { upsertAttraction(input: $input) { id } }`,
        variables: () => ({
          input: {
            slug: 'text-rule-peak',
            name: 'Text Rule Peak',
            localName: '文本峰',
            destinationId: stableId('destination', 'chengdu'),
            category: 'NATURAL_SCENERY',
            level: 'AAAA',
            location: { latitude: 30.6, longitude: 104.1 },
          },
        }),
        viewer: ADMIN,
      },
      recordVisitorStats: {
        document: `mutation($input: [VisitorStatInput!]!) { recordVisitorStats(input: $input) }`,
        variables: () => ({
          input: [
            {
              attractionId: stableId('attraction', 'mount-emei'),
              month: '2025-07',
              domesticVisitors: 1,
              inboundVisitors: 1,
              revenueCny: 1,
            },
          ],
        }),
        viewer: ADMIN,
      },
    },
  },
];

/** Every String input of `type` below `path`, as the paths error messages name (`input.tags`, `input[0].month`). */
function stringInputs(type: GraphQLInputType, path: string): string[] {
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    const item = getNamedType(nullable);
    return isInputObjectType(item) ? stringInputs(nullable.ofType, `${path}[0]`) : stringInputs(item, path);
  }
  if (isInputObjectType(nullable)) {
    return Object.values(nullable.getFields()).flatMap((field) => stringInputs(field.type, `${path}.${field.name}`));
  }
  return isScalarType(nullable) && nullable.name === 'String' ? [path] : [];
}

/** The String inputs of every mutation of a subgraph, by mutation. */
function mutationTextInputs(typeDefs: DocumentNode): Record<string, string[]> {
  const mutation = buildSubgraphSchema([{ typeDefs }]).getMutationType();
  return Object.fromEntries(
    Object.values(mutation?.getFields() ?? {}).map((field) => [
      field.name,
      field.args.flatMap((arg) => stringInputs(arg.type, arg.name)),
    ]),
  );
}

/** A deep copy of `variables` with the text at `path` spoiled by `bad`, in every item of a list. */
function spoil(variables: Record<string, unknown>, path: string, bad: string): Record<string, unknown> {
  const copy = structuredClone(variables);
  const keys = path.replace(/\[0\]/g, '.0').split('.');
  let target = copy as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
  const last = keys.at(-1)!;
  const current = target[last];
  if (current === undefined) throw new Error(`the valid variables of this case lack ${path}`);
  target[last] = Array.isArray(current) ? [...current, `tag${bad}`] : `${String(current)}${bad}x`;
  return copy;
}

describe('the control-character rule', () => {
  it.each(CASES.map((c) => [c.name, c] as const))(
    'has a case for every mutation with a text input in %s',
    (_name, subgraphCase) => {
      const withText = Object.entries(mutationTextInputs(subgraphCase.typeDefs))
        .filter(([, paths]) => paths.length > 0)
        .map(([name]) => name)
        .sort();
      expect(Object.keys(subgraphCase.mutations).sort()).toEqual(withText);
    },
  );
});

describe.each(ENGINES)('text inputs of every mutation on %s', (engine) => {
  describe.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, subgraphCase) => {
    let harness: SubgraphHarness;
    let ids: Record<string, string> = {};
    beforeAll(async () => {
      harness = await openSubgraph(subgraphCase.subgraph, engine);
      ids = (await subgraphCase.prepare?.(harness)) ?? {};
    });
    afterAll(() => harness.close());

    const inputs = Object.entries(mutationTextInputs(subgraphCase.typeDefs)).flatMap(([mutation, paths]) =>
      paths.map((path, i) => [mutation, path, CONTROL_CHARACTERS[i % CONTROL_CHARACTERS.length]!] as const),
    );

    it.each(inputs)('%s refuses a control character in %s', async (mutation, path, bad) => {
      const { document, variables, viewer } = subgraphCase.mutations[mutation]!;
      const result = await harness.execute(document, spoil(variables(ids), path, bad), { viewer });
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: path });
      if (!FORMAT_CHECKED.test(path)) {
        const code = bad.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
        expect(result.errors?.[0]?.message).toMatch(
          new RegExp(`^${path.replace(/[.[\]]/g, '\\$&')} contains the control character U\\+${code}`),
        );
      }
    });
  });
});

describe.each(ENGINES)('allowed control characters on %s', (engine) => {
  let harness: SubgraphHarness;
  beforeAll(async () => {
    harness = await openSubgraph(
      createContentSubgraph(() => anyIds),
      engine,
    );
  });
  afterAll(() => harness.close());

  it('keeps tab, line feed and carriage return (CR LF, as web forms send line breaks)', async () => {
    const body = 'First line\r\nSecond line\n\tindented';
    const created = await harness.execute<{ createContent: { body: string } }>(
      `mutation($input: CreateContentInput!) { createContent(input: $input) { body } }`,
      { input: { kind: 'ARTICLE', title: 'Line breaks', body, language: 'en' } },
      { viewer: AUTHOR },
    );
    expect(created.errors).toBeUndefined();
    expect(created.data!.createContent.body).toBe(body);
  });
});

/**
 * Optional free texts follow one rule in every subgraph (`optionalText`, subgraphs/kit/validation.ts):
 * blank becomes null, the length counts once trimmed, and a text over the limit is refused as
 * "at most N characters".
 */
describe.each(ENGINES)('optional texts on %s', (engine) => {
  const cases = [
    {
      name: 'content summary',
      open: () => createContentSubgraph(() => anyIds),
      max: 1_000,
      field: 'input.summary',
      run: (harness: SubgraphHarness, text: string, n: number) =>
        harness.execute<{ created: { text: string | null } }>(
          `mutation($input: CreateContentInput!) { created: createContent(input: $input) { text: summary } }`,
          { input: { kind: 'ARTICLE', title: `Optional ${n}`, summary: text, language: 'en' } },
          { viewer: AUTHOR },
        ),
    },
    {
      name: 'campaign description',
      open: () => campaignsSubgraph,
      max: 2_000,
      field: 'input.description',
      run: (harness: SubgraphHarness, text: string, n: number) =>
        harness.execute<{ created: { text: string | null } }>(
          `mutation($input: LaunchCampaignInput!) { created: launchCampaign(input: $input) { text: description } }`,
          {
            input: {
              slug: `optional-text-${n}`,
              name: `Optional ${n}`,
              localName: '可选',
              description: text,
              startsOn: '2025-05-01',
              endsOn: '2025-05-31',
              organizerId: ADMIN.memberId,
            },
          },
          { viewer: ADMIN },
        ),
    },
  ];

  describe.each(cases.map((c) => [c.name, c] as const))('%s', (_name, { open, max, field, run }) => {
    let harness: SubgraphHarness;
    beforeAll(async () => {
      harness = await openSubgraph(open(), engine);
    });
    afterAll(() => harness.close());

    it('stores a blank text as null and a full-length one padded with blanks trimmed', async () => {
      const blank = await run(harness, '  \n ', 1);
      expect(blank.errors).toBeUndefined();
      expect(blank.data!.created.text).toBeNull();
      const full = 'x'.repeat(max);
      const padded = await run(harness, `  ${full}\n`, 2);
      expect(padded.errors).toBeUndefined();
      expect(padded.data!.created.text).toBe(full);
    });

    it('refuses a text over the limit as "at most N characters"', async () => {
      const result = await run(harness, ` ${'x'.repeat(max + 1)} `, 3);
      expect(result.errors?.map((e) => ({ message: e.message, ...e.extensions }))).toEqual([
        { message: `${field} must be at most ${max} characters, got ${max + 1}`, code: 'BAD_USER_INPUT', field },
      ]);
    });
  });
});
