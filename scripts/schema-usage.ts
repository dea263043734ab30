/**
 * The usage side of the breaking-change check (`npm run schema:check -- --usage <gateway url>`):
 * which schema coordinates (`Type.field`) each breaking change affects, who selected them in a
 * window (the usage subgraph's `fieldUsage`, through the gateway, admins only), and the verdict:
 * a breaking change nobody's operation touched in the window passes, one in use fails naming who
 * uses it. Deprecated fields of the new schema are listed with who still uses them (no verdict).
 *
 * Coordinates, from the old schema (the one clients wrote their operations against):
 * - a removed or retyped field, a removed or retyped argument, a new required argument:
 *   the field itself (`Type.field`);
 * - a removed type, or one that changed kind: its own fields (object and interface types), and
 *   every field returning it or taking it in an argument (at any depth of input objects);
 * - a removed enum value: the fields returning the enum or taking it in an argument. Usage
 *   records fields, not argument values, so any use of those fields counts;
 * - a change to an input type (field removed or retyped, required field added): the fields
 *   taking it in an argument, at any depth of input objects;
 * - a type removed from a union, an interface a type no longer implements: the fields returning
 *   the union or interface (an operation may spread a fragment on the type there);
 * - directive changes: none. Usage does not record directives, so these cannot be cleared by
 *   usage and fail as without `--usage`.
 * A change whose description this mapping does not recognise (a graphql-js wording this code does
 * not know) maps to nothing and fails the same way: the check errs on the side of failing.
 */
import {
  type GraphQLNamedType,
  type GraphQLSchema,
  type GraphQLField,
  getNamedType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
} from 'graphql';
import type { SchemaChange } from './schema-check';

/** The environment variable holding the admin credential, unless `--key-env` names another. */
export const DEFAULT_KEY_ENV = 'SCHEMA_CHECK_TOKEN';
/** Longest window: what the usage subgraph keeps (hour and day rows, 400 days). */
export const MAX_DAYS = 400;
/** Windows up to this many hours are counted in hours; longer ones in whole days (`fieldUsage`). */
const MAX_HOUR_BUCKETS = 1500;
/**
 * Coordinates per request: within the gateway's default operation limits (20 root fields, 30
 * aliases); halved while a gateway with lower limits refuses (`OPERATION_LIMIT_EXCEEDED`).
 */
const COORDINATES_PER_REQUEST = 20;
/** How long one request to the gateway may take. */
const REQUEST_TIMEOUT_MS = 30_000;

/** A mistake in how the check was called or a gateway it cannot use: exit code 2, one line, no stack. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Who selected one coordinate in the window, as `fieldUsage` answers. */
export interface CoordinateUsage {
  coordinate: string;
  operations: number;
  members: Array<{ id: string; slug: string | null; name: string | null }>;
  clients: string[];
  operationNames: string[];
  lastSeen: string | null;
}

/** Where usage comes from and over which window. */
export interface UsageSource {
  /** The gateway's GraphQL endpoint. */
  url: URL;
  /** An admin API key or access token, sent as `Authorization: Bearer`. */
  credential: string;
  days: number;
  /** End of the window (now by default). */
  now?: Date;
}

/** A breaking change with its coordinates and their use. */
export interface ClassifiedChange extends SchemaChange {
  coordinates: string[];
  /** The coordinates some operation selected in the window (empty: unused). */
  used: CoordinateUsage[];
}

/** The verdict on the breaking changes and the deprecated fields. */
export interface UsageVerdict {
  /** Breaking changes no operation touched in the window: they pass. */
  unused: ClassifiedChange[];
  /** Breaking changes some operation touched: they fail. */
  used: ClassifiedChange[];
  /** Breaking changes usage cannot clear (no field coordinate): they fail. */
  unmapped: SchemaChange[];
  /** Deprecated fields of the new schema, with their use in the window (informational). */
  deprecated: Array<{ coordinate: string; reason: string; usage: CoordinateUsage }>;
  days: number;
  from: Date;
  to: Date;
  /** `hour` for windows up to 62 days, `day` beyond (`fieldUsage`'s buckets). */
  precision: 'hour' | 'day';
}

