import type { DataSource } from 'typeorm';
import { AuditRepository } from '../../kit/audit/repository';
import { QuotaRepository } from './quotas';
import { RollupRepository } from './rollup';
import { UsageRepository } from './usage';

/** The usage subgraph's repositories, made once per process. */
export function createUsageRepositories(dataSource: DataSource) {
  return {
    usage: new UsageRepository(dataSource),
    rollup: new RollupRepository(dataSource),
    quotas: new QuotaRepository(dataSource),
    audit: new AuditRepository(dataSource),
  };
}

export type UsageRepositories = ReturnType<typeof createUsageRepositories>;
