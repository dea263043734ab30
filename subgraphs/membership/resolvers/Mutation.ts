import { isSelfOrAdmin, requireAdmin, requireSelfOrAdmin, requireSignedIn } from '../../kit/authz';
import { badUserInput, forbidden, notFound, slugTaken } from '../../kit/errors';
import type { MutationResolvers } from '../generated/resolvers-types';
import type { MemberChanges } from '../repositories/members';
import * as valid from '../validation';

const todayUtc = () => new Date().toISOString().slice(0, 10);

export const Mutation: MutationResolvers = {
  admitMember: (_parent, { input }, { viewer, repos, mutate }) =>
    mutate(
      { operation: 'admitMember', targetType: 'Member', detail: `slug ${input.slug.slice(0, 80)}` },
      async (manager) => {
        requireAdmin(viewer, 'admitMember');
        const slug = valid.slug(input.slug);
        const member = await repos.members.admit(manager, {
          slug,
          nameEn: valid.text(input.name, 'input.name', 1, 200),
          nameZh: valid.text(input.localName, 'input.localName', 1, 200),
          kind: input.kind,
          region: valid.region(input.region),
          website: valid.website(input.website),
          contactEmail: valid.email(input.contactEmail),
          joinedOn: input.joinedOn ?? todayUtc(),
        });
        if (!member) throw slugTaken('member', slug);
        return member;
      },
      (member) => member.id,
    ),

  updateMember: (_parent, { id, input }, { viewer, repos, mutate }) =>
    mutate({ operation: 'updateMember', targetType: 'Member', targetId: id }, async (manager) => {
      requireSelfOrAdmin(viewer, id, 'updateMember');
      const member = await repos.members.findById(manager, id);
      if (!member) throw notFound(`no member with id ${id}`);
      if (viewer.role !== 'ADMIN' && (input.kind != null || input.region != null)) {
        throw forbidden('only admins may change a member’s kind or region');
      }
      const changes: MemberChanges = {};
      if (input.name != null) changes.nameEn = valid.text(input.name, 'input.name', 1, 200);
      if (input.localName != null) changes.nameZh = valid.text(input.localName, 'input.localName', 1, 200);
      if (input.kind != null) changes.kind = input.kind;
      if (input.region != null) changes.region = valid.region(input.region);
      if (input.website !== undefined) changes.website = valid.website(input.website);
      if (input.contactEmail !== undefined) changes.contactEmail = valid.email(input.contactEmail);
      return repos.members.update(manager, member, changes);
    }),

  setMemberStatus: (_parent, { id, status, reason }, { viewer, repos, mutate }) =>
    mutate(
      {
        operation: 'setMemberStatus',
        targetType: 'Member',
        targetId: id,
        detail: `${status}: ${reason.slice(0, 480)}`,
      },
      async (manager, emit) => {
        requireAdmin(viewer, 'setMemberStatus');
        valid.text(reason, 'reason', 1, 500); // kept in the audit record's detail
        const member = await repos.members.findById(manager, id);
        if (!member) throw notFound(`no member with id ${id}`);
        if (member.status === status) throw badUserInput(`member is already ${status}`, 'status');
        const from = member.status;
        const updated = await repos.members.update(manager, member, { status });
        emit({ type: 'MemberStatusChanged', aggregateId: id, payload: { memberId: id, from, to: status } });
        return updated;
      },
    ),

  issueApiKey: (_parent, { memberId, label, role }, { viewer, repos, mutate }) =>
    mutate(
      { operation: 'issueApiKey', targetType: 'ApiKey', detail: `for member ${memberId} as ${role ?? 'MEMBER'}` },
      async (manager) => {
        requireAdmin(viewer, 'issueApiKey');
        const member = await repos.members.findById(manager, memberId);
        if (!member) throw badUserInput(`memberId ${memberId} is not a member`, 'memberId');
        return repos.apiKeys.issue(manager, {
          memberId,
          label: valid.text(label, 'label', 1, 100),
          role: role ?? 'MEMBER',
        });
      },
      (issued) => issued.apiKey.id,
    ),

  revokeApiKey: (_parent, { id }, { viewer, repos, mutate }) =>
    mutate({ operation: 'revokeApiKey', targetType: 'ApiKey', targetId: id }, async (manager) => {
      requireSignedIn(viewer, 'revokeApiKey');
      const apiKey = await repos.apiKeys.findById(manager, id);
      // Another member's key looks exactly like a missing one.
      if (!apiKey || !isSelfOrAdmin(viewer, apiKey.memberId)) throw notFound(`no API key with id ${id}`);
      return repos.apiKeys.revoke(manager, apiKey);
    }),
};
