import { CreateUsage1764806400000 } from './1764806400000-CreateUsage';

/** Migrations in the order they run. */
export const migrations = [CreateUsage1764806400000];