const NAME = '[_A-Za-z][_0-9A-Za-z]*';
const re = (source: string) => new RegExp(`^${source.replaceAll('NAME', `(${NAME})`)}$`);

/**
 * graphql-js 16's descriptions of breaking changes, by change type: what each one names. A
 * description that does not match maps to no coordinate (the change then fails: see above).
 */
const DESCRIPTIONS: Record<string, Array<{ pattern: RegExp; subject: 'field' | 'type' | 'input' | 'container' }>> = {
  FIELD_REMOVED: [{ pattern: re('NAME\\.NAME was removed\\.'), subject: 'field' }],
  FIELD_CHANGED_KIND: [{ pattern: re('NAME\\.NAME changed type from .+ to .+\\.'), subject: 'field' }],
  REQUIRED_ARG_ADDED: [{ pattern: re('A required arg \\w+ on NAME\\.NAME was added\\.'), subject: 'field' }],
  ARG_REMOVED: [{ pattern: re('NAME\\.NAME arg \\w+ was removed\\.'), subject: 'field' }],
  ARG_CHANGED_KIND: [{ pattern: re('NAME\\.NAME arg \\w+ has changed type from .+ to .+\\.'), subject: 'field' }],
  TYPE_REMOVED: [
    { pattern: re('NAME was removed\\.'), subject: 'type' },
    { pattern: re('Standard scalar NAME was removed because it is not referenced anymore\\.'), subject: 'type' },
  ],
  TYPE_CHANGED_KIND: [{ pattern: re('NAME changed from an? .+ type to an? .+ type\\.'), subject: 'type' }],
  VALUE_REMOVED_FROM_ENUM: [{ pattern: re('\\w+ was removed from enum type NAME\\.'), subject: 'type' }],
  REQUIRED_INPUT_FIELD_ADDED: [
    { pattern: re('A required field \\w+ on input type NAME was added\\.'), subject: 'input' },
  ],
  TYPE_REMOVED_FROM_UNION: [{ pattern: re('\\w+ was removed from union type NAME\\.'), subject: 'container' }],
  IMPLEMENTED_INTERFACE_REMOVED: [{ pattern: re('\\w+ no longer implements interface NAME\\.'), subject: 'container' }],
};

/** The object and interface fields of a schema, introspection left out. */
function outputFields(schema: GraphQLSchema): Array<[string, GraphQLField<unknown, unknown>]> {
  const fields: Array<[string, GraphQLField<unknown, unknown>]> = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || !(isObjectType(type) || isInterfaceType(type))) continue;
    for (const field of Object.values(type.getFields())) fields.push([`${type.name}.${field.name}`, field]);
  }
  return fields;
}

/** The input types that hold `name` at any depth (itself included). */
function inputsHolding(schema: GraphQLSchema, name: string): Set<string> {
  const holding = new Set([name]);
  for (let grew = true; grew;) {
    grew = false;
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isInputObjectType(type) || holding.has(type.name)) continue;
      if (Object.values(type.getFields()).some((f) => holding.has(getNamedType(f.type).name))) {
        holding.add(type.name);
        grew = true;
      }
    }
  }
  return holding;
}

/** Fields returning `type` (outputs) and fields taking it in an argument at any depth (inputs). */
function fieldsReferring(schema: GraphQLSchema, type: GraphQLNamedType): string[] {
  const holding = inputsHolding(schema, type.name);
  return outputFields(schema)
    .filter(
      ([, field]) =>
        getNamedType(field.type).name === type.name || field.args.some((a) => holding.has(getNamedType(a.type).name)),
    )
    .map(([coordinate]) => coordinate);
}

