import { referenceById } from '../../kit/refs';
import { isSelfOrAdmin } from '../../kit/authz';
import type { MemberResolvers } from '../generated/resolvers-types';

export const Member: MemberResolvers = {
  // Members live in the membership subgraph; this one only adds fields keyed by id.
  __resolveReference: referenceById,
  campaigns: async (member, { status }, { loaders, viewer }) => {
    const rows = await loaders.participationsByMember.load({ parentId: member.id, args: status ?? null });
    const seesPlanned = isSelfOrAdmin(viewer, member.id);
    return rows.filter((row) => seesPlanned || row.campaignStatus !== 'PLANNED').map((row) => row.participation);
  },
};
