/**
 * Scenario R: a realistic member-platform mix. Six operations a member platform's site would
 * send (attraction pages, attractions near a point, a campaign with its participants and
 * destinations, a member profile with its contents, a content feed by tag, an attraction with
 * its stories and visitor figures), over one to four subgraphs, each answering about 4 KB.
 *
 * Every request carries different variables, drawn from the benchmark-scale seed
 * (`bench/seed-scale.ts`) by a seeded pseudo-random generator: no two concurrent requests are
 * alike, so neither in-flight deduplication nor a response cache can share work, and the same
 * seed gives every target the same sequence of requests.
 */
import { stableId } from '../subgraphs/kit/ids';
import { encodeCursor } from '../subgraphs/kit/pagination';
import { FOUNDING_MEMBERS } from '../subgraphs/membership/seed-data';
import { DESTINATIONS } from '../subgraphs/tourism/seed-data';
import { benchAttractionSlug, benchCampaignSlug } from './seed-scale';
import { seededRandom as kitRandom } from '../subgraphs/kit/random';

/** A deterministic pseudo-random source: `next()` in [0, 1). */
export interface Random {
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
}

/** The kit's seeded generator (mulberry32), with integers: benchmark variables vary reproducibly. */
export function seededRandom(seed: number): Random {
  const next = kitRandom(seed);
  return { next, int: (min, max) => min + Math.floor(next() * (max - min + 1)) };
}

/** One operation of the mix: its document, its share of requests and how its variables are drawn. */
export interface RealisticOperation {
  name: string;
  /** The subgraphs its plan fetches from, for the report. */
  subgraphs: number;
  /** Relative frequency in the mix. */
  weight: number;
  query: string;
  variables(random: Random, scale: number): Record<string, unknown>;
}

