/**
 * Least privilege on a shared MySQL server: one database and one MySQL user per subgraph,
 * the user holding rights on its own database only. The database then enforces what the
 * architecture says (each subgraph owns its data and never reads another's tables).
 * Run by the `provision-databases` one-shot service in docker compose before the subgraphs
 * start (scripts/provision-databases.ts), and by the tests.
 */
import mysql from 'mysql2/promise';
import { mysqlDatabaseName, redactUrl } from './config';
import { type Env, envString, StartupError } from './env';
import { isPublishedSecret } from './secrets';

/**
 * What a subgraph service needs on its own database, and nothing more: reading and writing
 * rows, and running its migrations on start (CREATE for tables and for creating the
 * database if absent, ALTER, INDEX, REFERENCES for foreign keys). No DROP: only the
 * `down` side of migrations drops tables, and reverting a release is an operator's job with
 * the admin account. No GRANT OPTION, no global or other databases' privileges.
 */
export const SUBGRAPH_PRIVILEGES = [
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'CREATE',
  'ALTER',
  'INDEX',
  'REFERENCES',
] as const;

/** One subgraph's database and the MySQL account that alone may use it. */
export interface DatabaseAccount {
  database: string;
  user: string;
  password: string;
}

/** What {@link provisionDatabases} needs: an account allowed to create databases, users and grants. */
export interface ProvisionConfig {
  adminUrl: string;
  accounts: DatabaseAccount[];
}

/** MySQL's limits: 64 characters for a database name, 32 for a user name. */
const DATABASE_NAME = /^[A-Za-z0-9_]{1,64}$/;
const USER_NAME = /^[A-Za-z0-9_]{1,32}$/;
/** Passwords go into `mysql://user:password@host` URLs unescaped, so they must be URL-safe. */
const URL_SAFE_PASSWORD = /^[A-Za-z0-9._~-]{16,128}$/;

/** The MySQL user name of a subgraph's account: the same as its database, `alliance_<name>`. */
export function mysqlUserName(service: string): string {
  return mysqlDatabaseName(service);
}

/**
 * Reads the provisioning settings: `MYSQL_ADMIN_URL` (an account that may create databases,
 * users and grants, e.g. root) and `MYSQL_<NAME>_PASSWORD` for each of `services` (the subgraphs'
 * names, from the registry).
 */
export function readProvisionConfig(env: Env, services: readonly string[]): ProvisionConfig {
  const adminUrl = envString(env, 'MYSQL_ADMIN_URL');
  if (!adminUrl || !/^mysql:\/\//.test(adminUrl)) {
    throw new StartupError('MYSQL_ADMIN_URL must be set to mysql://<admin user>:<password>@<host>:<port>');
  }
  const password = (service: string): string => {
    const name = `MYSQL_${service.toUpperCase()}_PASSWORD`;
    const value = envString(env, name);
    if (!value || !URL_SAFE_PASSWORD.test(value)) {
      throw new StartupError(
        `${name} must be 16-128 URL-safe characters (letters, digits, . _ ~ -), e.g. from \`openssl rand -hex 24\``,
      );
    }
    // The .env.example placeholders pass the shape check; anyone who read the repository knows them.
    if (isPublishedSecret(value)) {
      throw new StartupError(
        `${name} is a value published in the repository; generate one with \`openssl rand -hex 24\``,
      );
    }
    return value;
  };
  return {
    adminUrl,
    accounts: services.map((service) => ({
      database: mysqlDatabaseName(service),
      user: mysqlUserName(service),
      password: password(service),
    })),
  };
}

/**
 * Creates each account's database and user if missing, sets the user's password (so that
 * running it again with a new password rotates it) and grants {@link SUBGRAPH_PRIVILEGES} on
 * that database alone. Idempotent: safe to run on every deployment.
 */
export async function provisionDatabases({ adminUrl, accounts }: ProvisionConfig): Promise<void> {
  for (const { database, user } of accounts) {
    if (!DATABASE_NAME.test(database) || !USER_NAME.test(user)) {
      throw new StartupError(
        `database names must be 1-64 and user names 1-32 letters, digits or _: got ${database}, ${user}`,
      );
    }
  }
  const connection = await mysql.createConnection({ uri: adminUrl, connectTimeout: 5000 }).catch((error: unknown) => {
    const code = (error as { code?: unknown }).code;
    throw new StartupError(`cannot connect to MYSQL_ADMIN_URL ${redactUrl(adminUrl)}: ${String(code ?? error)}`);
  });
  try {
    for (const { database, user, password } of accounts) {
      // Names are checked above; the password is sent as an escaped value, never spliced in.
      await connection.query(
        `CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
      );
      await connection.query(`CREATE USER IF NOT EXISTS '${user}'@'%' IDENTIFIED BY ?`, [password]);
      await connection.query(`ALTER USER '${user}'@'%' IDENTIFIED BY ?`, [password]);
      await connection.query(`GRANT ${SUBGRAPH_PRIVILEGES.join(', ')} ON \`${database}\`.* TO '${user}'@'%'`);
    }
  } finally {
    await connection.end();
  }
}
