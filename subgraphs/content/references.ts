import { type Env, StartupError, envString } from '../kit/env';
import { ASSERTION_HEADER, type AssertionKey, type Identity, signAssertion } from '../kit/identity';

/** Entities of other subgraphs that content refers to by id. */
export type ReferencedType = 'Member' | 'Attraction' | 'Campaign';

/**
 * Tells which referenced ids do not exist. Content never reads other subgraphs' tables:
 * it asks the owning subgraph, as the caller, whether it knows the ids.
 */
export interface ReferenceChecker {
  /** The ids among `ids` that the owner of `type` does not know (or does not show to `viewer`). */
  missing(type: ReferencedType, ids: readonly string[], viewer: Identity): Promise<string[]>;
}

const OWNER: Record<ReferencedType, 'membership' | 'tourism' | 'campaigns'> = {
  Member: 'membership',
  Attraction: 'tourism',
  Campaign: 'campaigns',
};

/** The subgraphs that own the types content refers to. */
export type Owner = (typeof OWNER)[ReferencedType];

/**
 * Where the owning subgraphs listen: `SUBGRAPH_<NAME>_URL`, else their default local port
 * (`defaultPorts`, from their descriptors).
 */
export function readReferenceUrls(env: Env, defaultPorts: Record<Owner, number>): Record<ReferencedType, string> {
  const urlOf = (owner: Owner) => {
    const variable = `SUBGRAPH_${owner.toUpperCase()}_URL`;
    const value = envString(env, variable, `http://127.0.0.1:${defaultPorts[owner]}/graphql`);
    try {
      const url = new URL(value);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    } catch {
      throw new StartupError(`${variable} must be an http(s) URL of the ${owner} subgraph's /graphql`);
    }
    return value;
  };
  return { Member: urlOf('membership'), Attraction: urlOf('tourism'), Campaign: urlOf('campaigns') };
}

/**
 * Asks the owning subgraph's `_entities` (the federation entry point the gateway uses)
 * with an assertion signed for the caller, so that visibility rules of the owner apply.
 * One HTTP request per type, whatever the number of ids.
 */
export class HttpReferenceChecker implements ReferenceChecker {
  constructor(
    private readonly urls: Record<ReferencedType, string>,
    private readonly assertionKey: AssertionKey,
  ) {}

  async missing(type: ReferencedType, ids: readonly string[], viewer: Identity): Promise<string[]> {
    if (ids.length === 0) return [];
    const response = await fetch(this.urls[type], {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [ASSERTION_HEADER]: await signAssertion(viewer, this.assertionKey),
      },
      body: JSON.stringify({
        query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${type} { id } } }`,
        variables: { r: ids.map((id) => ({ __typename: type, id })) },
      }),
      signal: AbortSignal.timeout(5000),
    });
    const result = (await response.json()) as { data?: { _entities?: Array<{ id: string } | null> } | null };
    const entities = result.data?._entities;
    // An unreachable or failing owner is a server fault: refusing the ids would blame the caller.
    if (!response.ok || !Array.isArray(entities) || entities.length !== ids.length) {
      throw new Error(`${OWNER[type]} subgraph did not answer the ${type} check (HTTP ${response.status})`);
    }
    return ids.filter((_id, i) => entities[i] == null);
  }
}
