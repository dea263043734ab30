import fs from 'node:fs';
import { seededRandom } from '../../subgraphs/kit/random';
import path from 'node:path';
import {
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  type GraphQLScalarType,
  astFromValue,
  buildSchema,
  getNamedType,
  isLeafType,
  isNullableType,
  isObjectType,
  parse,
  print,
  validate,
} from 'graphql';
import { SEED_CAMPAIGNS } from '../../subgraphs/campaigns/seed-data';
import { seedContents } from '../../subgraphs/content/seed-data';
import { stableId } from '../../subgraphs/kit/ids';
import { FOUNDING_MEMBERS } from '../../subgraphs/membership/seed-data';
import { ATTRACTIONS, DESTINATIONS } from '../../subgraphs/tourism/seed-data';

/** The public API the generated operations are written against (and validated with). */
export const API_SCHEMA: GraphQLSchema = buildSchema(
  fs.readFileSync(path.resolve(__dirname, '../../schema/api.graphql'), 'utf8'),
);

/** One generated read: a document valid against the public API and the variables it is sent with. */
export interface GeneratedOperation {
  document: string;
  variables: Record<string, unknown>;
}

const contents = seedContents();
/** Seeded slugs by type; ids are `stableId(type, slug)`, as the seeds make them. */
const SLUGS: Record<string, string[]> = {
  Campaign: SEED_CAMPAIGNS.map((c) => c.slug),
  Member: FOUNDING_MEMBERS.map((m) => m.slug),
  Attraction: ATTRACTIONS.map((a) => a.slug),
  Destination: DESTINATIONS.map((d) => d.slug),
};
const IDS: Record<string, string[]> = {
  ...Object.fromEntries(
    Object.entries(SLUGS).map(([type, slugs]) => [type, slugs.map((s) => stableId(type.toLowerCase(), s))]),
  ),
  // Drafts and archived pieces too: they answer null or an error depending on the caller.
  Content: contents.filter((_, i) => i % 7 === 0).map((c) => c.id),
};
const TAGS = [...new Set(contents.flatMap((c) => c.tags))].slice(0, 12);
/** Which type an id-valued argument or input field names. */
const ID_OWNER: Record<string, string> = {
  memberId: 'Member',
  authorId: 'Member',
  actorMemberId: 'Member',
  organizerId: 'Member',
  attractionId: 'Attraction',
  destinationId: 'Destination',
  campaignId: 'Campaign',
  targetId: 'Campaign',
};
const MISSING_ID = '00000000-0000-4000-8000-000000000000';

interface Variable {
  name: string;
  type: string;
  defaultLiteral?: string;
}

/**
 * Builds random read operations over the public API: root Query fields with arguments from
 * seeded values, nested selections crossing subgraphs, aliases (also one field twice with
 * different arguments), inline and named fragments, `__typename`, `@skip`/`@include` with
 * literal and variable conditions, and variables with and without defaults.
 */
class OperationGenerator {
  private variables: Variable[] = [];
  private values: Record<string, unknown> = {};
  private fragments: string[] = [];
  private counter = 0;

  constructor(
    private readonly random: () => number,
    private readonly maxDepth: number,
  ) {}

  generate(): GeneratedOperation {
    this.variables = [];
    this.values = {};
    this.fragments = [];
    this.counter = 0;
    const body = this.selectionSet(API_SCHEMA.getQueryType()!, 0, 1 + this.int(3));
    const definitions = this.variables.map(
      (v) => `$${v.name}: ${v.type}${v.defaultLiteral === undefined ? '' : ` = ${v.defaultLiteral}`}`,
    );
    const header =
      definitions.length || this.chance(0.3)
        ? `query Q${definitions.length ? `(${definitions.join(', ')})` : ''} `
        : '';
    return { document: [`${header}${body}`, ...this.fragments].join('\n'), variables: this.values };
  }

  private int(n: number): number {
    return Math.floor(this.random() * n);
  }
  private chance(p: number): boolean {
    return this.random() < p;
  }
  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  private next(prefix: string): string {
    return `${prefix}${++this.counter}`;
  }

