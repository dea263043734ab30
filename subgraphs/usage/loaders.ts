import { argumentsLoader, rowLoader } from '../kit/loaders';
import type { UsageRepositories } from './repositories';
import type { UsageBucketTotals } from './repositories/usage';
import type { UsageWindow } from './validation';

/** Per-request loaders: `Member.usage` and `Member.quota` for a page of members cost one statement per window. */
export function createUsageLoaders(repos: UsageRepositories) {
  return {
    usageByMember: argumentsLoader<UsageWindow, UsageBucketTotals[]>(
      (memberIds, window) => repos.usage.bucketsByMember(window, memberIds),
      () => [],
    ),
    quotaByMember: rowLoader(
      (memberIds: readonly string[]) => repos.quotas.findMany(memberIds),
      (quota) => quota.memberId,
    ),
    /** Operations counted against budgets since the start of the month `since` opens. */
    usedSince: argumentsLoader<string, number>(
      async (memberIds, since) => repos.quotas.usedSince(memberIds, new Date(since)),
      () => 0,
    ),
  };
}

export type UsageLoaders = ReturnType<typeof createUsageLoaders>;