/**
 * The coordinates (`Type.field`, of `base`) a breaking change affects, sorted; empty when usage
 * cannot tell (directives, an unrecognised description). See the file's comment for the mapping.
 */
export function affectedCoordinates(change: SchemaChange, base: GraphQLSchema): string[] {
  for (const { pattern, subject } of DESCRIPTIONS[change.type] ?? []) {
    const match = pattern.exec(change.description);
    if (!match) continue;
    const type = base.getType(match[1]!);
    if (!type) return [];
    const found = new Set<string>();
    if (subject === 'field' && (isObjectType(type) || isInterfaceType(type))) {
      if (type.getFields()[match[2]!]) found.add(`${type.name}.${match[2]}`);
    } else if (subject !== 'field' || isInputObjectType(type)) {
      // A removed object or interface type: its own fields, as well as the fields returning it.
      if (subject === 'type' && (isObjectType(type) || isInterfaceType(type)))
        for (const field of Object.keys(type.getFields())) found.add(`${type.name}.${field}`);
      for (const coordinate of fieldsReferring(base, type)) found.add(coordinate);
    }
    return [...found].sort();
  }
  return [];
}

/** Deprecated object and interface fields of `schema`, with their reasons. */
export function deprecatedFields(schema: GraphQLSchema): Array<{ coordinate: string; reason: string }> {
  return outputFields(schema)
    .filter(([, field]) => field.deprecationReason !== null && field.deprecationReason !== undefined)
    .map(([coordinate, field]) => ({ coordinate, reason: field.deprecationReason! }))
    .sort((a, b) => a.coordinate.localeCompare(b.coordinate));
}

/** `--days`: a whole number of days, 1 to {@link MAX_DAYS}. */
export function parseDays(value: string | undefined): number {
  if (value === undefined) return 30;
  const days = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(days) || days < 1 || days > MAX_DAYS)
    throw new UsageError(
      `--days must be a whole number of days from 1 to ${MAX_DAYS} (the usage subgraph keeps ${MAX_DAYS} days), got "${value}"`,
    );
  return days;
}

/** `--usage`: the gateway's URL; a bare origin means its `/graphql`. No credentials in it. */
export function parseGatewayUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--usage must be the gateway's URL, e.g. https://graph.example.org, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--usage must be an http(s) URL, got a ${url.protocol} one`);
  if (url.username || url.password)
    throw new UsageError(`--usage must not carry credentials: put an admin key or token in ${DEFAULT_KEY_ENV}`);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/graphql';
  return url;
}

/** The window's bounds and the precision `fieldUsage` counts it at. */
function windowOf(days: number, now: Date): { from: Date; to: Date; precision: 'hour' | 'day' } {
  return {
    from: new Date(now.getTime() - days * 86_400_000),
    to: now,
    precision: days * 24 < MAX_HOUR_BUCKETS ? 'hour' : 'day',
  };
}

interface GraphQLAnswer {
  data?: Record<string, RawUsage | null> | null;
  errors?: Array<{ message?: string; extensions?: { code?: string } }>;
}
type RawUsage = Omit<CoordinateUsage, 'members'> & {
  members: Array<{ id: string; slug?: string | null; name?: string | null }>;
};

/** One request: `fieldUsage` once per coordinate, as aliases `f0`, `f1`, ... */
function fieldUsageDocument(count: number): string {
  const variables = Array.from({ length: count }, (_, i) => `$c${i}: String!`).join(', ');
  const fields = Array.from(
    { length: count },
    (_, i) =>
      `f${i}: fieldUsage(coordinate: $c${i}, from: $from, to: $to) { coordinate operations members { id slug name } clients operationNames lastSeen }`,
  ).join('\n  ');
  return `query SchemaCheckFieldUsage($from: DateTime!, $to: DateTime!, ${variables}) {\n  ${fields}\n}`;
}

