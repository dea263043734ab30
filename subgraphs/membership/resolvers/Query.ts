import { auditTrail } from '../../kit/audit/trail';
import { isAdmin, isSelfOrAdmin, requireAdmin, requireSelfOrAdmin, requireSignedIn } from '../../kit/authz';
import { notFound } from '../../kit/errors';
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
  webhooks: async (_parent, { memberId }, { viewer, repos }) => {
    requireSignedIn(viewer, 'webhooks');
    if (memberId == null)
      return isAdmin(viewer) ? repos.webhooks.findAll() : repos.webhooks.findByMembers([viewer.memberId]);
    requireSelfOrAdmin(viewer, memberId, 'webhooks of a member');
    return repos.webhooks.findByMembers([memberId]);
  },
  webhookDeliveries: async (_parent, { webhookId, outcome, first, after }, { viewer, repos, loaders }) => {
    requireSignedIn(viewer, 'webhookDeliveries');
    const webhook = await loaders.webhookById.load(webhookId);
    // Another member's webhook looks exactly like a missing one.
    if (!webhook || !isSelfOrAdmin(viewer, webhook.memberId)) throw notFound(`no webhook with id ${webhookId}`);
    return repos.webhooks.deliveries(webhook.id, outcome ?? null, { first, after });
  },
};
