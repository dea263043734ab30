import type { Supergraph } from '@apollo/federation-internals';
import { BREAK, type DocumentNode, visit } from 'graphql';
import type { ExecutablePlan } from '../plan';
import { createApolloPlanner } from './apollo';
import { createHivePlanner } from './hive';

/** Which planner plans operations for the gateway's own executor (`GATEWAY_PLANNER`). */
export type PlannerKind = 'apollo' | 'hive';

/**
 * The seam between a query planner and the gateway's executor: turns one operation of a
 * validated document into a plan in the format the executor runs ({@link ExecutablePlan}).
 * Throws when it cannot plan the operation; the caller answers `QUERY_PLANNING_FAILED`.
 */
export interface OperationPlanner {
  plan(document: DocumentNode, operationName: string | undefined): ExecutablePlan;
}

/**
 * The planner of `kind` for one supergraph: `apollo` (`@apollo/query-planner`, as
 * `@apollo/gateway` plans) or `hive` (Hive Router's Rust planner, `@graphql-hive/router-query-planner`).
 * With `hive`, a document that uses `@defer` is planned by Apollo's planner: Hive's (0.0.38) plans
 * deferred fragments inline, so the client would get one answer instead of incremental parts.
 */
export function createPlanner(kind: PlannerKind, supergraphSdl: string, supergraph: Supergraph): OperationPlanner {
  if (kind === 'apollo') return createApolloPlanner(supergraph);
  const hive = createHivePlanner(supergraphSdl);
  let apollo: OperationPlanner | undefined;
  return {
    plan: (document, operationName) =>
      usesDefer(document)
        ? (apollo ??= createApolloPlanner(supergraph)).plan(document, operationName)
        : hive.plan(document, operationName),
  };
}

/** Whether any `@defer` appears in the document (plans are cached per document, whatever its variables). */
function usesDefer(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Directive(directive) {
      if (directive.name.value !== 'defer') return undefined;
      found = true;
      return BREAK;
    },
  });
  return found;
}
