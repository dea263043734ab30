import type { DataSource } from 'typeorm';
import { AuditRepository } from '../../kit/audit/repository';
import type { ReferenceChecker } from '../references';
import { ContentRepository } from './contents';

/** The content subgraph's repositories (and its reference checker), made once per process. */
export function createContentRepositories(dataSource: DataSource, references: ReferenceChecker) {
  return {
    contents: new ContentRepository(dataSource),
    audit: new AuditRepository(dataSource),
    references,
  };
}

export type ContentRepositories = ReturnType<typeof createContentRepositories>;
