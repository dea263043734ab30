import type { ApolloGateway, GraphQLDataSource } from '@apollo/gateway';
import { Supergraph, operationFromDocument } from '@apollo/federation-internals';
import { QueryPlanner, type QueryPlan } from '@apollo/query-planner';
import type { GatewayExecutor } from '@apollo/server-gateway-interface';
import { type FragmentDefinitionNode, GraphQLError, Kind, type OperationDefinitionNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../subgraphs/kit/logger';
import { type PlanEnvironment, executeQueryPlan } from './execute';

export { OPERATION_NOT_SUPPORTED, executeQueryPlan, type PlanEnvironment } from './execute';

/** Plans of recent operations, per supergraph (dropped when the supergraph changes). */
const PLAN_CACHE_ENTRIES = 1000;

/** A supergraph ready to plan and execute against. */
export interface LoadedSupergraph extends Omit<PlanEnvironment, 'dataSources'> {
  planner: QueryPlanner;
  apiSchemaForPlanning: ReturnType<Supergraph['apiSchema']>;
  plans: LRUCache<string, QueryPlan>;
}

/** Builds the planner and schemas of a supergraph SDL (Apollo's planner, as `@apollo/gateway` uses it). */
export function loadSupergraph(supergraphSdl: string): LoadedSupergraph {
  const supergraph = Supergraph.build(supergraphSdl);
  const apiSchemaForPlanning = supergraph.apiSchema();
  return {
    planner: new QueryPlanner(supergraph),
    apiSchemaForPlanning,
    apiSchema: apiSchemaForPlanning.toGraphQLJSSchema(),
    supergraphSchema: supergraph.schema.toGraphQLJSSchema(),
    plans: new LRUCache({ max: PLAN_CACHE_ENTRIES }),
  };
}

/**
 * The gateway's own executor of query plans for a loaded supergraph: plans with Apollo's
 * `QueryPlanner` (cached per operation), then runs the plan with {@link executeQueryPlan}.
 */
export function createPlanExecutor(
  current: () => LoadedSupergraph | undefined,
  dataSources: (name: string) => GraphQLDataSource | undefined,
  logger: Logger,
): GatewayExecutor {
  return async (requestContext) => {
    const loaded = current();
    if (!loaded) throw new Error('the gateway executor ran before a supergraph was loaded');
    const { document, request, queryHash } = requestContext;
    const fragments: Record<string, FragmentDefinitionNode> = {};
    const operations: OperationDefinitionNode[] = [];
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
      if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
    }
    // Apollo Server has resolved the operation already; this picks the same one.
    const operation = request.operationName
      ? operations.find((o) => o.name?.value === request.operationName)
      : operations[0];
    if (!operation) throw new Error('the gateway executor got no operation to run');
    const key = `${queryHash}:${request.operationName ?? ''}`;
    let plan = loaded.plans.get(key);
    if (!plan) {
      try {
        plan = loaded.planner.buildQueryPlan(
          operationFromDocument(loaded.apiSchemaForPlanning, document, { operationName: request.operationName }),
        );
      } catch (error) {
        logger.error({ err: error }, 'query planning failed');
        return {
          errors: [
            new GraphQLError('the gateway could not plan this operation', {
              extensions: { code: 'QUERY_PLANNING_FAILED' },
            }),
          ],
        };
      }
      loaded.plans.set(key, plan);
    }
    return executeQueryPlan(plan, { ...loaded, dataSources }, requestContext, operation, fragments);
  };
}

/**
 * Makes Apollo Server run queries with the gateway's own executor instead of `@apollo/gateway`'s
 * (`GATEWAY_EXECUTOR=ours`): `ApolloGateway` keeps loading and watching the supergraph and
 * building the subgraph clients; its `load()` answers our executor, which plans each supergraph
 * version with its own `QueryPlanner`.
 */
export function useOwnExecutor(
  gateway: ApolloGateway,
  dataSources: (name: string) => GraphQLDataSource | undefined,
  logger: Logger,
): void {
  let loaded: LoadedSupergraph | undefined;
  gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => {
    loaded = loadSupergraph(coreSupergraphSdl);
  });
  const executor = createPlanExecutor(() => loaded, dataSources, logger);
  const load = gateway.load.bind(gateway);
  gateway.load = async (options) => ({ ...(await load(options)), executor });
}
