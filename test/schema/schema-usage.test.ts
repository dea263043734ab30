import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type FieldDefinitionNode, type GraphQLObjectType, Kind, buildSchema, findBreakingChanges, parse, print, visit } from 'graphql';
import { runSchemaCheck } from '../../scripts/schema-check';
import { affectedCoordinates } from '../../scripts/schema-usage';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { type InProcessGraph, startInProcessGraph } from '../support/gateway';
import { freePort, graphql } from '../support/processes';

// `npm run schema:check -- --usage <gateway url>`: breaking changes classified by what the
// gateway recorded. Real traffic through an in-process graph, then the check against it.

const ROOT = path.resolve(__dirname, '../..');
const API = path.join(ROOT, 'schema/api.graphql');
const ADMIN = DEV_CREDENTIALS.admin.secret;
const MEMBER = DEV_CREDENTIALS.member.secret; // Chengdu Evening News

/** `sdl` with `Type.field` changed by `edit` (null removes it), through graphql-js whatever its description. */
function editField(
  sdl: string,
  type: string,
  field: string,
  edit: (node: FieldDefinitionNode) => FieldDefinitionNode | null,
): string {
  let found = false;
  const edited = print(
    visit(parse(sdl), {
      FieldDefinition: (node, _key, _parent, _path, ancestors) => {
        const owner = ancestors[ancestors.length - 1] as { kind?: string; name?: { value: string } };
        if (owner.kind !== Kind.OBJECT_TYPE_DEFINITION || owner.name?.value !== type || node.name.value !== field)
          return undefined;
        found = true;
        return edit(node);
      },
    }),
  );
  expect(found).toBe(true);
  return edited;
}
const remove = (sdl: string, type: string, field: string) => editField(sdl, type, field, () => null);
const deprecate = (sdl: string, type: string, field: string, reason: string) =>
  editField(sdl, type, field, (node) => ({
    ...node,
    directives: [
      ...(node.directives ?? []),
      {
        kind: Kind.DIRECTIVE,
        name: { kind: Kind.NAME, value: 'deprecated' },
        arguments: [
          {
            kind: Kind.ARGUMENT,
            name: { kind: Kind.NAME, value: 'reason' },
            value: { kind: Kind.STRING, value: reason },
          },
        ],
      },
    ],
  }));

describe('the coordinates a breaking change affects', () => {
  const BASE = `
    type Query { attractions(filter: AttractionFilter, first: Int): [Attraction!]!, search(q: String!): [Hit!]!, node(id: ID!): Node }
    interface Node { id: ID! }
    type Attraction implements Node { id: ID!, name: String!, category: Category!, visits(year: Int): Int }
    type Story { id: ID!, title: String! }
    union Hit = Attraction | Story
    enum Category { MUSEUM PARK }
    input AttractionFilter { near: Near, category: Category }
    input Near { lat: Float!, lng: Float! }
    directive @cached(seconds: Int) on FIELD
  `;
  const coordinates = (current: string) => {
    const base = buildSchema(BASE);
    return findBreakingChanges(base, buildSchema(current)).map((change) => [
      change.type,
      affectedCoordinates(change, base),
    ]);
  };

  it('maps field, argument, type, enum, input, union and interface changes to the fields they touch', () => {
    expect(coordinates(BASE.replace('name: String!, ', ''))).toEqual([['FIELD_REMOVED', ['Attraction.name']]]);
    expect(coordinates(BASE.replace('name: String!', 'name: String'))).toEqual([
      ['FIELD_CHANGED_KIND', ['Attraction.name']],
    ]);
    expect(coordinates(BASE.replace('visits(year: Int)', 'visits(year: Int!)'))).toEqual([
      ['ARG_CHANGED_KIND', ['Attraction.visits']],
    ]);
    expect(coordinates(BASE.replace('visits(year: Int)', 'visits(year: Int, month: Int!)'))).toEqual([
      ['REQUIRED_ARG_ADDED', ['Attraction.visits']],
    ]);
    expect(coordinates(BASE.replace('visits(year: Int)', 'visits'))).toEqual([['ARG_REMOVED', ['Attraction.visits']]]);
    // An enum value: the fields returning the enum and those taking it, at any depth of inputs.
    expect(coordinates(BASE.replace('MUSEUM PARK', 'MUSEUM'))).toEqual([
      ['VALUE_REMOVED_FROM_ENUM', ['Attraction.category', 'Query.attractions']],
    ]);
    // An input type's field: the fields taking the input, at any depth.
    expect(coordinates(BASE.replace('lng: Float!', 'lng: Float!, alt: Float!'))).toEqual([
      ['REQUIRED_INPUT_FIELD_ADDED', ['Query.attractions']],
    ]);
    expect(coordinates(BASE.replace('Attraction | Story', 'Attraction'))).toEqual([
      ['TYPE_REMOVED_FROM_UNION', ['Query.search']],
    ]);
    expect(coordinates(BASE.replace('type Attraction implements Node', 'type Attraction'))).toEqual([
      ['IMPLEMENTED_INTERFACE_REMOVED', ['Query.node']],
    ]);
    // A removed type: its own fields and the fields returning it.
    expect(
      coordinates(BASE.replace('type Story { id: ID!, title: String! }', '').replace('Attraction | Story', 'Attraction')),
    ).toEqual(
      expect.arrayContaining([
        ['TYPE_REMOVED', ['Story.id', 'Story.title']],
        ['TYPE_REMOVED_FROM_UNION', ['Query.search']],
      ]),
    );
    // Usage does not record directives: nothing to look up, the change fails as without --usage.
    expect(coordinates(BASE.replace('directive @cached(seconds: Int) on FIELD', ''))).toEqual([
      ['DIRECTIVE_REMOVED', []],
    ]);
  });
});

