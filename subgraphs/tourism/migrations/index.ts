import { CreateTourism1733529800000 } from './1733529800000-CreateTourism';

/** Migrations in the order they run. */
export const migrations = [CreateTourism1733529800000];
