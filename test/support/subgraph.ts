import { readAssertionKey } from '../../subgraphs/kit/config';
import type { RequestInfo } from '../../subgraphs/kit/context';
import { type Database, openDatabase } from '../../subgraphs/kit/database';
import { createLogger } from '../../subgraphs/kit/logger';
import type { BuiltSubgraph, Subgraph } from '../../subgraphs/kit/descriptor';
import type { SubgraphSecurity } from '../../subgraphs/kit/server';
import { createTestDatabase, type TestDatabase } from './databases';

/** The development assertion key, as the processes under test use it. */
export const TEST_SECURITY: SubgraphSecurity = {
  assertionKey: readAssertionKey({}, 'test'),
  allowUnsigned: false,
};

/** One GraphQL result, as a test reads it. */
export interface Result<T = Record<string, unknown>> {
  data?: T | null;
  errors?: ReadonlyArray<{
    message: string;
    path?: ReadonlyArray<string | number>;
    extensions?: Record<string, unknown>;
  }>;
}

/** A migrated, seeded subgraph on a throwaway database, queried in-process. */
export interface SubgraphHarness {
  database: Database;
  built: BuiltSubgraph;
  /** Runs an operation through Apollo Server's full request pipeline. */
  execute: <T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    info?: Partial<RequestInfo>,
  ) => Promise<Result<T>>;
  close: () => Promise<void>;
}

/** Opens a subgraph on a fresh database of `engine`, runs its migrations and seeds it. */
export async function openSubgraph(subgraph: Subgraph, engine: 'sqlite' | 'mysql'): Promise<SubgraphHarness> {
  const testDb: TestDatabase = await createTestDatabase(engine);
  const database = await openDatabase({
    config: testDb.config,
    entities: subgraph.entities,
    migrations: subgraph.migrations,
  });
  await subgraph.seed(database.dataSource, { devCredentials: true });
  const built = await subgraph.build(database, createLogger('test', 'silent'), TEST_SECURITY);
  return {
    database,
    built,
    execute: async <T>(query: string, variables?: Record<string, unknown>, info?: Partial<RequestInfo>) => {
      const response = await built.executeOperation({ query, variables }, info);
      if (response.body.kind !== 'single') throw new Error('expected a single result');
      return response.body.singleResult as Result<T>;
    },
    close: async () => {
      await built.stop();
      await database.dataSource.destroy();
      await testDb.drop();
    },
  };
}
