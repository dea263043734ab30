import { requireAdmin } from '../../kit/authz';
import { entityRef } from '../../kit/refs';
import type { MutationResolvers } from '../generated/resolvers-types';
import { memberId, monthlyOperations } from '../validation';

export const Mutation: MutationResolvers = {
  setMemberQuota: (_parent, args, { repos, viewer, mutate }) =>
    mutate(
      { operation: 'setMemberQuota', targetType: 'Member', targetId: args.memberId.slice(0, 80) },
      async (manager) => {
        requireAdmin(viewer, 'setMemberQuota');
        const member = memberId(args.memberId);
        const budget = monthlyOperations(args.monthlyOperations);
        await repos.quotas.set(manager, member, budget);
        return entityRef(member);
      },
    ),
};
