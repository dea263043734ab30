import { localized } from '../../kit/locale';
import type { AttractionResolvers } from '../generated/resolvers-types';
import { monthRange } from '../validation';

export const Attraction: AttractionResolvers = {
  __resolveReference: (reference, { loaders }) => loaders.attractionById.load(reference.id),
  name: (attraction, _args, { locale }) => localized(locale, attraction.nameEn, attraction.nameZh),
  localName: (attraction) => attraction.nameZh,
  location: (attraction) => ({ latitude: attraction.latitude, longitude: attraction.longitude }),
  destination: async (attraction, _args, { loaders }) => {
    const destination = await loaders.destinationById.load(attraction.destinationId);
    // upsertAttraction checks the destination and destinations are never deleted.
    if (!destination) throw new Error(`attraction ${attraction.id} refers to missing destination`);
    return destination;
  },
  visitorStats: (attraction, { from, to }, { loaders }) =>
    loaders.statsByAttraction.load({ parentId: attraction.id, args: monthRange(from, to) }),
};
