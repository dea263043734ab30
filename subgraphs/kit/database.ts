import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import path from 'node:path';
import 'reflect-metadata';
import mysql from 'mysql2/promise';
import { DataSource, type DataSourceOptions, type Logger, type MixedList, type QueryRunner } from 'typeorm';
import { type DatabaseConfig, redactUrl } from './config';
import { StartupError } from './env';
import { mysqlPromiseWrappersOnce } from './mysql-promise';

/**
 * Statements that are no operation's data access: transaction control and health probes
 * (bookkeeping), and the outbox relay's background work (marked by a comment, events/relay.ts).
 */
const NOT_COUNTED =
  /^(START TRANSACTION|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT|SELECT 1$|\/\* outbox relay \*\/)/i;

/** Set while a subgraph's background work runs (the webhook dispatcher, the usage rollup). */
const backgroundWork = new AsyncLocalStorage<true>();

/**
 * Runs `start` (and everything it schedules: timers inherit the context) as background work,
 * whose statements the {@link QueryCounter} leaves out: they belong to no operation, and a poll
 * landing inside a measured window would make "statements per operation" depend on timing.
 */
export function asBackgroundWork<T>(start: () => T): T {
  return backgroundWork.run(true, start);
}

/**
 * Counts the SQL statements a DataSource sends. Tests and the benchmark read it to
 * prove that the statements per operation do not grow with page sizes.
 */
export class QueryCounter implements Logger {
  count = 0;
  /** The most recent statements, newest last, for diagnosing a failing count. */
  readonly recent: string[] = [];

  logQuery(query: string): void {
    if (NOT_COUNTED.test(query) || backgroundWork.getStore()) return;
    this.count += 1;
    this.recent.push(query);
    if (this.recent.length > 50) this.recent.shift();
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}

  /** Runs `fn` and returns how many statements it sent. */
  async measure(fn: () => Promise<unknown>): Promise<number> {
    const before = this.count;
    await fn();
    return this.count - before;
  }
}

/** What a subgraph hands to {@link openDatabase}. */
export interface DatabaseOptions {
  config: DatabaseConfig;
  // TypeORM's own option types take constructor lists of any shape.
  entities: MixedList<Function>; // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function>; // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  /** Throwaway test databases only: build the schema from entities instead of migrations. */
  synchronize?: boolean;
}

/** A connected, migrated database with its statement counter. */
export interface Database {
  dataSource: DataSource;
  queries: QueryCounter;
  config: DatabaseConfig;
}

function describe(config: DatabaseConfig): string {
  return config.kind === 'sqlite' ? `SQLite file ${config.file}` : `MySQL ${redactUrl(config.url)}`;
}

