import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { loadExamples } from '../examples/catalog';
import { loadSupergraph } from '../gateway/execution';
/**
 * Plan time per example operation on schema/supergraph.graphql, for one planner:
 * `npx tsx bench/plan-time.ts apollo|hive` prints JSON: `load` (ms to build the supergraph's
 * schemas and planner) and, per operation, [first, median] ms: the first plan of that operation
 * by a fresh planner instance (in a process whose JIT another instance warmed up: a plan-cache
 * miss in a running gateway), and the median of 41 more. Hive's figures include translating its
 * plan (parsing each fetch's operation). Run each planner a few times: the machine's noise shows.
 */
const sdl = readFileSync('schema/supergraph.graphql', 'utf8');
const now = () => process.hrtime.bigint();
const ms = (t: bigint) => Number(now() - t) / 1e6;
const examples = loadExamples().map((e) => ({ name: e.name, doc: parse(e.document) }));
const kind = process.argv[2];
if (kind !== 'apollo' && kind !== 'hive') throw new Error('usage: npx tsx bench/plan-time.ts apollo|hive');
let t = now();
const warmup = loadSupergraph(sdl, kind);
const load = ms(t);
for (let i = 0; i < 3; i++) for (const e of examples) warmup.planner.plan(e.doc, undefined);
const fresh = loadSupergraph(sdl, kind);
const out: Record<string, unknown> = { load };
let firstTotal = 0;
let medTotal = 0;
for (const e of examples) {
  t = now();
  fresh.planner.plan(e.doc, undefined);
  const first = ms(t);
  const again: number[] = [];
  for (let i = 0; i < 41; i++) {
    t = now();
    fresh.planner.plan(e.doc, undefined);
    again.push(ms(t));
  }
  again.sort((a, b) => a - b);
  firstTotal += first;
  medTotal += again[20]!;
  out[e.name] = [first, again[20]];
}
out.total = [firstTotal, medTotal];
console.log(JSON.stringify(out));
