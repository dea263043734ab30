import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kind, parse, print, visit } from 'graphql';
import { compareSchemas } from '../../scripts/schema-check';

const BASE = `
  type Query { attraction(id: ID!): Attraction, attractions(first: Int): [Attraction!]! }
  type Attraction { id: ID!, name: String!, level: String, category: Category! }
  enum Category { MUSEUM PARK }
`;

/** BASE with one line replaced. */
const edit = (from: string, to: string) => {
  expect(BASE).toContain(from);
  return BASE.replace(from, to);
};

describe('the breaking-change comparison', () => {
  it('finds nothing between identical schemas', () => {
    expect(compareSchemas(BASE, BASE)).toEqual({ breaking: [], acknowledged: [], dangerous: [] });
  });

  it('fails on a removed field, naming it', () => {
    const { breaking } = compareSchemas(BASE, edit('name: String!, ', ''));
    expect(breaking).toEqual([{ type: 'FIELD_REMOVED', description: 'Attraction.name was removed.' }]);
  });

  it('fails on a new required argument', () => {
    const { breaking } = compareSchemas(
      BASE,
      edit('attractions(first: Int)', 'attractions(first: Int, province: String!)'),
    );
    expect(breaking.map((c) => c.type)).toEqual(['REQUIRED_ARG_ADDED']);
  });

  it('fails on a field whose type became nullable and on a removed enum value', () => {
    const current = edit('name: String!', 'name: String').replace('MUSEUM PARK', 'MUSEUM');
    expect(
      compareSchemas(BASE, current)
        .breaking.map((c) => c.type)
        .sort(),
    ).toEqual(['FIELD_CHANGED_KIND', 'VALUE_REMOVED_FROM_ENUM']);
  });

  it('passes an added optional argument, listing it as a dangerous change', () => {
    const result = compareSchemas(BASE, edit('attractions(first: Int)', 'attractions(first: Int, after: String)'));
    expect(result.breaking).toEqual([]);
    expect(result.dangerous.map((c) => c.type)).toEqual(['OPTIONAL_ARG_ADDED']);
  });

  it('passes a new field without any warning', () => {
    expect(compareSchemas(BASE, edit('level: String,', 'level: String, localName: String,'))).toEqual({
      breaking: [],
      acknowledged: [],
      dangerous: [],
    });
  });

  it('warns about a new enum value, which old clients may not handle', () => {
    const result = compareSchemas(BASE, edit('MUSEUM PARK', 'MUSEUM PARK SKI_RESORT'));
    expect(result.breaking).toEqual([]);
    expect(result.dangerous).toEqual([
      { type: 'VALUE_ADDED_TO_ENUM', description: 'SKI_RESORT was added to enum type Category.' },
    ]);
  });

  it('passes a breaking change that is acknowledged, and only that one', () => {
    const current = edit('name: String!, level: String, ', '');
    const result = compareSchemas(BASE, current, [
      { description: 'Attraction.name was removed.', reason: 'announced to members on 2026-01-05' },
    ]);
    expect(result.acknowledged.map((c) => c.description)).toEqual(['Attraction.name was removed.']);
    expect(result.breaking.map((c) => c.description)).toEqual(['Attraction.level was removed.']);
  });
});

describe('npm run schema:check', () => {
  const root = path.resolve(__dirname, '../..');
  const tsx = path.join(root, 'node_modules/.bin/tsx');
  const run = (...args: string[]) =>
    spawnSync(tsx, ['scripts/schema-check.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-check-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fails when a temporary copy of the API schema lacks a field of the committed one', () => {
    const api = fs.readFileSync(path.join(root, 'schema/api.graphql'), 'utf8');
    // Drop Campaign.slug through graphql-js, whatever its description looks like.
    const withoutSlug = print(
      visit(parse(api), {
        FieldDefinition: (node, _key, _parent, _path, ancestors) => {
          const owner = ancestors[ancestors.length - 1] as { kind?: string; name?: { value: string } };
          return owner.kind === Kind.OBJECT_TYPE_DEFINITION &&
            owner.name?.value === 'Campaign' &&
            node.name.value === 'slug'
            ? null
            : undefined;
        },
      }),
    );
    expect(withoutSlug).not.toEqual(api);
    const copy = path.join(dir, 'api.graphql');
    fs.writeFileSync(copy, withoutSlug);
    const result = run('--current', copy);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('error: breaking change [FIELD_REMOVED] Campaign.slug was removed.');
  });

  it('passes when the fresh composition matches the committed schema', () => {
    const result = run();
    expect(result.stderr).not.toContain('error:');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('no unacknowledged breaking changes against schema/api.graphql');
  });
});
