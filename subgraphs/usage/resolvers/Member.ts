import { requireSelfOrAdmin } from '../../kit/authz';
import { referenceById } from '../../kit/refs';
import type { MemberResolvers } from '../generated/resolvers-types';
import { usageWindow } from '../validation';

export const Member: MemberResolvers = {
  // Members live in the membership subgraph; this one only adds their usage, keyed by id.
  __resolveReference: referenceById,
  usage: (member, { from, to, granularity }, { loaders, viewer }) => {
    requireSelfOrAdmin(viewer, member.id, 'Member.usage');
    return loaders.usageByMember.load({ parentId: member.id, args: usageWindow(from, to, granularity ?? 'HOUR') });
  },
};
