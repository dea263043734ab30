/**
 * `npx tsx bench/shaping.ts [--iterations N] [--items N] [--rounds N]`: result shaping alone, the
 * interpreter our executor used before (bench/shape-interpreter.ts) against the compiled shaper
 * (gateway/execution/shape.ts), on the API schema of `schema/supergraph.graphql` with S2 and a
 * fragment-heavy operation. The merged data is generated from each operation (lists of `--items`
 * elements; the default gives an S2 response of about 5 KB), as a subgraph fetch would leave it. Both
 * are timed in alternating rounds (interpreter, compiled, interpreter, ...), shaping alone and
 * shaping then `JSON.stringify` (as the gateway sends the response: objects built differently may
 * stringify at different speeds). Prints the median µs per response of each and the median and
 * range of the per-round ratios; both shapers' outputs are checked equal first. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLError,
  type GraphQLInterfaceType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  getNamedType,
  isAbstractType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  parse,
} from 'graphql';
import { loadSupergraph } from '../gateway/execution';
import type { ResponseObject } from '../gateway/execution/rewrites';
import { collectFields, compileShaper } from '../gateway/execution/shape';
import { s2Query } from './scenarios';
import { shapeResponse as interpret } from './shape-interpreter';

const { values: args } = parseArgs({
  options: {
    iterations: { type: 'string', default: '20000' },
    items: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '5' },
  },
});
const iterations = Number(args.iterations);
const items = Number(args.items);
const rounds = Number(args.rounds);

const FRAGMENTS = `query Fragments($first: Int!, $withDestinations: Boolean!) {
  campaigns(first: $first) {
    nodes {
      ...CampaignCard
      destinations @include(if: $withDestinations) { ...DestinationCard }
    }
  }
}
fragment CampaignCard on Campaign { id name status participants(first: $first) { nodes { role member { ...Member } } } }
fragment Member on Member { id name region }
fragment DestinationCard on CampaignDestination { id name destination { name } }`;

const schema = loadSupergraph(fs.readFileSync(path.join(__dirname, '../schema/supergraph.graphql'), 'utf8')).apiSchema;

/** Merged data for a selection: every selected field with a plausible value, lists of `items` elements. */
function generate(
  type: GraphQLOutputType,
  nodes: readonly FieldNode[],
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  seed: number,
): unknown {
  if (isNonNullType(type)) return generate(type.ofType, nodes, fragments, variables, seed);
  if (isListType(type))
    return Array.from({ length: items }, (_, i) => generate(type.ofType, nodes, fragments, variables, seed * 7 + i));
  if (isScalarType(type)) {
    if (type.name === 'Int') return 1000 + seed;
    if (type.name === 'Float') return seed / 3;
    if (type.name === 'Boolean') return seed % 2 === 0;
    if (type.name === 'ID') return `id-${seed.toString(36)}-0000`;
    return `value ${seed} of ${nodes[0]!.name.value}`;
  }
  if (isEnumType(type)) return type.getValues()[0]!.value;
  const named = getNamedType(type) as GraphQLObjectType | GraphQLInterfaceType;
  const runtime = isAbstractType(named) ? schema.getPossibleTypes(named)[0]! : named;
  const object: ResponseObject = { __typename: runtime.name };
  const selections = nodes.flatMap((node) => node.selectionSet?.selections ?? []);
  const fields = collectFields({ schema, fragments, variables }, runtime, { kind: Kind.SELECTION_SET, selections });
  for (const [name, group] of fields) {
    const field = runtime.getFields()[group[0]!.name.value];
    if (field) object[name] = generate(field.type, group, fragments, variables, seed + name.length);
  }
  return object;
}

/** µs per call of `run`, after a warm-up of a tenth of the iterations. */
function measure(run: () => unknown): number {
  for (let i = 0; i < iterations / 10; i++) run();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) run();
  return Number(process.hrtime.bigint() - start) / 1000 / iterations;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** Times `before` and `after` in alternating rounds; prints their medians and the ratios' median and range. */
function compare(label: string, before: () => unknown, after: () => unknown): void {
  const times: { before: number[]; after: number[]; ratios: number[] } = { before: [], after: [], ratios: [] };
  for (let round = 0; round < rounds; round++) {
    const b = measure(before);
    const a = measure(after);
    times.before.push(b);
    times.after.push(a);
    times.ratios.push(a / b);
  }
  const ratios = [...times.ratios].sort((x, y) => x - y);
  process.stdout.write(
    `  ${label}: interpreter ${median(times.before).toFixed(2)} µs, compiled ${median(times.after).toFixed(2)} µs; ` +
      `compiled / interpreter ${median(ratios).toFixed(2)} (${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)})\n`,
  );
}

function bench(name: string, source: string, variables: Record<string, unknown>, schemaOf: GraphQLSchema): void {
  const document = parse(source);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  const rootType = schemaOf.getQueryType()!;
  const root: FieldNode = {
    kind: Kind.FIELD,
    name: { kind: Kind.NAME, value: 'root' },
    selectionSet: operation.selectionSet,
  };
  const data = generate(rootType, [root], fragments, variables, 1) as ResponseObject;
  const shaper = compileShaper(schemaOf, rootType, operation.selectionSet, fragments);
  const interpreted = () =>
    interpret({ schema: schemaOf, fragments, variables, errors: [] }, rootType, operation.selectionSet, data);
  const compiled = () => shaper.select(variables).shape(data, { errors: [] as GraphQLError[] });
  assert.deepEqual(JSON.parse(JSON.stringify(compiled())), JSON.parse(JSON.stringify(interpreted())));
  process.stdout.write(
    `${name}: ${JSON.stringify(compiled()).length} bytes of JSON, ${rounds} rounds of ${iterations} responses\n`,
  );
  compare('shape', interpreted, compiled);
  compare(
    'shape + stringify',
    () => JSON.stringify(interpreted()),
    () => JSON.stringify(compiled()),
  );
}

assert.ok(isObjectType(schema.getQueryType()));
bench('S2 (four subgraphs)', s2Query(true), { first: items, contents: items }, schema);
bench('fragments and @include', FRAGMENTS, { first: items, withDestinations: true }, schema);
