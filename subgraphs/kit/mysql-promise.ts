/**
 * TypeORM's MySQL driver sends every statement through `poolConnection.promise().query(...)`,
 * and mysql2's `PoolConnection#promise` loads its promise wrapper with `require` on every call.
 * A `require` of a module already loaded still resolves the name, through every registered
 * resolve hook: under tsx (`npm run dev`, the benchmark) that was 7 % of a subgraph's CPU on
 * MySQL, under plain Node about a µs a statement. The wrapper class is looked up once here instead;
 * what `promise()` returns is the same.
 */
import { createRequire } from 'node:module';

/** mysql2's callback pool connection, as far as this module touches it. */
interface PoolConnectionClass {
  prototype: { promise?: (promiseImpl?: PromiseConstructor) => unknown };
}

let installed = false;

/**
 * Makes mysql2's `PoolConnection#promise` build its wrapper from a class looked up once
 * (mysql2 as TypeORM loads it). Leaves mysql2 alone if its layout is not the expected one.
 * Idempotent.
 */
export function mysqlPromiseWrappersOnce(): void {
  if (installed) return;
  installed = true;
  const fromTypeorm = createRequire(require.resolve('typeorm'));
  let PoolConnection: PoolConnectionClass;
  let PromisePoolConnection: new (connection: unknown, promiseImpl?: PromiseConstructor) => unknown;
  try {
    const base = fromTypeorm.resolve('mysql2');
    const fromMysql2 = createRequire(base);
    PoolConnection = fromMysql2('./lib/pool_connection.js') as PoolConnectionClass;
    PromisePoolConnection = fromMysql2('./lib/promise/pool_connection.js') as typeof PromisePoolConnection;
  } catch {
    return;
  }
  if (typeof PoolConnection.prototype.promise !== 'function' || typeof PromisePoolConnection !== 'function') return;
  PoolConnection.prototype.promise = function promise(this: unknown, promiseImpl?: PromiseConstructor) {
    return new PromisePoolConnection(this, promiseImpl);
  };
}
