/**
 * A reference to another subgraph's entity (a Member in content, an Attraction in campaigns):
 * only its id lives here. The gateway asks the owning subgraph for the rest.
 */
export interface EntityRef {
  id: string;
}

/** The reference for an id, or null for none: what a field pointing at another subgraph's entity answers. */
export function entityRef(id: string): EntityRef;
export function entityRef(id: string | null): EntityRef | null;
export function entityRef(id: string | null): EntityRef | null {
  return id === null ? null : { id };
}

/**
 * `__resolveReference` of an entity this subgraph only extends with fields: the reference is
 * the object (a fresh one: federation adds `__typename` to what it gets back).
 */
export function referenceById(reference: EntityRef): EntityRef {
  return { id: reference.id };
}
