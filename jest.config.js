/**
 * Jest runs TypeScript through SWC (fast, keeps decorator metadata for TypeORM).
 * Database-backed suites run on SQLite always and on MySQL/MariaDB as well when
 * TEST_MYSQL_URL is set (see test/support/databases.ts).
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/subgraphs', '<rootDir>/gateway'],
  testMatch: ['**/*.test.ts'],
  // jose and uuid ship only ES modules; SWC turns them into CommonJS for Jest's module system.
  transformIgnorePatterns: ['/node_modules/(?!(jose|uuid)/)'],
  transform: {
    '^.+\\.(ts|js)$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  testTimeout: 240_000,
  // Process suites start the services compiled once per run (test/support/compiled-services.ts).
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // End-to-end suites start real processes; two cores take two suites at a time.
  maxWorkers: 2,
};
