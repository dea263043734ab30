import { createRequire } from 'node:module';
import { mysqlPromiseWrappersOnce } from '../../subgraphs/kit/mysql-promise';

/** mysql2 as TypeORM loads it. */
const mysql2 = createRequire(createRequire(require.resolve('typeorm')).resolve('mysql2'));

describe("mysql2's promise wrapper of pool connections", () => {
  it('is still what promise() returns, wrapping the connection it was asked for', () => {
    mysqlPromiseWrappersOnce();
    const PoolConnection = mysql2('./lib/pool_connection.js') as {
      prototype: { promise(promiseImpl?: PromiseConstructor): unknown };
    };
    const PromisePoolConnection = mysql2('./lib/promise/pool_connection.js') as new (...args: unknown[]) => unknown;
    const connection = Object.create(PoolConnection.prototype) as { promise(): { connection: unknown } };
    const wrapped = connection.promise();
    expect(wrapped).toBeInstanceOf(PromisePoolConnection);
    expect(wrapped.connection).toBe(connection);
  });
});
