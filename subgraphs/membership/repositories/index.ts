import type { DataSource } from 'typeorm';
import { AuditRepository } from '../../kit/audit/repository';
import { AllianceRepository } from './alliance';
import { ApiKeyRepository } from './apiKeys';
import { MemberRepository } from './members';

/** The membership subgraph's repositories, made once per process. */
export function createMembershipRepositories(dataSource: DataSource) {
  return {
    members: new MemberRepository(dataSource),
    alliance: new AllianceRepository(dataSource),
    apiKeys: new ApiKeyRepository(dataSource),
    audit: new AuditRepository(dataSource),
  };
}

export type MembershipRepositories = ReturnType<typeof createMembershipRepositories>;
