import { v5 as uuidv5 } from 'uuid';

/** Namespace of the alliance's deterministic ids (a fixed, random UUID). */
const ALLIANCE_NAMESPACE = '6f1d3c9a-5b8e-4f2a-9c7d-0e4b2a1f8c35';

/**
 * A deterministic UUID for a seeded entity, from its type and slug. Subgraphs own
 * separate databases, so their seeds agree on each other's ids this way instead of
 * reading each other's tables.
 */
export function stableId(type: string, slug: string): string {
  return uuidv5(`${type}:${slug}`, ALLIANCE_NAMESPACE);
}
