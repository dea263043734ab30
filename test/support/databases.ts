import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import type { DatabaseConfig } from '../../subgraphs/kit/config';

/** A database a suite runs against, made fresh for the suite and dropped after it. */
export interface TestDatabase {
  /** `sqlite` or `mysql`, used in test titles. */
  engine: 'sqlite' | 'mysql';
  config: DatabaseConfig;
  /** Removes what the suite created. */
  drop: () => Promise<void>;
}

/** The engines this run covers: SQLite always, MySQL when TEST_MYSQL_URL is set. */
export const ENGINES: Array<'sqlite' | 'mysql'> = process.env.TEST_MYSQL_URL ? ['sqlite', 'mysql'] : ['sqlite'];

/** A throwaway database on `engine`: an in-memory SQLite, or a uniquely named MySQL database. */
export async function createTestDatabase(engine: 'sqlite' | 'mysql'): Promise<TestDatabase> {
  if (engine === 'sqlite') {
    return { engine, config: { kind: 'sqlite', file: ':memory:' }, drop: async () => undefined };
  }
  const database = `alliance_test_${randomBytes(4).toString('hex')}`;
  const url = `${mysqlServerUrl()}/${database}`;
  return {
    engine,
    config: { kind: 'mysql', url, database, poolSize: 5, readUrls: [] },
    drop: () => dropMysqlDatabase(url),
  };
}

/** Drops the database a MySQL URL names, if it exists. */
export async function dropMysqlDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.replace(/^\//, ''));
  target.pathname = '/';
  const connection = await mysql.createConnection({ uri: target.toString() });
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
  } finally {
    await connection.end();
  }
}

/** The server URL of TEST_MYSQL_URL without a database, for services that create their own. */
export function mysqlServerUrl(): string {
  const server = new URL(process.env.TEST_MYSQL_URL!);
  server.pathname = '';
  return server.toString().replace(/\/$/, '');
}
