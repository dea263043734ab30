import DataLoader from 'dataloader';
import { groupLoader, rowLoader } from '../kit/loaders';
import type { Attraction, Destination, VisitorStat } from './entities';
import type { TourismRepositories } from './repositories';
import type { DestinationFigures } from './repositories/visitorStats';
import type { MonthRange } from './validation';

/** A parent id together with the month range its field asked for. */
export interface RangeKey extends MonthRange {
  id: string;
}

const rangeOf = (key: MonthRange) => `${key.from ?? ''}..${key.to ?? ''}`;

/**
 * A per-request loader of per-parent lists that depend on a month range: the range is
 * part of the key (and of the cache key), and one batch costs one statement per distinct
 * range, whatever the number of parents.
 */
function rangeLoader<R>(
  fetch: (ids: readonly string[], range: MonthRange) => Promise<R[]>,
  parentOf: (row: R) => string,
): DataLoader<RangeKey, R[], string> {
  return new DataLoader<RangeKey, R[], string>(
    async (keys) => {
      const byRange = new Map<string, { range: MonthRange; ids: Set<string> }>();
      for (const key of keys) {
        const entry = byRange.get(rangeOf(key)) ?? { range: { from: key.from, to: key.to }, ids: new Set<string>() };
        entry.ids.add(key.id);
        byRange.set(rangeOf(key), entry);
      }
      const groups = new Map<string, R[]>();
      for (const [name, { range, ids }] of byRange) {
        for (const id of ids) groups.set(`${id}|${name}`, []);
        for (const row of await fetch([...ids], range)) groups.get(`${parentOf(row)}|${name}`)?.push(row);
      }
      return keys.map((key) => groups.get(`${key.id}|${rangeOf(key)}`)!);
    },
    { cacheKeyFn: (key) => `${key.id}|${rangeOf(key)}`, maxBatchSize: 1000 },
  );
}

/** Per-request loaders of the tourism subgraph: one SQL statement per batch. */
export function createTourismLoaders({ attractions, destinations, visitorStats }: TourismRepositories) {
  return {
    attractionById: rowLoader<string, Attraction>(
      (ids) => attractions.findByIds(ids),
      (a) => a.id,
    ),
    attractionBySlug: rowLoader<string, Attraction>(
      (slugs) => attractions.findBySlugs(slugs),
      (a) => a.slug,
    ),
    destinationById: rowLoader<string, Destination>(
      (ids) => destinations.findByIds(ids),
      (d) => d.id,
    ),
    destinationBySlug: rowLoader<string, Destination>(
      (slugs) => destinations.findBySlugs(slugs),
      (d) => d.slug,
    ),
    /** All attractions of each destination: one statement for a whole list of destinations. */
    attractionsByDestination: groupLoader<string, Attraction>(
      (ids) => attractions.findByDestinations(ids),
      (a) => a.destinationId,
    ),
    /** Each attraction's months in a range: one statement for a page of attractions. */
    statsByAttraction: rangeLoader<VisitorStat>(
      (ids, range) => visitorStats.forAttractions(ids, range),
      (s) => s.attractionId,
    ),
    /** Each destination's monthly sums in a range: one grouped statement for many destinations. */
    statsByDestination: rangeLoader<DestinationFigures>(
      (ids, range) => visitorStats.forDestinations(ids, range),
      (s) => s.destinationId,
    ),
  };
}

export type TourismLoaders = ReturnType<typeof createTourismLoaders>;
