import { CreateMembership1733529600000 } from './1733529600000-CreateMembership';
import { ApiKeysAndAudit1733529700000 } from './1733529700000-ApiKeysAndAudit';
import { Outbox1764720000000 } from './1764720000000-Outbox';
import { Webhooks1764900000000 } from './1764900000000-Webhooks';

/** Migrations in the order they run. */
export const migrations = [
  CreateMembership1733529600000,
  ApiKeysAndAudit1733529700000,
  Outbox1764720000000,
  Webhooks1764900000000,
];
