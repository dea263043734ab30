import { requireSelfOrAdmin } from '../../kit/authz';
import { referenceById } from '../../kit/refs';
import type { MemberResolvers } from '../generated/resolvers-types';
import { monthOf } from '../repositories/quotas';
import { usageWindow } from '../validation';

export const Member: MemberResolvers = {
  // Members live in the membership subgraph; this one only adds their usage, keyed by id.
  __resolveReference: referenceById,
  usage: (member, { from, to, granularity }, { loaders, viewer }) => {
    requireSelfOrAdmin(viewer, member.id, 'Member.usage');
    return loaders.usageByMember.load({ parentId: member.id, args: usageWindow(from, to, granularity ?? 'HOUR') });
  },
  quota: async (member, _args, { loaders, viewer }) => {
    requireSelfOrAdmin(viewer, member.id, 'Member.quota');
    const quota = await loaders.quotaByMember.load(member.id);
    if (!quota) return null;
    const month = monthOf(new Date());
    const used = await loaders.usedSince.load({ parentId: member.id, args: month.start.toISOString() });
    return { monthlyOperations: quota.monthlyOperations, usedThisMonth: used, resetsAt: month.next };
  },
};
