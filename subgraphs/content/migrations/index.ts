import { CreateContent1733600000000 } from './1733600000000-CreateContent';
import { Outbox1764720000000 } from './1764720000000-Outbox';
import { VisibilityIndexes1764979200000 } from './1764979200000-VisibilityIndexes';

/** Migrations in the order they run. */
export const migrations = [CreateContent1733600000000, Outbox1764720000000, VisibilityIndexes1764979200000];
