import { type Supergraph, operationFromDocument } from '@apollo/federation-internals';
import { QueryPlanner } from '@apollo/query-planner';
import type { OperationPlanner } from '.';

/** Plans with `@apollo/query-planner` on the supergraph's API schema, as `@apollo/gateway` does. */
export function createApolloPlanner(supergraph: Supergraph): OperationPlanner {
  const planner = new QueryPlanner(supergraph);
  const apiSchema = supergraph.apiSchema();
  return {
    plan: (document, operationName) =>
      planner.buildQueryPlan(operationFromDocument(apiSchema, document, { operationName })),
  };
}
