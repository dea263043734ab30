import type { DataSource } from 'typeorm';
import { AllianceRepository } from './alliance';
import { MemberRepository } from './members';

/** The membership subgraph's repositories, made once per process. */
export function createMembershipRepositories(dataSource: DataSource) {
  return { members: new MemberRepository(dataSource), alliance: new AllianceRepository(dataSource) };
}

export type MembershipRepositories = ReturnType<typeof createMembershipRepositories>;
