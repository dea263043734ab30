import { CreateCampaigns1733529800000 } from './1733529800000-CreateCampaigns';
import { Outbox1764720000000 } from './1764720000000-Outbox';

/** Migrations in the order they run. */
export const migrations = [CreateCampaigns1733529800000, Outbox1764720000000];
