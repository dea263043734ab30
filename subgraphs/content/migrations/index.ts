import { CreateContent1733600000000 } from './1733600000000-CreateContent';

/** Migrations in the order they run. */
export const migrations = [CreateContent1733600000000];