  private selectionSet(type: GraphQLObjectType, depth: number, count: number): string {
    const fields = Object.values(type.getFields()).filter(
      (f) => depth < this.maxDepth - 1 || isLeafType(getNamedType(f.type)),
    );
    const selections: string[] = [];
    const bareNames = new Set<string>();
    for (let i = 0; i < count; i++) {
      const roll = this.random();
      if (roll < 0.08) selections.push(`${this.chance(0.5) ? `${this.next('t')}: ` : ''}__typename${this.directive()}`);
      else if (roll < 0.16 && depth < this.maxDepth) {
        const inner = this.selectionSet(type, depth, 1 + this.int(2));
        selections.push(`...${this.chance(0.6) ? ` on ${type.name}` : ''}${this.directive(0.6)} ${inner}`);
      } else if (roll < 0.24 && depth < this.maxDepth) {
        const name = this.next('F');
        this.fragments.push(`fragment ${name} on ${type.name} ${this.selectionSet(type, depth, 1 + this.int(3))}`);
        selections.push(`...${name}${this.directive(0.2)}`);
      } else if (fields.length) {
        const field = this.pick(fields);
        selections.push(this.field(field, depth, bareNames));
        // The same field again under another alias, usually with other arguments.
        if (field.args.length && this.chance(0.2)) selections.push(this.field(field, depth, bareNames, true));
      }
    }
    if (!selections.length) selections.push('__typename');
    return `{ ${selections.join(' ')} }`;
  }

  private field(field: GraphQLField<unknown, unknown>, depth: number, bareNames: Set<string>, alias = false): string {
    // A field asked twice by its own name must agree on arguments: one with arguments gets an
    // alias the second time; one without is often asked again bare (its selections merge).
    const repeatable = field.args.length === 0 && this.chance(0.5);
    const aliased = alias || (bareNames.has(field.name) && !repeatable) || this.chance(0.15);
    if (!aliased) bareNames.add(field.name);
    const args = this.arguments(field);
    const named = getNamedType(field.type);
    const sub = isObjectType(named) ? ` ${this.selectionSet(named, depth + 1, 1 + this.int(4))}` : '';
    return `${aliased ? `${this.next('a')}: ` : ''}${field.name}${args}${this.directive()}${sub}`;
  }

  private arguments(field: GraphQLField<unknown, unknown>): string {
    const target = getNamedType(field.type).name;
    const printed: string[] = [];
    // `id` or `slug`, give exactly one: usually one, sometimes neither or both (an error to compare).
    const either = field.args.some((a) => a.name === 'id') && field.args.some((a) => a.name === 'slug');
    const chosen = either ? (this.chance(0.9) ? this.pick(['id', 'slug']) : this.pick(['both', 'none'])) : '';
    for (const arg of field.args) {
      if (either && (arg.name === 'id' || arg.name === 'slug')) {
        if (chosen !== arg.name && chosen !== 'both') continue;
      } else if (isNullableType(arg.type) && !this.chance(arg.name === 'first' ? 0.9 : 0.35)) continue;
      if (arg.name === 'after') continue;
      const value = this.value(arg.name, arg.type, target);
      printed.push(`${arg.name}: ${this.literalOrVariable(value, arg.type, arg.name, target)}`);
    }
    return printed.length ? `(${printed.join(', ')})` : '';
  }

  /** The value as a literal, or as a variable (declared with or without a default, sometimes given null). */
  private literalOrVariable(value: unknown, type: GraphQLInputType, argument: string, target: string): string {
    const literal = print(astFromValue(value, type)!);
    if (!this.chance(0.35)) return literal;
    const name = this.next('v');
    if (isNullableType(type) && this.chance(0.4)) {
      // With a default: left out of the variables (the default applies), or given another value or null.
      this.variables.push({ name, type: String(type), defaultLiteral: literal });
      const roll = this.random();
      if (roll < 0.3) this.values[name] = this.value(argument, type, target);
      else if (roll < 0.45) this.values[name] = null;
    } else {
      this.variables.push({ name, type: String(type) });
      this.values[name] = isNullableType(type) && this.chance(0.1) ? null : value;
    }
    return `$${name}`;
  }