/** A month `YYYY-MM` of the seeded visitor figures (2024-01 .. 2025-12), by index 0..23. */
const month = (index: number) => `${2024 + Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
const benchAttractionId = (i: number) => stableId('attraction', benchAttractionSlug(i));

/**
 * A later page of a content list (newest first): the cursor of seeded piece `i`, as a previous
 * page's endCursor would be (content is ordered by publication time, then id, both descending;
 * `bench/seed-scale.ts` publishes piece i at 2025-01-01 + i minutes). A third of the time, the
 * first page (null).
 */
function contentCursor(random: Random, scale: number): string | null {
  if (random.next() < 1 / 3) return null;
  const i = random.int(100, scale * 1000 - 1);
  return encodeCursor([
    new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
    stableId('content', `bench-content-${i}`),
  ]);
}

export const REALISTIC_OPERATIONS: readonly RealisticOperation[] = [
  {
    // A catalogue page reached by "next page": the cursor of a seeded attraction (attractions are
    // ordered by slug, then id), as the previous page's endCursor would be.
    name: 'AttractionPage',
    subgraphs: 1,
    weight: 20,
    query: `query AttractionPage($first: Int!, $after: String) {
  attractions(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id slug name localName category level worldHeritage inBaShuCorridor location { latitude longitude } destination { id name province } }
  }
}`,
    variables: (random, scale) => {
      const i = random.int(0, scale * 100 - 30);
      return { first: random.int(9, 13), after: encodeCursor([benchAttractionSlug(i), benchAttractionId(i)]) };
    },
  },
  {
    // A map view: a point near a destination (within about 5 km of it) and a radius.
    name: 'AttractionsNear',
    subgraphs: 2,
    weight: 15,
    query: `query AttractionsNear($near: NearInput!, $first: Int!) {
  attractions(filter: { near: $near }, first: $first) {
    totalCount
    nodes { id slug name category level location { latitude longitude } destination { name } campaigns { id name status } }
  }
}`,
    variables: (random) => {
      const destination = DESTINATIONS[random.int(0, DESTINATIONS.length - 1)]!;
      const jitter = () => Math.round((random.next() - 0.5) * 100) / 1000;
      return {
        near: {
          latitude: destination.latitude + jitter(),
          longitude: destination.longitude + jitter(),
          radiusKm: random.int(10, 40),
        },
        first: random.int(11, 15),
      };
    },
  },
  {
    name: 'CampaignById',
    subgraphs: 4,
    weight: 15,
    query: `query CampaignById($id: ID!, $first: Int!, $contents: Int!) {
  campaign(id: $id) {
    id slug name description status startsOn endsOn
    organizer { id name kind region }
    participants(first: $first) { totalCount nodes { role joinedOn member { id slug name kind region } metrics { impressions engagements clicks } } }
    destinations { id name category level destination { name province } }
    contents(first: $contents) { nodes { id kind title } }
  }
}`,
    variables: (random, scale) => ({
      id: stableId('campaign', benchCampaignSlug(random.int(0, scale * 10 - 1))),
      first: random.int(7, 8),
      contents: random.int(2, 4),
    }),
  },
  {
    name: 'MemberProfile',
    subgraphs: 4,
    weight: 15,
    query: `query MemberProfile($id: ID!, $first: Int!, $after: String) {
  member(id: $id) {
    id slug name kind region
    contents(first: $first, after: $after) {
      totalCount
      nodes { id kind title language publishedAt tags attractions { id name destination { name } } }
    }
    campaigns { role campaign { id name } }
  }
}`,
    variables: (random, scale) => ({
      id: stableId('member', FOUNDING_MEMBERS[random.int(0, FOUNDING_MEMBERS.length - 1)]!.slug),
      first: random.int(3, 5),
      after: contentCursor(random, scale),
    }),
  },
  {
    // The seeded content is tagged `topic-0` .. `topic-49` (besides `benchmark`); first or later pages.
    name: 'ContentFeed',
    subgraphs: 3,
    weight: 20,
    query: `query ContentFeed($tag: String!, $first: Int!, $after: String) {
  contents(filter: { tag: $tag }, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id kind title summary language publishedAt tags author { id name kind } attractions { id name category } }
  }
}`,
    variables: (random, scale) => ({
      tag: `topic-${random.int(0, 49)}`,
      first: random.int(5, 8),
      after: contentCursor(random, scale),
    }),
  },
  {
    name: 'AttractionStories',
    subgraphs: 4,
    weight: 15,
    query: `query AttractionStories($id: ID!, $from: String!, $to: String!, $first: Int!) {
  attraction(id: $id) {
    id name localName category level worldHeritage
    destination { name province }
    visitorStats(from: $from, to: $to) { month domesticVisitors inboundVisitors revenueCny }
    stories(first: $first) { totalCount nodes { id kind title summary language publishedAt author { name } } }
    campaigns { id name status }
  }
}`,
    variables: (random, scale) => {
      const from = random.int(0, 17);
      return {
        id: benchAttractionId(random.int(0, scale * 100 - 1)),
        from: month(from),
        to: month(from + random.int(3, 6)),
        first: random.int(10, 14),
      };
    },
  },
];

/** One drawn request of the mix. */
export interface RealisticRequest {
  operation: string;
  body: string;
}

/**
 * An endless, deterministic sequence of R requests: the same `seed` and `scale` always give the
 * same sequence. `scale` must be the seed's (`--scale`), so every drawn id exists.
 */
export function realisticRequests(seed: number, scale: number): () => RealisticRequest {
  const random = seededRandom(seed);
  const total = REALISTIC_OPERATIONS.reduce((sum, op) => sum + op.weight, 0);
  return () => {
    let pick = random.next() * total;
    const operation = REALISTIC_OPERATIONS.find((op) => (pick -= op.weight) < 0) ?? REALISTIC_OPERATIONS[0]!;
    const variables = operation.variables(random, scale);
    return {
      operation: operation.name,
      body: JSON.stringify({ query: operation.query, operationName: operation.name, variables }),
    };
  };
}
