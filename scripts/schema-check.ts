/**
 * Breaking-change check of the public API: compares a fresh composition (`npm run compose`)
 * with the committed schema/api.graphql, or with schema/api.graphql at a git ref.
 *
 *   npm run schema:check                      against the committed file
 *   npm run schema:check -- --base v1.2.0     against schema/api.graphql at a git ref
 *   npm run schema:check -- --baseline f.graphql [--current g.graphql]   against files
 *   npm run schema:check -- --usage https://graph.example.org [--days 30] [--key-env NAME]
 *
 * Breaking changes (removed or retyped fields, new required arguments, removed enum values,
 * ...) fail unless schema/acknowledged-breaking-changes.json lists their description;
 * dangerous changes (new enum values, new optional arguments, changed defaults, ...) are
 * printed as warnings. Detection is graphql-js's own `findBreakingChanges`/`findDangerousChanges`.
 * With `--usage`, breaking changes no operation used in the window pass (`schema-usage.ts`).
 * Exit codes: 0 passes, 1 breaking changes (in use, with `--usage`), 2 a mistake in the call
 * or a gateway that cannot answer (unreachable, credential refused).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type GraphQLSchema, buildSchema, findBreakingChanges, findDangerousChanges } from 'graphql';
import { compose } from './compose';
import {
  DEFAULT_KEY_ENV,
  UsageError,
  type UsageSource,
  classifyByUsage,
  parseDays,
  parseGatewayUrl,
  usageReport,
} from './schema-usage';
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
  baseSdl: string | GraphQLSchema,
  currentSdl: string | GraphQLSchema,
  acknowledgements: readonly Acknowledgement[] = [],
): SchemaComparison {
  const base = typeof baseSdl === 'string' ? buildSchema(baseSdl) : baseSdl;
  const current = typeof currentSdl === 'string' ? buildSchema(currentSdl) : currentSdl;
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
  let parsed: { acknowledged?: Acknowledgement[] };
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { acknowledged?: Acknowledgement[] };
  } catch (error) {
    throw new UsageError(`${path.relative(ROOT, file)} is not JSON: ${(error as Error).message}`);
  }
  const list = parsed.acknowledged ?? [];
  for (const entry of list)
    if (typeof entry.description !== 'string' || typeof entry.reason !== 'string')
      throw new UsageError(`${path.relative(ROOT, file)}: every entry needs a "description" and a "reason"`);
  return list;
}

/** Formats a comparison for a terminal, one change a line (and a closing line unless `summary` is false). */
export function report(comparison: SchemaComparison, against: string, { summary = true } = {}): string {
  const lines: string[] = [];
  for (const c of comparison.dangerous) lines.push(`warning: dangerous change [${c.type}] ${c.description}`);
  for (const c of comparison.acknowledged) lines.push(`acknowledged breaking change [${c.type}] ${c.description}`);
  for (const c of comparison.breaking) lines.push(`error: breaking change [${c.type}] ${c.description}`);
  if (!summary) return lines.length > 0 ? lines.join('\n') + '\n' : '';
  if (comparison.breaking.length > 0)
    lines.push(
      `${comparison.breaking.length} breaking change(s) against ${against}. Keep the old field or value ` +
        `(deprecate it with @deprecated), or acknowledge the change by adding its description and a reason ` +
        `to schema/acknowledged-breaking-changes.json.`,
    );
  else lines.push(`no unacknowledged breaking changes against ${against}`);
  return lines.join('\n') + '\n';
}

/** What a run printed and how it exits: 0 passes, 1 breaking changes, 2 a mistake in the call or an unusable gateway. */
export interface CheckOutcome {
  code: 0 | 1 | 2;
  stdout: string;
  stderr: string;
}

/** Options that take a value, and the flags (none yet). */
const OPTIONS = new Set(['--base', '--baseline', '--current', '--usage', '--days', '--key-env']);