  private directive(p = 0.1): string {
    if (!this.chance(p)) return '';
    const which = this.pick(['skip', 'include']);
    const roll = this.random();
    let condition: string;
    if (roll < 0.4) condition = String(this.chance(0.5));
    else {
      const name = this.next('c');
      const value = this.chance(0.5);
      if (roll < 0.7) {
        this.variables.push({ name, type: 'Boolean!' });
        this.values[name] = value;
      } else {
        this.variables.push({ name, type: 'Boolean', defaultLiteral: String(value) });
        if (this.chance(0.5)) this.values[name] = !value;
      }
      condition = `$${name}`;
    }
    return ` @${which}(if: ${condition})`;
  }

  /** A plausible value for an argument or input field, from the seeds where it names something. */
  private value(name: string, type: GraphQLInputType, target: string): unknown {
    const inner = type instanceof GraphQLNonNull ? type.ofType : type;
    if (inner instanceof GraphQLList) return [this.value(name, inner.ofType as GraphQLInputType, target)];
    if (inner instanceof GraphQLEnumType) return this.pick(inner.getValues()).value;
    if (inner instanceof GraphQLInputObjectType) {
      const fields = Object.values(inner.getFields());
      const result: Record<string, unknown> = {};
      for (const f of fields) {
        if (!isNullableType(f.type) || this.chance(1 / Math.max(2, fields.length / 1.5))) {
          result[f.name] = this.value(f.name, f.type, target);
        }
      }
      return result;
    }
    const scalar = (inner as GraphQLScalarType).name;
    if (name === 'first') return this.int(4);
    if (name === 'id') return this.chance(0.9) && IDS[target] ? this.pick(IDS[target]) : MISSING_ID;
    if (name === 'slug') return this.chance(0.9) && SLUGS[target] ? this.pick(SLUGS[target]) : 'no-such-slug';
    if (ID_OWNER[name]) return this.pick(IDS[ID_OWNER[name]]!);
    if (name === 'latitude') return 30.657;
    if (name === 'longitude') return 104.066;
    if (name === 'radiusKm') return this.pick([5, 80, 600]);
    if (name === 'tag') return this.pick(TAGS);
    if (name === 'language') return this.pick(['en', 'zh', 'fr']);
    if (name === 'search') return this.pick(['panda', '成都', 'heritage', 'news']);
    if (name === 'region') return this.pick(['Sichuan', 'Chongqing', 'National']);
    if (name === 'operation') return this.pick(['launchCampaign', 'createContent', 'admitMember']);
    if (scalar === 'Date') return this.pick(['2024-12-01', '2025-03-15', '2025-10-01', '2026-05-01']);
    if (scalar === 'DateTime') return this.pick(['2025-01-01T00:00:00Z', '2025-09-30T12:00:00Z']);
    if ((name === 'from' || name === 'to') && scalar === 'String') {
      return this.pick(['2025-01', '2025-06', '2025-12', '2024-11']);
    }
    if (scalar === 'Boolean') return this.chance(0.5);
    if (scalar === 'Int') return this.int(5);
    if (scalar === 'Float') return this.int(100) / 4;
    if (scalar === 'ID') return this.pick(IDS.Member!);
    return 'x';
  }
}

/**
 * `count` read operations from `seed`, each valid against the public API (an invalid one,
 * e.g. two fields in one selection that cannot merge, is dropped and another drawn).
 */
export function generateOperations(seed: number, count: number, maxDepth = 4): GeneratedOperation[] {
  const generator = new OperationGenerator(seededRandom(seed), maxDepth);
  const operations: GeneratedOperation[] = [];
  while (operations.length < count) {
    const operation = generator.generate();
    if (validate(API_SCHEMA, parse(operation.document)).length === 0) operations.push(operation);
  }
  return operations;
}
