import { isSelfOrAdmin, requireAdmin, requireSelfOrAdmin, requireSignedIn } from '../../kit/authz';
import { badUserInput, forbidden, notFound, slugTaken } from '../../kit/errors';
import type { EntityManager } from 'typeorm';
import type { Identity } from '../../kit/identity';
import type { MembershipContext } from '../context';
import type { Webhook } from '../entities';
import type { MutationResolvers } from '../generated/resolvers-types';
import { MAX_WEBHOOKS_PER_MEMBER } from '../repositories/webhooks';
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

  registerWebhook: async (_parent, { input }, { viewer, repos, mutate }) => {
    // The URL's DNS lookup happens before the transaction, so that no transaction (on SQLite,
    // no other mutation) waits for a slow resolver; its verdict is given inside, after the
    // authorization checks, so that it is audited like any refusal.
    const checkedUrl = await settled(valid.webhookUrl(input.url, repos.webhooks.guard));
    return mutate(
      // Never the secret nor the URL (its path may carry a token of the receiver's).
      {
        operation: 'registerWebhook',
        targetType: 'Webhook',
        detail: `for member ${input.memberId ?? viewer.memberId ?? 'none'}`,
      },
      async (manager) => {
        requireSignedIn(viewer, 'registerWebhook');
        const memberId = input.memberId ?? viewer.memberId;
        requireSelfOrAdmin(viewer, memberId, 'registerWebhook');
        const member = await repos.members.findById(manager, memberId);
        if (!member) throw badUserInput(`memberId ${memberId} is not a member`, 'input.memberId');
        const events = valid.webhookEvents(input.events);
        const filter = valid.webhookFilter(input.filter);
        const url = checkedUrl();
        if ((await repos.webhooks.countOf(manager, memberId)) >= MAX_WEBHOOKS_PER_MEMBER) {
          throw badUserInput(
            `a member may have at most ${MAX_WEBHOOKS_PER_MEMBER} webhooks: delete one first (deleteWebhook)`,
            'input.memberId',
          );
        }
        return repos.webhooks.register(manager, { memberId, url, events, filter });
      },
      (registered) => registered.webhook.id,
    );
  },

  redeliverWebhook: (_parent, { deliveryId }, { viewer, repos, mutate }) =>
    mutate({ operation: 'redeliverWebhook', targetType: 'WebhookDelivery', targetId: deliveryId }, async (manager) => {
      requireSignedIn(viewer, 'redeliverWebhook');
      const delivery = await repos.webhooks.findDelivery(manager, deliveryId);
      const webhook = delivery && (await repos.webhooks.findById(manager, delivery.webhookId));
      if (!delivery || !webhook || !isSelfOrAdmin(viewer, webhook.memberId)) {
        throw notFound(`no webhook delivery with id ${deliveryId}`);
      }
      return repos.webhooks.redeliver(manager, delivery);
    }),

  disableWebhook: (_parent, { id }, ctx) => setWebhookEnabled(ctx, id, false),
  enableWebhook: (_parent, { id }, ctx) => setWebhookEnabled(ctx, id, true),

  deleteWebhook: (_parent, { id }, { viewer, repos, mutate }) =>
    mutate({ operation: 'deleteWebhook', targetType: 'Webhook', targetId: id }, async (manager) => {
      requireSignedIn(viewer, 'deleteWebhook');
      const webhook = await ownWebhook(manager, repos, viewer, id);
      await repos.webhooks.delete(manager, webhook);
      return true;
    }),
};

/** Waits for `promise` and gives a function that returns its value or throws its error. */
async function settled<T>(promise: Promise<T>): Promise<() => T> {
  try {
    const value = await promise;
    return () => value;
  } catch (error) {
    return () => {
      throw error;
    };
  }
}

/** The webhook `id` when the viewer may manage it; NOT_FOUND otherwise (another member's looks missing). */
async function ownWebhook(
  manager: EntityManager,
  repos: MembershipContext['repos'],
  viewer: Identity,
  id: string,
): Promise<Webhook> {
  const webhook = await repos.webhooks.findById(manager, id);
  if (!webhook || !isSelfOrAdmin(viewer, webhook.memberId)) throw notFound(`no webhook with id ${id}`);
  return webhook;
}

function setWebhookEnabled({ viewer, repos, mutate }: MembershipContext, id: string, enabled: boolean) {
  const operation = enabled ? 'enableWebhook' : 'disableWebhook';
  return mutate({ operation, targetType: 'Webhook', targetId: id }, async (manager) => {
    requireSignedIn(viewer, operation);
    return repos.webhooks.setEnabled(manager, await ownWebhook(manager, repos, viewer, id), enabled);
  });
}
