import { rowLoader } from '../kit/loaders';
import type { Member } from './entities';
import type { MembershipRepositories } from './repositories';

/** Per-request loaders of the membership subgraph: one SQL statement per batch. */
export function createMembershipLoaders({ members }: MembershipRepositories) {
  return {
    memberById: rowLoader<string, Member>(
      (ids) => members.findByIds(ids),
      (m) => m.id,
    ),
    memberBySlug: rowLoader<string, Member>(
      (slugs) => members.findBySlugs(slugs),
      (m) => m.slug,
    ),
  };
}

export type MembershipLoaders = ReturnType<typeof createMembershipLoaders>;
