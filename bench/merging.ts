/**
 * `npx tsx bench/merging.ts [--baseline DIR] [--current DIR] [--rounds N] [--campaigns N]`: the
 * executor's merging work for one S2-like operation (scenario S2: campaigns → participants →
 * members → contents → attractions, plus destinations) without the subgraphs: the root answer
 * merged into the data, then per entity fetch the entities at its Flatten path (`flattenAt`),
 * their representations (`selectRepresentation`, `EntityRepresentations.add`, members met under
 * several campaigns sent once), the answer merged into them (`EntityRepresentations.merge`,
 * `deepMerge`). Subgraph answers are JSON texts generated once and parsed before each timed
 * batch, as a data source would hand them over.
 *
 * Compares gateway/execution (copied to bench/.current, or `--current DIR`) against an older copy
 * of it, rounds interleaved (A, B, B, A…) in this process; prints µs per operation of each and
 * the ratio (median and quartiles over rounds). Make the older copy with `mkdir -p bench/.baseline
 * && git archive <rev> gateway/execution | tar -x -C bench/.baseline` (both directories are
 * ignored by git and lint; delete them after). Both must give equal data, representations and
 * client paths of an error on each fetch, which the bench checks first. `--baseline` and
 * `--current` at two copies of the same code check the bench itself: their ratio should be 1.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { loadSupergraph } from '../gateway/execution';
import type * as FetchModule from '../gateway/execution/fetch';
import type { FlattenPathElement, RequiresSelection } from '../gateway/execution/plan';
import type * as RewritesModule from '../gateway/execution/rewrites';

const { values: args } = parseArgs({
  options: {
    baseline: { type: 'string', default: path.join(__dirname, '.baseline') },
    current: { type: 'string' },
    rounds: { type: 'string', default: '101' },
    campaigns: { type: 'string', default: '10' },
  },
});
const rounds = Number(args.rounds);
const campaigns = Number(args.campaigns);
/** Operations per timed batch (their answers are parsed before the batch). */
const BATCH = 20;

type Fetch = typeof FetchModule;
type Rewrites = typeof RewritesModule;
/** The functions of one copy of the executor, read off its modules once (not through their export getters per call). */
interface Implementation {
  name: string;
  flattenAt: Fetch['flattenAt'];
  EntityRepresentations: Fetch['EntityRepresentations'];
  deepMerge: Rewrites['deepMerge'];
  selectRepresentation: Rewrites['selectRepresentation'];
  applyRewrites: Rewrites['applyRewrites'];
}
type ResponseObject = Record<string, unknown>;

const supergraphSchema = loadSupergraph(
  fs.readFileSync(path.join(__dirname, '../schema/supergraph.graphql'), 'utf8'),
).supergraphSchema;

const KEY: RequiresSelection[] = [
  { kind: 'Field', name: '__typename' },
  { kind: 'Field', name: 'id' },
];
const member = ['campaigns', 'nodes', '@', 'participants', 'nodes', '@', 'member'];

/** The entity fetches of the plan, in order: where their entities are and what each answers. */
const FETCHES: Array<{ path: FlattenPathElement[]; answer: (representation: ResponseObject, i: number) => unknown }> = [
  {
    path: member,
    answer: (r) => ({ __typename: r.__typename, name: `Member ${String(r.id)}`, region: 'Sichuan' }),
  },
  {
    path: ['campaigns', 'nodes', '@', 'destinations', '@'],
    answer: (_, i) => ({
      visitorStats: ['2025-01', '2025-02', '2025-03'].map((month, k) => ({ month, domesticVisitors: 1000 * i + k })),
    }),
  },
  {
    path: member,
    answer: (r) => ({
      contents: {
        nodes: [0, 1, 2].map((k) => ({
          __typename: 'Content',
          id: `${String(r.id)}-content-${k}`,
          title: `Travel notes ${k} by ${String(r.id)}`,
          attractions: [0, 1].map((a) => ({ __typename: 'Attraction', id: `attraction-${(k * 7 + a) % 13}` })),
        })),
      },
    }),
  },
  {
    path: [...member, 'contents', 'nodes', '@', 'attractions', '@'],
    answer: (r) => ({ __typename: r.__typename, name: `Attraction ${String(r.id)}` }),
  },
  {
    path: [...member, 'contents', 'nodes', '@', 'attractions', '@'],
    answer: (_, i) => ({
      visitorStats: ['2025-01', '2025-02', '2025-03'].map((month, k) => ({ month, domesticVisitors: 10 * i + k })),
    }),
  },
];

/** The root fetch's answer: `campaigns` campaigns of 10 participants, members shared across campaigns. */
function rootAnswer(): ResponseObject {
  return {
    campaigns: {
      nodes: Array.from({ length: campaigns }, (_, c) => ({
        __typename: 'Campaign',
        id: `campaign-${c}`,
        name: `Campaign ${c}`,
        status: 'ACTIVE',
        participants: {
          nodes: Array.from({ length: 10 }, (_, p) => ({
            role: p === 0 ? 'ORGANIZER' : 'PARTICIPANT',
            member: { __typename: 'Member', id: `member-${(c * 3 + p) % 40}` },
          })),
        },
        destinations: Array.from({ length: 3 }, (_, d) => ({
          __typename: 'CampaignDestination',
          id: `destination-${c}-${d}`,
          name: `Destination ${d}`,
          destination: { name: `Place ${d}` },
        })),
      })),
    },
  };
}