/** Why a gateway answer is unusable, in one line the operator can act on. */
function refusal(url: URL, status: number, answer: GraphQLAnswer | undefined): UsageError {
  const error = answer?.errors?.[0];
  const code = error?.extensions?.code;
  const where = `the gateway at ${url.origin}${url.pathname}`;
  if (code === 'FORBIDDEN')
    return new UsageError(
      `${where} refused fieldUsage (FORBIDDEN): it is for alliance admins, and the credential given is not an admin's`,
    );
  if (code === 'UNAUTHENTICATED')
    return new UsageError(`${where} did not accept the credential (UNAUTHENTICATED): ${error?.message ?? ''}`.trim());
  if (code === 'GRAPHQL_VALIDATION_FAILED')
    return new UsageError(`${where} has no usage subgraph (fieldUsage is not in its schema): ${error?.message ?? ''}`);
  if (error) return new UsageError(`${where} answered ${code ?? `HTTP ${status}`}: ${error.message ?? ''}`.trim());
  return new UsageError(`${where} answered HTTP ${status} without a GraphQL answer: is it the gateway's URL?`);
}

/**
 * Who selected each coordinate in the window, through the gateway: one request for up to
 * {@link COORDINATES_PER_REQUEST} coordinates (aliases of `fieldUsage`), so one request in all
 * for most checks. Raises {@link UsageError} for an unreachable gateway, a refused credential or
 * any error in the answer: a partial answer must not pass a change.
 */
