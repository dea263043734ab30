import { referenceById } from '../../kit/refs';
import { isAdmin } from '../../kit/authz';
import type { AttractionResolvers } from '../generated/resolvers-types';

export const Attraction: AttractionResolvers = {
  // Attractions live in the tourism subgraph; this one only adds fields keyed by id.
  __resolveReference: referenceById,
  campaigns: async (attraction, _args, { loaders, viewer }) => {
    const rows = await loaders.campaignsByAttraction.load(attraction.id);
    return rows.map((row) => row.campaign).filter((c) => c.status !== 'PLANNED' || isAdmin(viewer));
  },
};