describe('npm run schema:check -- --usage', () => {
  let graph: InProcessGraph;
  let dir: string;
  let withoutSummary: string;
  let withoutBody: string;
  const api = fs.readFileSync(API, 'utf8');

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-usage-'));
    withoutSummary = path.join(dir, 'without-summary.graphql');
    fs.writeFileSync(withoutSummary, remove(api, 'Content', 'summary'));
    // Content.body goes (nobody selected it), Content.summary is deprecated (its users are listed).
    withoutBody = path.join(dir, 'without-body.graphql');
    fs.writeFileSync(
      withoutBody,
      deprecate(remove(api, 'Content', 'body'), 'Content', 'summary', 'Use excerpt, from 2027-01'),
    );

    graph = await startInProcessGraph({ USAGE_FLUSH_MS: '600000' });
    const member = {
      authorization: `Bearer ${MEMBER}`,
      'apollographql-client-name': 'newsroom',
      'apollographql-client-version': '3.1',
    };
    for (let i = 0; i < 3; i += 1) {
      const { status } = await graphql(
        graph.gateway.url,
        'query Summaries { contents(first: 2) { nodes { id title summary } } }',
        {},
        member,
      );
      expect(status).toBe(200);
    }
    // Anonymous traffic that selects neither field.
    expect((await graphql(graph.gateway.url, 'query Titles { contents(first: 1) { nodes { title } } }')).status).toBe(
      200,
    );
    await graph.gateway.built.usage!.flush();
  });
  afterAll(async () => {
    await graph?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const check = (current: string, extra: string[] = [], env: Record<string, string> = { SCHEMA_CHECK_TOKEN: ADMIN }) =>
    runSchemaCheck(['--baseline', API, '--current', current, '--usage', graph.gateway.url, ...extra], env);

  it('fails when a field used in the window is removed, naming the members, clients and operations', async () => {
    const outcome = await check(withoutSummary, ['--days', '30']);
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toBe('');
    const lines = outcome.stderr.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'error: breaking change in use [FIELD_REMOVED] Content.summary was removed.',
        expect.stringMatching(/^ {2}Content\.summary: 3 operation\(s\) in the last 30 days, last \d{4}-/),
        '    members: Chengdu Evening News (chengdu-evening-news)',
        '    clients: newsroom/3.1',
        '    operations: Summaries',
      ]),
    );
    expect(outcome.stderr).toContain('counted at hour precision');
  });

  it('passes when an unused field is removed, and lists who still uses a deprecated field', async () => {
    const outcome = await check(withoutBody);
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
    const lines = outcome.stdout.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'unused breaking change [FIELD_REMOVED] Content.body was removed. (unused in the last 30 days)',
        'deprecated field Content.summary (Use excerpt, from 2027-01) is still used:',
        '    members: Chengdu Evening News (chengdu-evening-news)',
        'no breaking change against ' + path.relative(ROOT, API) + ' is in use (1 unused in the last 30 days)',
      ]),
    );
  });

  it('asks the gateway once per 20 coordinates, all the changes at once', async () => {
    // Every field of Content and Attraction but their ids goes: one breaking change per field.
    const schema = buildSchema(api);
    const gone = ['Content', 'Attraction'].flatMap((type) =>
      Object.keys((schema.getType(type) as GraphQLObjectType).getFields())
        .filter((field) => field !== 'id')
        .map((field) => [type, field] as const),
    );
    expect(gone.length).toBeGreaterThan(20);
    const current = path.join(dir, 'without-fields.graphql');
    fs.writeFileSync(
      current,
      gone.reduce((sdl, [type, field]) => remove(sdl, type, field), api),
    );
    const requests = () => graph.gateway.logs().filter((line) => line.operation === 'SchemaCheckFieldUsage').length;
    const before = requests();
    const outcome = await check(current);
    expect(outcome.code).toBe(1);
    expect(requests() - before).toBe(Math.ceil(gone.length / 20));
    expect(outcome.stderr).toContain('error: breaking change in use [FIELD_REMOVED] Content.title was removed.');
    expect(outcome.stderr).toContain('unused breaking change [FIELD_REMOVED] Content.body was removed.');

    // A gateway with lower operation limits: fewer coordinates a request, the same verdict.
    const strict = await graph.startGateway({ USAGE_FLUSH_MS: '600000', LIMIT_MAX_ROOT_FIELDS: '6' });
    const strictOutcome = await runSchemaCheck(['--baseline', API, '--current', current, '--usage', strict.url], {
      SCHEMA_CHECK_TOKEN: ADMIN,
    });
    expect(strictOutcome.code).toBe(1);
    const lines = (text: string) => text.split('\n').filter((line) => !line.startsWith('usage from'));
    expect(lines(strictOutcome.stderr)).toEqual(lines(outcome.stderr));
  });

  it('answers exit code 2 with one line for a member credential, an unreachable gateway, bad --days and no credential', async () => {
    const forbidden = await check(withoutSummary, [], { SCHEMA_CHECK_TOKEN: MEMBER });
    expect(forbidden).toEqual({
      code: 2,
      stdout: '',
      stderr: expect.stringMatching(/^schema:check: .*refused fieldUsage \(FORBIDDEN\).*not an admin's\n$/),
    });
    // A port nothing listens on.
    const closed = `http://127.0.0.1:${await freePort()}`;
    const unreachable = await runSchemaCheck(
      ['--baseline', API, '--current', withoutSummary, '--usage', closed],
      { SCHEMA_CHECK_TOKEN: ADMIN },
    );
    expect(unreachable).toEqual({
      code: 2,
      stdout: '',
      stderr: `schema:check: cannot reach the gateway at ${closed}/graphql: ECONNREFUSED\n`,
    });
    for (const days of ['0', '401', '7.5', 'month']) {
      const bad = await check(withoutSummary, ['--days', days]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--days must be a whole number of days from 1 to 400');
    }
    const none = await check(withoutSummary, [], {});
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('SCHEMA_CHECK_TOKEN');
    // Another variable, named with --key-env; and never the secret itself on the command line.
    expect((await check(withoutSummary, ['--key-env', 'MY_KEY'], { MY_KEY: ADMIN })).code).toBe(1);
    const onCommandLine = await check(withoutSummary, ['--key', ADMIN]);
    expect(onCommandLine.code).toBe(2);
    expect(onCommandLine.stderr).not.toContain(ADMIN);
  });

  it('runs as a process against the listening gateway: exit 1 naming the user, no stack trace', async () => {
    const tsx = path.join(ROOT, 'node_modules/.bin/tsx');
    const child = spawn(
      tsx,
      ['scripts/schema-check.ts', '--baseline', API, '--current', withoutSummary, '--usage', graph.gateway.url],
      { cwd: ROOT, env: { ...process.env, SCHEMA_CHECK_TOKEN: ADMIN } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('error: breaking change in use [FIELD_REMOVED] Content.summary was removed.');
    expect(stderr).toContain('Chengdu Evening News (chengdu-evening-news)');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
