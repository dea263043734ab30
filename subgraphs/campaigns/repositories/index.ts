import type { DataSource } from 'typeorm';
import { AuditRepository } from '../../kit/audit/repository';
import { CampaignRepository } from './campaigns';
import { MetricRepository } from './metrics';
import { ParticipationRepository } from './participations';

/** The campaigns subgraph's repositories, made once per process. */
export function createCampaignsRepositories(dataSource: DataSource) {
  return {
    campaigns: new CampaignRepository(dataSource),
    participations: new ParticipationRepository(dataSource),
    metrics: new MetricRepository(dataSource),
    audit: new AuditRepository(dataSource),
  };
}

export type CampaignsRepositories = ReturnType<typeof createCampaignsRepositories>;