function reason(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/**
 * Creates the subgraph's MySQL database when it does not exist yet, and tells whether
 * the server is MariaDB: TypeORM reads MariaDB's catalogue differently (column defaults),
 * so it must be told which one it talks to.
 */
async function ensureMysqlDatabase(config: Extract<DatabaseConfig, { kind: 'mysql' }>): Promise<'mysql' | 'mariadb'> {
  const server = new URL(config.url);
  server.pathname = '/';
  const connection = await mysql.createConnection({ uri: server.toString(), connectTimeout: 5000 });
  try {
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS \`${config.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
    const [rows] = await connection.query('SELECT VERSION() AS version');
    const version = String((rows as Array<{ version: unknown }>)[0]?.version ?? '');
    return /mariadb/i.test(version) ? 'mariadb' : 'mysql';
  } finally {
    await connection.end();
  }
}

/** Builds a TypeORM DataSource for the configured engine without connecting. */
export function createDataSource(
  options: DatabaseOptions,
  logger: Logger,
  flavour: 'mysql' | 'mariadb' = 'mysql',
): DataSource {
  const { config } = options;
  if (config.kind === 'mysql') mysqlPromiseWrappersOnce();
  const common = {
    entities: options.entities,
    migrations: options.migrations,
    migrationsRun: false,
    synchronize: options.synchronize ?? false,
    logger,
    logging: ['query', 'error'] as Array<'query' | 'error'>,
  };
  const engine: DataSourceOptions =
    config.kind === 'sqlite'
      ? {
          ...common,
          type: 'better-sqlite3',
          database: config.file,
          enableWAL: config.file !== ':memory:',
          // Prepared statements kept per connection (TypeORM's default: 100, first in first out).
          // By-id reads and per-parent pages differ by their number of ids, so under the
          // benchmark's load statements were evicted and prepared again (2 % of a profile).
          statementCacheSize: 1000,
        }
      : {
          ...common,
          type: flavour,
          charset: 'utf8mb4_unicode_ci',
          timezone: 'Z',
          connectTimeout: 5000,
          poolSize: config.poolSize,
          // DATE columns stay 'YYYY-MM-DD' strings instead of shifting through JS Date.
          dateStrings: ['DATE'],
          // With read replicas, TypeORM sends reads outside transactions to a replica and
          // everything else (writes, transactions, migrations) to the primary.
          ...(config.readUrls.length > 0
            ? { replication: { master: { url: config.url }, slaves: config.readUrls.map((url) => ({ url })) } }
            : { url: config.url }),
        };
  return new DataSource(engine);
}

/**
 * Connects to the subgraph's database (creating the MySQL database or the SQLite
 * folder when missing) and runs pending migrations. Failures become one-line
 * {@link StartupError}s naming what could not be reached.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const { config } = options;
  const queries = new QueryCounter();
  let flavour: 'mysql' | 'mariadb' = 'mysql';
  try {
    if (config.kind === 'sqlite' && config.file !== ':memory:') {
      fs.mkdirSync(path.dirname(config.file), { recursive: true });
    }
    if (config.kind === 'mysql') flavour = await ensureMysqlDatabase(config);
  } catch (error) {
    throw new StartupError(`cannot prepare ${describe(config)}: ${reason(error)}`);
  }
  const dataSource = createDataSource(options, queries, flavour);
  try {
    await dataSource.initialize();
  } catch (error) {
    throw new StartupError(`cannot connect to ${describe(config)}: ${reason(error)}`);
  }
  try {
    if (!options.synchronize) await dataSource.runMigrations({ transaction: 'each' });
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw new StartupError(`migrations failed on ${describe(config)}: ${reason(error)}`);
  }
  optimizeDatabase(dataSource);
  return { dataSource, queries, config };
}

/** How often a long-lived SQLite connection refreshes its planner statistics (SQLite's own advice: hourly). */
const OPTIMIZE_EVERY_MS = 60 * 60 * 1000;

/** The raw better-sqlite3 handle behind a TypeORM DataSource; undefined on MySQL. */
function sqliteHandle(dataSource: DataSource): { pragma(source: string): unknown } | undefined {
  if (dataSource.driver.options.type !== 'better-sqlite3') return undefined;
  return (dataSource.driver as unknown as { databaseConnection?: { pragma(source: string): unknown } })
    .databaseConnection;
}

/**
 * Gives SQLite's query planner statistics about the tables (`PRAGMA optimize`, which runs a
 * bounded ANALYZE where statistics are missing or stale), now and then hourly while the
 * DataSource lives. Without them SQLite guesses, and at benchmark scale it walked a whole
 * index for the content subgraph's tag feeds and attraction stories (2.5–3 ms a statement
 * instead of 0.03–0.3 ms). Run on the raw connection so the statement counter is untouched.
 * Call it again after a bulk load (seeding). MySQL/MariaDB keep their statistics themselves:
 * a no-op there.
 */
export function optimizeDatabase(dataSource: DataSource): void {
  const handle = sqliteHandle(dataSource);
  if (!handle) return;
  // analysis_limit bounds the rows ANALYZE reads per index, as SQLite recommends with optimize.
  handle.pragma('analysis_limit = 400');
  handle.pragma('optimize = 0x10002');
  if (optimizers.has(dataSource)) return;
  const timer = setInterval(() => {
    // A closed connection has nothing to optimise; a failure only costs better plans.
    if (!dataSource.isInitialized) return clearInterval(timer);
    try {
      sqliteHandle(dataSource)?.pragma('optimize');
    } catch {
      clearInterval(timer);
    }
  }, OPTIMIZE_EVERY_MS);
  // The refresh must never keep a process alive.
  timer.unref();
  optimizers.add(dataSource);
}

/** DataSources that already refresh their statistics hourly. */
const optimizers = new WeakSet<DataSource>();

/** True when the database answers a trivial statement; used by /readyz. */
export async function databaseAnswers(dataSource: DataSource): Promise<boolean> {
  if (!dataSource.isInitialized) return false;
  let runner: QueryRunner | undefined;
  try {
    runner = dataSource.createQueryRunner('slave');
    await runner.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await runner?.release().catch(() => undefined);
  }
}

/** True for a unique-constraint violation on SQLite or MySQL (a lost race to insert a duplicate). */
export function isUniqueViolation(error: unknown): boolean {
  const code =
    (error as { code?: unknown; driverError?: { code?: unknown } })?.driverError?.code ??
    (error as { code?: unknown })?.code;
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
