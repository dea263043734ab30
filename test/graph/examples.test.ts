import fs from 'node:fs';
import path from 'node:path';
import { type OperationDefinitionNode, buildSchema, parse, validate } from 'graphql';
import { EXAMPLES_DIR, loadExamples } from '../../examples/catalog';
import { GraphQLRequestError, attractionLines, campaignCard, createClient, documents } from '../../examples/client/src';
import { DEV_CREDENTIALS } from '../../subgraphs/membership/credentials';
import { ENGINES } from '../support/databases';
import { graphql } from '../support/processes';
import { type InProcessGraph, startInProcessGraph } from '../support/gateway';

const examples = loadExamples();
const SECRETS = { member: DEV_CREDENTIALS.member.secret, admin: DEV_CREDENTIALS.admin.secret };

/** True when a value holds something: not null, not an empty list or object. */
const nonEmpty = (value: unknown): boolean =>
  value !== null &&
  value !== undefined &&
  (Array.isArray(value) ? value.length > 0 : typeof value === 'object' ? Object.keys(value).length > 0 : true);

describe('the examples catalogue', () => {
  it('lists at least 15 operations, each file listed once with its variables', () => {
    expect(examples.length).toBeGreaterThanOrEqual(15);
    const files = fs.readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.graphql'));
    expect(files.map((f) => f.replace(/\.graphql$/, '')).sort()).toEqual(examples.map((e) => e.name).sort());
  });

  it('covers every subgraph, cross-subgraph queries, pagination, filters, localisation and admin mutations', () => {
    const covered = new Set(examples.flatMap((e) => e.covers));
    const subgraphs = fs
      .readdirSync(path.resolve(__dirname, '../../subgraphs'))
      .filter((d) => fs.existsSync(path.resolve(__dirname, '../../subgraphs', d, 'schema.graphql')));
    for (const topic of [...subgraphs, 'cross-subgraph', 'pagination', 'filters', 'localisation', 'admin-mutation'])
      expect([topic, covered.has(topic)]).toEqual([topic, true]);
  });

  it('holds one named operation per file, valid against schema/api.graphql', () => {
    const schema = buildSchema(fs.readFileSync(path.resolve(__dirname, '../../schema/api.graphql'), 'utf8'));
    for (const example of examples) {
      const document = parse(example.document);
      const operations = document.definitions.filter(
        (d): d is OperationDefinitionNode => d.kind === 'OperationDefinition',
      );
      expect([example.name, operations.length, Boolean(operations[0]?.name)]).toEqual([example.name, 1, true]);
      expect([example.name, validate(schema, document).map((e) => e.message)]).toEqual([example.name, []]);
    }
  });
});

describe.each(ENGINES)('every example on %s, through the gateway', (engine) => {
  let graph: InProcessGraph;
  beforeAll(async () => {
    graph = await startInProcessGraph({}, {}, engine);
  });
  afterAll(() => graph?.stop());

  // In catalogue order: the audit trail example reads what the mutations before it recorded.
  it.each(examples.map((e) => [e.name, e] as const))(
    'runs %s with its variables and answers data',
    async (_name, example) => {
      const headers: Record<string, string> = { ...example.headers };
      if (example.credential !== 'anonymous') headers.authorization = `Bearer ${SECRETS[example.credential]}`;
      const { status, body } = await graphql(graph.gateway.url, example.document, example.variables, headers);
      expect(body.errors).toBeUndefined();
      expect(status).toBe(200);
      expect(body.data).toBeTruthy();
      for (const [field, value] of Object.entries(body.data!)) expect([field, nonEmpty(value)]).toEqual([field, true]);
    },
  );

  it('serves the typed example client: paged attractions, a campaign card in Chinese and coded errors', async () => {
    const client = createClient({ url: `${graph.gateway.url}/graphql`, language: 'zh-CN' });
    const heritage = await attractionLines(client, { worldHeritage: true });
    expect(heritage).toContain('乐山大佛 (乐山市)');
    await expect(campaignCard(client, 'winter-tourism-season-2024')).resolves.toMatchObject({
      period: '2024-12-07 – 2025-02-28',
      title: expect.stringContaining('(completed)'),
    });
    await expect(campaignCard(client, 'no-such-campaign')).resolves.toBeNull();
    const anonymous = client.request(documents.ReportReach, {
      input: { campaignId: 'x', date: '2025-05-01', impressions: 1, engagements: 1, clicks: 1 },
    });
    await expect(anonymous).rejects.toBeInstanceOf(GraphQLRequestError);
    await expect(anonymous).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
