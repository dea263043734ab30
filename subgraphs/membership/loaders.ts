import { groupLoader, rowLoader } from '../kit/loaders';
import type { ApiKey, Member, Webhook } from './entities';
import type { MembershipRepositories } from './repositories';

/** Per-request loaders of the membership subgraph: one SQL statement per batch. */
export function createMembershipLoaders({ members, apiKeys, webhooks }: MembershipRepositories) {
  return {
    memberById: rowLoader<string, Member>(
      (ids) => members.findByIds(ids),
      (m) => m.id,
    ),
    memberBySlug: rowLoader<string, Member>(
      (slugs) => members.findBySlugs(slugs),
      (m) => m.slug,
    ),
    /** All keys of each member: one statement for a whole page of members. */
    apiKeysByMember: groupLoader<string, ApiKey>(
      (ids) => apiKeys.findByMembers(ids),
      (k) => k.memberId,
    ),
    /** All webhooks of each member, oldest first. */
    webhooksByMember: groupLoader<string, Webhook>(
      (ids) => webhooks.findByMembers(ids),
      (w) => w.memberId,
    ),
    webhookById: rowLoader<string, Webhook>(
      (ids) => webhooks.findByIds(ids),
      (w) => w.id,
    ),
  };
}

export type MembershipLoaders = ReturnType<typeof createMembershipLoaders>;