/** The command line as options; a mistake raises {@link UsageError}. */
function parseArgs(argv: readonly string[]): Map<string, string> {
  const options = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 1) {
    const name = argv[i]!;
    if (/^--(key|token|api-key|credential)$/.test(name))
      throw new UsageError(
        `${name} is not taken: a secret on the command line ends up in shell history and process lists. ` +
          `Put the admin key or token in ${DEFAULT_KEY_ENV} (or name another variable with --key-env NAME)`,
      );
    if (!OPTIONS.has(name)) throw new UsageError(`unknown option ${name} (options: ${[...OPTIONS].join(', ')})`);
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${name} needs a value`);
    options.set(name, value);
    i += 1;
  }
  return options;
}

/** Reads a schema file the user named, or a one-line mistake. */
function readSchemaFile(file: string, option: string): string {
  try {
    return fs.readFileSync(path.resolve(file), 'utf8');
  } catch (error) {
    throw new UsageError(`${option} ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Builds a schema from SDL the user gave, or a one-line mistake naming where it came from. */
function schemaOf(sdl: string, what: string): GraphQLSchema {
  try {
    return buildSchema(sdl);
  } catch (error) {
    throw new UsageError(`${what} is not a valid schema: ${(error as Error).message.split('\n')[0]}`);
  }
}

/**
 * The check as the command runs it, on `argv` (the arguments after the script) and `env` (for the
 * credential): what it prints and its exit code. `--usage <gateway url>` (with `--days N`, default
 * 30, and the admin credential in `SCHEMA_CHECK_TOKEN` or the variable `--key-env` names) passes
 * breaking changes no operation used in the window and fails those in use, naming who uses them.
 * Mistakes (options, files, gateway, credential) answer code 2 with one line, never a stack.
 */
export async function runSchemaCheck(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<CheckOutcome> {
  try {
    const options = parseArgs(argv);
    const ref = options.get('--base');
    const baselineFile = options.get('--baseline');
    const currentFile = options.get('--current');
    if (ref && baselineFile) throw new UsageError('give --base <git ref> or --baseline <file>, not both');
    const usageUrl = options.get('--usage');
    if (!usageUrl && (options.has('--days') || options.has('--key-env')))
      throw new UsageError('--days and --key-env go with --usage <gateway url>');
    const days = parseDays(options.get('--days'));
    let source: UsageSource | undefined;
    if (usageUrl) {
      const url = parseGatewayUrl(usageUrl);
      const keyEnv = options.get('--key-env') ?? DEFAULT_KEY_ENV;
      const credential = env[keyEnv]?.trim();
      if (!credential)
        throw new UsageError(
          `--usage needs an admin API key or access token in the environment variable ${keyEnv} (fieldUsage is for admins)`,
        );
      source = { url, credential, days };
    }

    let base: string;
    let against: string;
    if (ref) {
      try {
        base = execFileSync('git', ['show', `${ref}:${API}`], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
      } catch {
        throw new UsageError(`--base ${ref}: git has no ${API} at that ref`);
      }
      against = `${API} at ${ref}`;
    } else {
      const file = baselineFile ? path.resolve(baselineFile) : path.join(ROOT, API);
      base = baselineFile ? readSchemaFile(baselineFile, '--baseline') : fs.readFileSync(file, 'utf8');
      against = path.relative(ROOT, file) || file;
    }
    const current = currentFile ? readSchemaFile(currentFile, '--current') : compose().api;
    const baseSchema = schemaOf(base, against);
    const currentSchema = schemaOf(current, currentFile ?? 'the fresh composition');
    const comparison = compareSchemas(baseSchema, currentSchema, readAcknowledgements());
    if (!source) {
      const output = report(comparison, against);
      return comparison.breaking.length > 0
        ? { code: 1, stdout: '', stderr: output }
        : { code: 0, stdout: output, stderr: '' };
    }
    const verdict = await classifyByUsage(comparison.breaking, baseSchema, currentSchema, source);
    const output = report({ ...comparison, breaking: [] }, against, { summary: false }) + usageReport(verdict, against);
    return verdict.used.length + verdict.unmapped.length > 0
      ? { code: 1, stdout: '', stderr: output }
      : { code: 0, stdout: output, stderr: '' };
  } catch (error) {
    if (error instanceof UsageError) return { code: 2, stdout: '', stderr: `schema:check: ${error.message}\n` };
    throw error;
  }
}

async function main(): Promise<void> {
  const outcome = await runSchemaCheck(process.argv.slice(2));
  process.stdout.write(outcome.stdout);
  process.stderr.write(outcome.stderr);
  process.exitCode = outcome.code;
}

if (require.main === module) void main();