const execution = (data: ResponseObject): FetchModule.Execution => ({
  supergraphSchema,
  dataSources: () => undefined,
  requestContext: {} as GatewayGraphQLRequestContext,
  variables: {},
  errors: [],
  data,
});

/**
 * One operation's merging work; `answers` are the parsed answers of the root fetch and each
 * entity fetch. `withErrors` adds the client paths of an error on each fetch's last representation.
 */
function operation(impl: Implementation, answers: unknown[], withErrors = false) {
  const data: ResponseObject = {};
  const exec = execution(data);
  const root = [{ path: [], value: data }];
  impl.deepMerge(data, answers[0]);
  const sent: ResponseObject[][] = [];
  const errorPaths: Array<Array<Array<string | number>>> = [];
  FETCHES.forEach((fetch, f) => {
    const entities = impl.flattenAt(exec, root, fetch.path);
    const represented = new impl.EntityRepresentations();
    for (const entity of entities) {
      const representation = impl.selectRepresentation(supergraphSchema, entity.value, KEY);
      if (!representation || typeof representation.__typename !== 'string') continue;
      impl.applyRewrites(supergraphSchema, undefined, representation);
      represented.add(representation, entity);
    }
    sent.push(represented.representations);
    if (withErrors) errorPaths.push(represented.clientPaths(represented.size - 1, ['name']));
    represented.merge(exec, answers[f + 1], undefined);
  });
  return { data, sent, errorPaths };
}

/** The answers' JSON texts: the root's, then each entity fetch's for the representations it sends. */
function answerTexts(impl: Implementation): string[] {
  const texts = [JSON.stringify(rootAnswer())];
  const data: ResponseObject = {};
  const exec = execution(data);
  impl.deepMerge(data, rootAnswer());
  for (const fetch of FETCHES) {
    const represented = new impl.EntityRepresentations();
    for (const entity of impl.flattenAt(exec, [{ path: [], value: data }], fetch.path)) {
      const representation = impl.selectRepresentation(supergraphSchema, entity.value, KEY);
      if (representation) represented.add(representation, entity);
    }
    const answer = represented.representations.map((r, i) => fetch.answer(r, i));
    texts.push(JSON.stringify(answer));
    represented.merge(exec, JSON.parse(texts[texts.length - 1]!), undefined);
  }
  return texts;
}

async function main(): Promise<void> {
  const load = async (name: string, dir: string): Promise<Implementation> => {
    const fetch = (await import(path.join(dir, 'gateway/execution/fetch'))) as Fetch;
    const rewrites = (await import(path.join(dir, 'gateway/execution/rewrites'))) as Rewrites;
    return {
      name,
      flattenAt: fetch.flattenAt,
      EntityRepresentations: fetch.EntityRepresentations,
      deepMerge: rewrites.deepMerge,
      selectRepresentation: rewrites.selectRepresentation,
      applyRewrites: rewrites.applyRewrites,
    };
  };
  // The current code is loaded from a copy too: a copy ran about 20% slower than gateway/execution
  // itself (loaded earlier through its index) in an A/A check, and copies alike ran alike.
  let current = args.current;
  if (current === undefined) {
    current = path.join(__dirname, '.current');
    fs.rmSync(current, { recursive: true, force: true });
    fs.cpSync(path.join(__dirname, '../gateway/execution'), path.join(current, 'gateway/execution'), {
      recursive: true,
    });
  }
  const implementations = [
    await load('baseline', path.resolve(args.baseline)),
    await load('current', path.resolve(current)),
  ];
  const texts = answerTexts(implementations[0]!);
  assert.deepEqual(answerTexts(implementations[1]!), texts);
  const parse = () => texts.map((text) => JSON.parse(text) as unknown);
  const results = implementations.map((impl) => operation(impl, parse(), true));
  assert.deepEqual(results[1], results[0]);
  const entities = results[0]!.sent.map((s) => s.length);
  console.log(`S2-like operation: ${texts.join('').length} bytes of answers, representations per fetch ${entities}`);

  const times: number[][] = implementations.map(() => []);
  for (let round = 0; round < rounds + 2; round++) {
    // A, B then B, A: neither always runs just after the other's garbage.
    for (const k of round % 2 === 0 ? [0, 1] : [1, 0]) {
      const impl = implementations[k]!;
      const inputs = Array.from({ length: BATCH }, parse);
      const start = process.hrtime.bigint();
      for (const answers of inputs) operation(impl, answers);
      const us = Number(process.hrtime.bigint() - start) / 1e3 / BATCH;
      // The first two rounds warm the JIT up.
      if (round >= 2) times[k]!.push(us);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const ratios = times[1]!.map((t, i) => t / times[0]![i]!).sort((a, b) => a - b);
  implementations.forEach((impl, k) => console.log(`${impl.name}: ${median(times[k]!).toFixed(1)} µs/operation`));
  console.log(
    `current/baseline: median ${median(ratios).toFixed(3)}, ` +
      `quartiles ${ratios[Math.floor(ratios.length / 4)]!.toFixed(3)}–${ratios[Math.floor((3 * ratios.length) / 4)]!.toFixed(3)}`,
  );
}

void main();
