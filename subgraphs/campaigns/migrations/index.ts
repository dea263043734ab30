import { CreateCampaigns1733529800000 } from './1733529800000-CreateCampaigns';

/** Migrations in the order they run. */
export const migrations = [CreateCampaigns1733529800000];
