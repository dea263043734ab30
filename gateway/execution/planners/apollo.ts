import { type Supergraph, operationFromDocument } from '@apollo/federation-internals';
import { QueryPlanner } from '@apollo/query-planner';
import type { OperationPlanner } from '../plan';

/**
 * Plans with `@apollo/query-planner` on the supergraph's API schema, as `@apollo/gateway` does,
 * with `@defer` planned into Defer nodes (our executor delivers them: `defer.ts`).
 */
export function createApolloPlanner(supergraph: Supergraph): OperationPlanner {
  const planner = new QueryPlanner(supergraph, { incrementalDelivery: { enableDefer: true } });
  const apiSchema = supergraph.apiSchema();
  return {
    plan: (document, operationName) =>
      planner.buildQueryPlan(operationFromDocument(apiSchema, document, { operationName })),
  };
}
