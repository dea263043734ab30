import { CreateMembership1733529600000 } from './1733529600000-CreateMembership';

/** Migrations in the order they run. */
export const migrations = [CreateMembership1733529600000];
