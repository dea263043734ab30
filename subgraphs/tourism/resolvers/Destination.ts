import { localized } from '../../kit/locale';
import type { DestinationResolvers } from '../generated/resolvers-types';
import { monthRange } from '../validation';

export const Destination: DestinationResolvers = {
  __resolveReference: (reference, { loaders }) => loaders.destinationById.load(reference.id),
  name: (destination, _args, { locale }) => localized(locale, destination.nameEn, destination.nameZh),
  localName: (destination) => destination.nameZh,
  location: (destination) => ({ latitude: destination.latitude, longitude: destination.longitude }),
  attractions: (destination, _args, { loaders }) => loaders.attractionsByDestination.load(destination.id),
  visitorStats: (destination, { from, to }, { loaders }) =>
    loaders.statsByDestination.load({ parentId: destination.id, args: monthRange(from, to) }),
};
