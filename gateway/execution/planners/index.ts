import type { Supergraph } from '@apollo/federation-internals';
import type { DocumentNode } from 'graphql';
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
 */
export function createPlanner(kind: PlannerKind, supergraphSdl: string, supergraph: Supergraph): OperationPlanner {
  return kind === 'hive' ? createHivePlanner(supergraphSdl) : createApolloPlanner(supergraph);
}
