import { entityRef } from '../../kit/refs';
import { isSelfOrAdmin } from '../../kit/authz';
import type { ParticipationResolvers } from '../generated/resolvers-types';
import { pairKey } from '../loaders';

export const Participation: ParticipationResolvers = {
  campaign: async (participation, _args, { loaders, viewer }) => {
    const campaign = await loaders.campaignById.load(participation.campaignId);
    // The field is non-null: a participation exists only with its campaign.
    if (!campaign) throw new Error(`participation of missing campaign ${participation.campaignId}`);
    // A member sees a PLANNED campaign through its own participation (it joined it); others never reach
    // such participations because the lists that lead here leave them out.
    if (campaign.status === 'PLANNED' && !isSelfOrAdmin(viewer, participation.memberId)) {
      throw new Error('PLANNED campaign reached through a list that should have hidden it');
    }
    return campaign;
  },
  member: (participation) => entityRef(participation.memberId),
  metrics: (participation, _args, { loaders }) =>
    loaders.participationTotals.load(pairKey(participation.campaignId, participation.memberId)),
};
