import { type DataSource, type EntityMetadata, type EntityTarget, In, type ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/** The statement text and columns of one entity's by-id read, built once per entity. */
interface ByIdPlan {
  /**
   * `SELECT "a", "b" FROM "table" WHERE "id" IN (`: the placeholders and `)` are added per call;
   * null for a composite primary key (such entities are read by id through `findBy`).
   */
  head: string | null;
  columns: ColumnMetadata[];
  metadata: EntityMetadata;
}

const plans = new WeakMap<EntityMetadata, ByIdPlan | null>();

/** The plan for `metadata`, or null when the entity is not a plain table this reader can hydrate. */
function planFor(dataSource: DataSource, metadata: EntityMetadata): ByIdPlan | null {
  let plan = plans.get(metadata);
  if (plan !== undefined) return plan;
  const plain =
    metadata.relations.length === 0 && metadata.embeddeds.length === 0 && metadata.inheritanceTree.length === 1;
  if (!plain) {
    plan = null;
  } else {
    const { driver } = dataSource;
    // Columns a find() would select: not virtual, not `select: false`.
    const columns = metadata.columns.filter((c) => c.isSelect && !c.isVirtual);
    const list = columns.map((c) => driver.escape(c.databaseName)).join(', ');
    const key = metadata.primaryColumns.length === 1 ? driver.escape(metadata.primaryColumns[0]!.databaseName) : null;
    const head = key ? `SELECT ${list} FROM ${driver.escape(metadata.tableName)} WHERE ${key} IN (` : null;
    plan = { head, columns, metadata };
  }
  plans.set(metadata, plan);
  return plan;
}

/**
 * Entities by primary key, in any order (missing ids are absent), in ONE statement: what
 * `repository.findBy({ id: In(ids) })` answers, for the DataLoaders behind every entity
 * reference. TypeORM builds and escapes that query anew on every call, a tenth of a
 * subgraph's CPU per request on the benchmark; here the statement text is built once per
 * entity and the rows are hydrated column by column through the driver, as TypeORM does
 * (same value conversions, same entity classes). Reads go where TypeORM sends reads (a read
 * replica when configured), and through the DataSource's logger, so they are counted.
 * Entities with relations, embedded columns, inheritance or a composite key use `findBy`.
 */
export async function findEntitiesByIds<E extends ObjectLiteral>(
  dataSource: DataSource,
  target: EntityTarget<E>,
  ids: readonly (string | number)[],
): Promise<E[]> {
  const { metadata, plan } = lookUp(dataSource, target);
  if (!plan?.head) {
    const id = metadata.primaryColumns[0]!.propertyName;
    // A where clause keyed by a computed property name: TypeORM's types cannot follow it.
    return dataSource.getRepository(target).findBy({ [id]: In([...ids]) } as never);
  }
  if (ids.length === 0) return [];
  const rows = await readRows(dataSource, `${plan.head}${placeholders(ids.length)})`, [...ids]);
  return rows.map((row) => hydrateWith(dataSource, plan, row));
}

/** `?, ?, ?`: the placeholders of an IN list of `count` values (both engines take `?`). */
export function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

/**
 * Rows of a read statement written by hand, as the driver answers them: sent where TypeORM
 * sends reads (a read replica when configured) and through the DataSource's logger, so they are
 * counted. For hot reads whose statement TypeORM's query builder would build and escape anew on
 * every call; the text must be portable (`?` placeholders, unquoted snake_case names).
 */
export async function readRows<R = Record<string, unknown>>(
  dataSource: DataSource,
  sql: string,
  parameters: readonly unknown[],
): Promise<R[]> {
  const runner = dataSource.createQueryRunner(dataSource.defaultReplicationModeForReads());
  try {
    return (await runner.query(sql, [...parameters])) as R[];
  } finally {
    await runner.release();
  }
}

/** One row (columns by their database names) into an entity, as TypeORM hydrates it. */
function hydrateWith<E extends ObjectLiteral>(dataSource: DataSource, plan: ByIdPlan, row: Record<string, unknown>): E {
  const entity = plan.metadata.create(undefined, { fromDeserializer: true }) as E;
  for (const column of plan.columns) {
    const value = row[column.databaseName];
    // As TypeORM's own hydration: a column absent from the row stays unset.
    if (value === undefined) continue;
    column.setEntityValue(entity, dataSource.driver.prepareHydratedValue(value, column));
  }
  return entity;
}

/** Each DataSource's entities by target: `getMetadata` searches its entities on every call. */
const byTarget = new WeakMap<
  DataSource,
  Map<EntityTarget<ObjectLiteral>, { metadata: EntityMetadata; plan: ByIdPlan | null }>
>();

/** The metadata of `target` and its plan (null when not a plain table), looked up once per DataSource. */
function lookUp(dataSource: DataSource, target: EntityTarget<ObjectLiteral>) {
  let known = byTarget.get(dataSource);
  if (!known) byTarget.set(dataSource, (known = new Map()));
  let entry = known.get(target);
  if (!entry) {
    const metadata = dataSource.getMetadata(target);
    known.set(target, (entry = { metadata, plan: planFor(dataSource, metadata) }));
  }
  return entry;
}

/** A plain entity's plan, or an error naming it: the raw readers below only take plain tables. */
function plainPlan(dataSource: DataSource, target: EntityTarget<ObjectLiteral>): ByIdPlan {
  const { metadata, plan } = lookUp(dataSource, target);
  if (!plan) throw new Error(`${metadata.name} is not a plain table (relations, embedded columns or inheritance)`);
  return plan;
}

const selectLists = new WeakMap<ByIdPlan, Map<string, string>>();

/**
 * The select list of every column a find() of `target` would read, qualified by `alias`
 * (`c."id", c."slug", ...`), for a hand-written statement whose rows {@link hydrate} turns
 * into entities. Built once per entity and alias.
 */
export function entityColumns(dataSource: DataSource, target: EntityTarget<ObjectLiteral>, alias: string): string {
  const plan = plainPlan(dataSource, target);
  let lists = selectLists.get(plan);
  if (!lists) selectLists.set(plan, (lists = new Map()));
  let list = lists.get(alias);
  if (list === undefined) {
    list = plan.columns.map((c) => `${alias}.${dataSource.driver.escape(c.databaseName)}`).join(', ');
    lists.set(alias, list);
  }
  return list;
}

/**
 * Rows read with {@link entityColumns} as entities of `target`: the same classes and value
 * conversions as TypeORM's own hydration (dates, booleans, numbers), without its query builder.
 */
export function hydrate<E extends ObjectLiteral>(
  dataSource: DataSource,
  target: EntityTarget<E>,
  rows: readonly Record<string, unknown>[],
): E[] {
  const plan = plainPlan(dataSource, target);
  return rows.map((row) => hydrateWith<E>(dataSource, plan, row));
}
