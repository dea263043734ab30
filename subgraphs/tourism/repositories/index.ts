import type { DataSource } from 'typeorm';
import { AuditRepository } from '../../kit/audit/repository';
import { AttractionRepository } from './attractions';
import { DestinationRepository } from './destinations';
import { VisitorStatRepository } from './visitorStats';

/** The tourism subgraph's repositories, made once per process. */
export function createTourismRepositories(dataSource: DataSource) {
  return {
    attractions: new AttractionRepository(dataSource),
    destinations: new DestinationRepository(dataSource),
    visitorStats: new VisitorStatRepository(dataSource),
    audit: new AuditRepository(dataSource),
  };
}

export type TourismRepositories = ReturnType<typeof createTourismRepositories>;
