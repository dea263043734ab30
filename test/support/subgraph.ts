import type { ApolloServer } from '@apollo/server';
import type { DataSource } from 'typeorm';
import { readAssertionKey } from '../../subgraphs/kit/config';
import type { RequestInfo } from '../../subgraphs/kit/context';
import { type Database, type DatabaseOptions, openDatabase } from '../../subgraphs/kit/database';
import { createLogger, type Logger } from '../../subgraphs/kit/logger';
import type { SeedOptions } from '../../subgraphs/kit/run';
import type { BuiltSubgraph, SubgraphSecurity } from '../../subgraphs/kit/server';

/** The development assertion key, as the processes under test use it. */
export const TEST_SECURITY: SubgraphSecurity = {
  assertionKey: readAssertionKey({}, 'test'),
  allowUnsigned: false,
};
import { createTestDatabase, type TestDatabase } from './databases';

/** What a subgraph test needs to know about the subgraph under test. */
export interface SubgraphUnderTest<Repos, Loaders> {
  entities: DatabaseOptions['entities'];
  migrations: DatabaseOptions['migrations'];
  seed: (dataSource: DataSource, options: SeedOptions) => Promise<string>;
  build: (database: Database, logger: Logger, security: SubgraphSecurity) => Promise<BuiltSubgraph<Repos, Loaders>>;
}

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
export interface SubgraphHarness<Repos, Loaders> {
  database: Database;
  built: BuiltSubgraph<Repos, Loaders>;
  /** Runs an operation through Apollo Server's full request pipeline. */
  execute: <T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    info?: Partial<RequestInfo>,
  ) => Promise<Result<T>>;
  close: () => Promise<void>;
}

/** Opens a subgraph on a fresh database of `engine`, runs its migrations and seeds it. */
export async function openSubgraph<Repos, Loaders>(
  subgraph: SubgraphUnderTest<Repos, Loaders>,
  engine: 'sqlite' | 'mysql',
): Promise<SubgraphHarness<Repos, Loaders>> {
  const testDb: TestDatabase = await createTestDatabase(engine);
  const database = await openDatabase({
    config: testDb.config,
    entities: subgraph.entities,
    migrations: subgraph.migrations,
  });
  await subgraph.seed(database.dataSource, { devCredentials: true });
  const built = await subgraph.build(database, createLogger('test', 'silent'), TEST_SECURITY);
  const apollo = built.apollo as ApolloServer<ReturnType<typeof built.createContext>>;
  return {
    database,
    built,
    execute: async <T>(query: string, variables?: Record<string, unknown>, info?: Partial<RequestInfo>) => {
      const response = await apollo.executeOperation({ query, variables }, { contextValue: built.createContext(info) });
      if (response.body.kind !== 'single') throw new Error('expected a single result');
      return response.body.singleResult as Result<T>;
    },
    close: async () => {
      await built.apollo.stop();
      await database.dataSource.destroy();
      await testDb.drop();
    },
  };
}
