/**
 * Breaking-change check of the public API: compares a fresh composition (`npm run compose`)
 * with the committed schema/api.graphql, or with schema/api.graphql at a git ref.
 *
 *   npm run schema:check                      against the committed file
 *   npm run schema:check -- --base v1.2.0     against schema/api.graphql at a git ref
 *   npm run schema:check -- --baseline f.graphql [--current g.graphql]   against files
 *
 * Breaking changes (removed or retyped fields, new required arguments, removed enum values,
 * ...) fail unless schema/acknowledged-breaking-changes.json lists their description;
 * dangerous changes (new enum values, new optional arguments, changed defaults, ...) are
 * printed as warnings. Detection is graphql-js's own `findBreakingChanges`/`findDangerousChanges`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, findBreakingChanges, findDangerousChanges } from 'graphql';
import { compose } from './compose';
import { ROOT } from './subgraphs';

const API = 'schema/api.graphql';
const ACKNOWLEDGED = path.join(ROOT, 'schema/acknowledged-breaking-changes.json');

/** One difference between two schemas, as graphql-js names and describes it. */
export interface SchemaChange {
  type: string;
  description: string;
}

/** A breaking change the team has accepted, matched by its exact description. */
export interface Acknowledgement {
  description: string;
  /** Why it is acceptable (who was told, which release). */
  reason: string;
}

/** The outcome of a comparison: it passes when `breaking` is empty. */
export interface SchemaComparison {
  /** Breaking changes nobody acknowledged: these fail the check. */
  breaking: SchemaChange[];
  /** Breaking changes listed in the acknowledgements. */
  acknowledged: SchemaChange[];
  /** Changes that may alter what existing clients see (warnings). */
  dangerous: SchemaChange[];
}

/** Compares two SDL documents; `acknowledgements` turn breaking changes into accepted ones. */
export function compareSchemas(
  baseSdl: string,
  currentSdl: string,
  acknowledgements: readonly Acknowledgement[] = [],
): SchemaComparison {
  const base = buildSchema(baseSdl);
  const current = buildSchema(currentSdl);
  const accepted = new Set(acknowledgements.map((a) => a.description));
  const all = findBreakingChanges(base, current).map(({ type, description }) => ({ type, description }));
  return {
    breaking: all.filter((c) => !accepted.has(c.description)),
    acknowledged: all.filter((c) => accepted.has(c.description)),
    dangerous: findDangerousChanges(base, current).map(({ type, description }) => ({ type, description })),
  };
}

/** Reads the acknowledgements file; a missing file acknowledges nothing. */
export function readAcknowledgements(file = ACKNOWLEDGED): Acknowledgement[] {
  if (!fs.existsSync(file)) return [];
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { acknowledged?: Acknowledgement[] };
  const list = parsed.acknowledged ?? [];
  for (const entry of list)
    if (typeof entry.description !== 'string' || typeof entry.reason !== 'string')
      throw new Error(`${path.relative(ROOT, file)}: every entry needs a "description" and a "reason"`);
  return list;
}

/** Formats a comparison for a terminal, one change a line. */
export function report(comparison: SchemaComparison, against: string): string {
  const lines: string[] = [];
  for (const c of comparison.dangerous) lines.push(`warning: dangerous change [${c.type}] ${c.description}`);
  for (const c of comparison.acknowledged) lines.push(`acknowledged breaking change [${c.type}] ${c.description}`);
  for (const c of comparison.breaking) lines.push(`error: breaking change [${c.type}] ${c.description}`);
  if (comparison.breaking.length > 0)
    lines.push(
      `${comparison.breaking.length} breaking change(s) against ${against}. Keep the old field or value ` +
        `(deprecate it with @deprecated), or acknowledge the change by adding its description and a reason ` +
        `to schema/acknowledged-breaking-changes.json.`,
    );
  else lines.push(`no unacknowledged breaking changes against ${against}`);
  return lines.join('\n') + '\n';
}

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  if (index < 0) return undefined;
  const value = process.argv[index + 1];
  if (!value || value.startsWith('--')) throw new Error(`${name} needs a value`);
  return value;
}

function main(): void {
  const ref = option('--base');
  const baselineFile = option('--baseline');
  const currentFile = option('--current');
  let base: string;
  let against: string;
  if (ref) {
    base = execFileSync('git', ['show', `${ref}:${API}`], { cwd: ROOT, encoding: 'utf8' });
    against = `${API} at ${ref}`;
  } else {
    const file = baselineFile ? path.resolve(baselineFile) : path.join(ROOT, API);
    base = fs.readFileSync(file, 'utf8');
    against = path.relative(ROOT, file) || file;
  }
  const current = currentFile ? fs.readFileSync(path.resolve(currentFile), 'utf8') : compose().api;
  const comparison = compareSchemas(base, current, readAcknowledgements());
  const output = report(comparison, against);
  if (comparison.breaking.length > 0) {
    process.stderr.write(output);
    process.exit(1);
  }
  process.stdout.write(output);
}

if (require.main === module) main();
