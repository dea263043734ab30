import type { DataSource } from 'typeorm';
import { RollupRepository } from './rollup';
import { UsageRepository } from './usage';

/** The usage subgraph's repositories, made once per process. */
export function createUsageRepositories(dataSource: DataSource) {
  return {
    usage: new UsageRepository(dataSource),
    rollup: new RollupRepository(dataSource),
  };
}

export type UsageRepositories = ReturnType<typeof createUsageRepositories>;
