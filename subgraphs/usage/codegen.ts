/**
 * What this subgraph's typed resolvers (`generated/resolvers-types.ts`, `npm run codegen`) map
 * its GraphQL types to, as paths from `generated/`. A plain object, loaded by the root
 * `codegen.ts`: it imports nothing.
 */
export const mappers: Record<string, string> = {
  Member: '../../kit/refs#EntityRef',
  UsageBucket: '../repositories/usage#UsageBucketTotals',
  FieldUsage: '../repositories/usage#FieldUsageTotals',
  OperationUsage: '../repositories/usage#OperationUsageTotals',
  MemberQuota: '../repositories/quotas#QuotaStatus',
};
