import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { openDatabase } from '../../subgraphs/kit/database';
import { type DatabaseAccount, provisionDatabases, SUBGRAPH_PRIVILEGES } from '../../subgraphs/kit/provision';
import { content as contentSubgraph } from '../../subgraphs/content/server';
import { membership as membershipSubgraph } from '../../subgraphs/membership/server';
import { dropMysqlDatabase, mysqlServerUrl } from '../support/databases';

// Only where a MySQL/MariaDB server is given, like every MySQL suite (test/support/databases.ts).
const describeMysql = process.env.TEST_MYSQL_URL ? describe : describe.skip;

describeMysql('one MySQL user per subgraph, with rights on its own database only', () => {
  const run = randomBytes(4).toString('hex');
  const account = (name: string): DatabaseAccount => ({
    database: `alliance_test_${run}_${name}`,
    user: `t${run}_${name}`,
    password: randomBytes(18).toString('base64url'),
  });
  const content = account('content');
  const membership = account('membership');
  const adminUrl = mysqlServerUrl();
  /** A connection URL as a subgraph service gets it in docker compose. */
  const urlOf = ({ user, password, database }: DatabaseAccount, db = database) => {
    const url = new URL(adminUrl);
    url.username = user;
    url.password = password;
    url.pathname = `/${db}`;
    return url.toString();
  };
  const config = (a: DatabaseAccount) => ({
    kind: 'mysql' as const,
    url: urlOf(a),
    database: a.database,
    poolSize: 2,
    readUrls: [],
  });

  beforeAll(async () => {
    await provisionDatabases({ adminUrl, accounts: [content, membership] });
  });

  afterAll(async () => {
    const admin = await mysql.createConnection({ uri: adminUrl });
    try {
      for (const { user } of [content, membership]) await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
    } finally {
      await admin.end();
    }
    for (const a of [content, membership]) await dropMysqlDatabase(`${adminUrl}/${a.database}`);
  });

  it('is idempotent and rotates a password when run again', async () => {
    const rotated = { ...content, password: randomBytes(18).toString('base64url') };
    await provisionDatabases({ adminUrl, accounts: [rotated, membership] });
    await expect(mysql.createConnection({ uri: urlOf(content) })).rejects.toMatchObject({
      code: 'ER_ACCESS_DENIED_ERROR',
    });
    await provisionDatabases({ adminUrl, accounts: [content, membership] });
    const connection = await mysql.createConnection({ uri: urlOf(content) });
    await connection.end();
  });

  it('lets each subgraph migrate and seed its own database with its own user', async () => {
    for (const [subgraph, a] of [
      [membershipSubgraph, membership],
      [contentSubgraph, content],
    ] as const) {
      const database = await openDatabase({
        config: config(a),
        entities: subgraph.entities,
        migrations: subgraph.migrations,
      });
      try {
        expect(await database.dataSource.query('SELECT COUNT(*) AS n FROM migrations')).toEqual([
          { n: expect.anything() },
        ]);
        await subgraph.seed(database.dataSource, { devCredentials: false });
        expect(await subgraph.isEmpty(database.dataSource)).toBe(false);
      } finally {
        await database.dataSource.destroy();
      }
    }
  });

  it('refuses the content user the membership database, its tables, and everything beyond its grants', async () => {
    // Connecting to another subgraph's database is refused outright.
    await expect(mysql.createConnection({ uri: urlOf(content, membership.database) })).rejects.toMatchObject({
      code: 'ER_DBACCESS_DENIED_ERROR',
    });
    const connection = await mysql.createConnection({ uri: urlOf(content) });
    try {
      await expect(connection.query(`SELECT id FROM \`${membership.database}\`.member LIMIT 1`)).rejects.toMatchObject({
        code: 'ER_TABLEACCESS_DENIED_ERROR',
      });
      await expect(connection.query(`USE \`${membership.database}\``)).rejects.toMatchObject({
        code: 'ER_DBACCESS_DENIED_ERROR',
      });
      await expect(connection.query(`CREATE DATABASE \`${membership.database}_extra\``)).rejects.toMatchObject({
        code: 'ER_DBACCESS_DENIED_ERROR',
      });
      // No DROP either, even on its own tables (a service never needs it; see SUBGRAPH_PRIVILEGES).
      await expect(connection.query('DROP TABLE content_tag')).rejects.toMatchObject({
        code: 'ER_TABLEACCESS_DENIED_ERROR',
      });
      const [grants] = await connection.query<mysql.RowDataPacket[]>('SHOW GRANTS');
      const onOwn = grants.map((row) => String(Object.values(row)[0])).find((g) => g.includes(content.database));
      for (const privilege of SUBGRAPH_PRIVILEGES) expect(onOwn).toContain(privilege);
      expect(grants).toHaveLength(2); // USAGE (log in, no global rights) and its own database
    } finally {
      await connection.end();
    }
  });
});
