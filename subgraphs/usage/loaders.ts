import { argumentsLoader } from '../kit/loaders';
import type { UsageRepositories } from './repositories';
import type { UsageBucketTotals } from './repositories/usage';
import type { UsageWindow } from './validation';

/** Per-request loaders: `Member.usage` for a page of members costs one statement per window. */
export function createUsageLoaders(repos: UsageRepositories) {
  return {
    usageByMember: argumentsLoader<UsageWindow, UsageBucketTotals[]>(
      (memberIds, window) => repos.usage.bucketsByMember(window, memberIds),
      () => [],
    ),
  };
}

export type UsageLoaders = ReturnType<typeof createUsageLoaders>;