export async function fetchFieldUsage(
  coordinates: readonly string[],
  source: UsageSource,
): Promise<Map<string, CoordinateUsage>> {
  const { from, to } = windowOf(source.days, source.now ?? new Date());
  const found = new Map<string, CoordinateUsage>();
  let perRequest = COORDINATES_PER_REQUEST;
  for (let i = 0; i < coordinates.length;) {
    const chunk = coordinates.slice(i, i + perRequest);
    const variables: Record<string, string> = { from: from.toISOString(), to: to.toISOString() };
    chunk.forEach((coordinate, j) => (variables[`c${j}`] = coordinate));
    let response: Response;
    try {
      response = await fetch(source.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          authorization: `Bearer ${source.credential}`,
          'apollographql-client-name': 'schema-check',
        },
        body: JSON.stringify({ query: fieldUsageDocument(chunk.length), variables }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`
          : (cause?.code ?? cause?.message ?? (error as Error).message);
      throw new UsageError(`cannot reach the gateway at ${source.url.origin}${source.url.pathname}: ${reason}`);
    }
    let answer: GraphQLAnswer | undefined;
    try {
      answer = (await response.json()) as GraphQLAnswer;
    } catch {
      answer = undefined;
    }
    // A gateway with operation limits below the defaults: fewer coordinates a request.
    if (answer?.errors?.[0]?.extensions?.code === 'OPERATION_LIMIT_EXCEEDED' && perRequest > 1) {
      perRequest = Math.ceil(perRequest / 2);
      continue;
    }
    if (!answer?.data || (answer.errors?.length ?? 0) > 0) throw refusal(source.url, response.status, answer);
    i += chunk.length;
    chunk.forEach((coordinate, j) => {
      const raw = answer.data![`f${j}`];
      if (!raw) throw refusal(source.url, response.status, answer);
      found.set(coordinate, {
        ...raw,
        coordinate,
        members: raw.members.map((m) => ({ id: m.id, slug: m.slug ?? null, name: m.name ?? null })),
      });
    });
  }
  return found;
}

/**
 * Classifies `breaking` (changes from `base` to `current`) by their use in the last
 * `source.days` days, and reports the use of `current`'s deprecated fields. One request to the
 * gateway per {@link COORDINATES_PER_REQUEST} distinct coordinates.
 */
export async function classifyByUsage(
  breaking: readonly SchemaChange[],
  base: GraphQLSchema,
  current: GraphQLSchema,
  source: UsageSource,
): Promise<UsageVerdict> {
  const mapped = breaking.map((change) => ({ ...change, coordinates: affectedCoordinates(change, base) }));
  const deprecated = deprecatedFields(current);
  const all = [...new Set([...mapped.flatMap((c) => c.coordinates), ...deprecated.map((d) => d.coordinate)])].sort();
  const usage = all.length > 0 ? await fetchFieldUsage(all, source) : new Map<string, CoordinateUsage>();
  const verdict: UsageVerdict = {
    unused: [],
    used: [],
    unmapped: [],
    deprecated: deprecated.map((d) => ({ ...d, usage: usage.get(d.coordinate)! })),
    days: source.days,
    ...windowOf(source.days, source.now ?? new Date()),
  };
  for (const change of mapped) {
    if (change.coordinates.length === 0) {
      verdict.unmapped.push({ type: change.type, description: change.description });
      continue;
    }
    const used = change.coordinates.map((c) => usage.get(c)!).filter((u) => u.operations > 0);
    (used.length > 0 ? verdict.used : verdict.unused).push({ ...change, used });
  }
  return verdict;
}

/** A member as the report names it: its name and slug. */
const memberName = (m: CoordinateUsage['members'][number]) =>
  m.name ? `${m.name}${m.slug ? ` (${m.slug})` : ''}` : (m.slug ?? m.id);

/** Who used a coordinate, as indented lines. */
function usageLines(usage: CoordinateUsage, days: number): string[] {
  const list = (items: string[], none: string) => (items.length > 0 ? items.join(', ') : none);
  return [
    `  ${usage.coordinate}: ${usage.operations} operation(s) in the last ${days} days, last ${usage.lastSeen ?? 'unknown'}`,
    `    members: ${list(usage.members.map(memberName), 'none named (anonymous callers only)')}`,
    `    clients: ${list(usage.clients, 'none named')}`,
    `    operations: ${list(usage.operationNames, 'none named')}`,
  ];
}

/** Formats a verdict for a terminal: passes, failures with who uses what, deprecated fields. */
export function usageReport(verdict: UsageVerdict, against: string): string {
  const { days } = verdict;
  const lines: string[] = [];
  for (const c of verdict.unused)
    lines.push(`unused breaking change [${c.type}] ${c.description} (unused in the last ${days} days)`);
  for (const c of verdict.used) {
    lines.push(`error: breaking change in use [${c.type}] ${c.description}`);
    for (const usage of c.used) lines.push(...usageLines(usage, days));
  }
  for (const c of verdict.unmapped)
    lines.push(`error: breaking change [${c.type}] ${c.description} (no field to look up: usage cannot clear it)`);
  for (const d of verdict.deprecated) {
    if (d.usage.operations === 0) lines.push(`deprecated field ${d.coordinate}: unused in the last ${days} days`);
    else {
      lines.push(`deprecated field ${d.coordinate} (${d.reason}) is still used:`);
      lines.push(...usageLines(d.usage, days));
    }
  }
  const failing = verdict.used.length + verdict.unmapped.length;
  lines.push(
    `usage from ${verdict.from.toISOString()} to ${verdict.to.toISOString()}, counted at ${verdict.precision} precision ` +
      `(every ${verdict.precision} overlapping the window counts; the gateway sends usage about every 10 s)`,
  );
  if (failing > 0)
    lines.push(
      `${failing} breaking change(s) against ${against} in use or not clearable by usage. Keep the old field or value ` +
        `(deprecate it with @deprecated) until its users have moved, or acknowledge the change by adding its ` +
        `description and a reason to schema/acknowledged-breaking-changes.json.`,
    );
  else
    lines.push(
      `no breaking change against ${against} is in use` +
        (verdict.unused.length > 0 ? ` (${verdict.unused.length} unused in the last ${days} days)` : ''),
    );
  return lines.join('\n') + '\n';
}
