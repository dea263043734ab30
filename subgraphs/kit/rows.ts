import { type DataSource, type EntityMetadata, type EntityTarget, In, type ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/** The statement text and columns of one entity's by-id read, built once per entity. */
interface ByIdPlan {
  /** `SELECT "a", "b" FROM "table" WHERE "id" IN (`: the placeholders and `)` are added per call. */
  head: string;
  columns: ColumnMetadata[];
  metadata: EntityMetadata;
}

const plans = new WeakMap<EntityMetadata, ByIdPlan | null>();

/** The plan for `metadata`, or null when the entity is not a plain table this reader can hydrate. */
function planFor(dataSource: DataSource, metadata: EntityMetadata): ByIdPlan | null {
  let plan = plans.get(metadata);
  if (plan !== undefined) return plan;
  const plain =
    metadata.primaryColumns.length === 1 &&
    metadata.relations.length === 0 &&
    metadata.embeddeds.length === 0 &&
    metadata.inheritanceTree.length === 1;
  if (!plain) {
    plan = null;
  } else {
    const { driver } = dataSource;
    // Columns a find() would select: not virtual, not `select: false`.
    const columns = metadata.columns.filter((c) => c.isSelect && !c.isVirtual);
    const list = columns.map((c) => driver.escape(c.databaseName)).join(', ');
    const id = driver.escape(metadata.primaryColumns[0]!.databaseName);
    plan = { head: `SELECT ${list} FROM ${driver.escape(metadata.tableName)} WHERE ${id} IN (`, columns, metadata };
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
  const metadata = dataSource.getMetadata(target);
  const plan = planFor(dataSource, metadata);
  if (!plan) {
    const id = metadata.primaryColumns[0]!.propertyName;
    // A where clause keyed by a computed property name: TypeORM's types cannot follow it.
    return dataSource.getRepository(target).findBy({ [id]: In([...ids]) } as never);
  }
  if (ids.length === 0) return [];
  const sql = `${plan.head}${ids.map(() => '?').join(', ')})`;
  const runner = dataSource.createQueryRunner(dataSource.defaultReplicationModeForReads());
  let rows: Array<Record<string, unknown>>;
  try {
    rows = (await runner.query(sql, [...ids])) as Array<Record<string, unknown>>;
  } finally {
    await runner.release();
  }
  const { driver } = dataSource;
  return rows.map((row) => {
    const entity = plan.metadata.create(undefined, { fromDeserializer: true }) as E;
    for (const column of plan.columns) {
      const value = row[column.databaseName];
      // As TypeORM's own hydration: a column absent from the row stays unset.
      if (value === undefined) continue;
      column.setEntityValue(entity, driver.prepareHydratedValue(value, column));
    }
    return entity;
  });
}
