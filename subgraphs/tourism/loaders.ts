import { argumentsGroupLoader, groupLoader, rowLoader } from '../kit/loaders';
import type { Attraction, Destination, VisitorStat } from './entities';
import type { TourismRepositories } from './repositories';
import type { DestinationFigures } from './repositories/visitorStats';
import type { MonthRange } from './model';

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
    statsByAttraction: argumentsGroupLoader<MonthRange, VisitorStat>(
      (ids, range) => visitorStats.forAttractions(ids, range),
      (s) => s.attractionId,
    ),
    /** Each destination's monthly sums in a range: one grouped statement for many destinations. */
    statsByDestination: argumentsGroupLoader<MonthRange, DestinationFigures>(
      (ids, range) => visitorStats.forDestinations(ids, range),
      (s) => s.destinationId,
    ),
  };
}

export type TourismLoaders = ReturnType<typeof createTourismLoaders>;
