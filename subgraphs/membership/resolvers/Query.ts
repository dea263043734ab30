import { auditTrail } from '../../kit/audit/trail';
import { requireAdmin } from '../../kit/authz';
import { idOrSlug } from '../../kit/validation';
import type { QueryResolvers } from '../generated/resolvers-types';
import * as valid from '../validation';

export const Query: QueryResolvers = {
  member: (_parent, { id, slug }, { loaders }) => {
    const key = idOrSlug('member', id, slug);
    return (key.by === 'id' ? loaders.memberById : loaders.memberBySlug).load(key.value);
  },
  members: (_parent, { filter, first, after }, { repos }) =>
    repos.members.list(valid.memberFilter(filter ?? {}), { first, after }),
  alliance: async (_parent, _args, { repos }) => {
    const alliance = await repos.alliance.find();
    // The alliance row is seed data: without it the database was never seeded, a server fault.
    if (!alliance) throw new Error('alliance row missing: run `npm run seed`');
    return alliance;
  },
  viewer: async (_parent, _args, { viewer, loaders }) => ({
    role: viewer.role,
    member: viewer.memberId ? await loaders.memberById.load(viewer.memberId) : null,
  }),
  audit: (_parent, _args, { viewer }) => {
    requireAdmin(viewer, 'the audit trail');
    return auditTrail();
  },
};
