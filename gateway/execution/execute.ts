import type { GraphQLDataSource } from '@apollo/gateway';
import type { GatewayExecutionResult, GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import {
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  execute,
  getVariableValues,
} from 'graphql';
import { executeBatchFetch } from './batch';
import {
  type DeferHook,
  EntityRepresentations,
  type Entity,
  type Execution,
  type SubgraphOperation,
  fetchTarget,
  flattenAt,
  mapErrors,
  send,
} from './fetch';
import { aliasedOperation, contextValues, groupAlias, groupVariable } from './context';
import type { ExecutableFetchNode, ExecutableNode, ExecutablePlan, SubscriptionNode } from './plan';
import { type ResponseObject, applyRewrites, deepMerge, selectRepresentation } from './rewrites';
import { type CompiledShaper, type Shaping, compileShaper } from './shape';
import { capUnavailableErrors } from './unavailable';
import { coercedVariablesOf } from './variables';

export type { DeferHook, Entity, Execution, SubgraphOperation } from './fetch';
export { fetchTarget, flattenAt, mapErrors, send } from './fetch';

/** Code of an operation the executor cannot run yet (`@defer` plans, subscriptions). */
export const OPERATION_NOT_SUPPORTED = 'OPERATION_NOT_SUPPORTED';

/** The schemas and subgraph clients a plan runs against. */
export interface PlanEnvironment {
  /** The API schema (what clients see), for variables, result shaping and introspection. */
  apiSchema: GraphQLSchema;
  /** The supergraph schema, for type conditions of `requires` and rewrites (may name @inaccessible types). */
  supergraphSchema: GraphQLSchema;
  /** The client of each subgraph, by its name in the supergraph. */
  dataSources: (name: string) => GraphQLDataSource | undefined;
}

/**
 * Runs a query plan (of `@apollo/query-planner`, or translated from Hive's planner) for one client
 * request: fetches through the subgraphs' data sources (Fetch, BatchFetch, Sequence, Parallel,
 * Flatten, Condition), merges their data,
 * maps their errors to the client's paths, and shapes the result to the client's operation.
 * `Defer` nodes run through `onDefer` (`defer.ts`: incremental delivery), else answer
 * `OPERATION_NOT_SUPPORTED`, as `Subscription` nodes do (not implemented yet).
 * `shaper` is the operation's compiled result shaping, cached with its plan; without it the
 * shaping is compiled for this call.
 */
export async function executeQueryPlan(
  plan: ExecutablePlan,
  environment: PlanEnvironment,
  requestContext: GatewayGraphQLRequestContext,
  operation: OperationDefinitionNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  onDefer?: DeferHook,
  shaper?: CompiledShaper,
): Promise<GatewayExecutionResult> {
  const known = coercedVariablesOf(requestContext.context, operation);
  const coerced = known
    ? { coerced: known }
    : getVariableValues(
        environment.apiSchema,
        operation.variableDefinitions ?? [],
        requestContext.request.variables ?? {},
      );
  if (coerced.errors) return { errors: coerced.errors };
  const data: ResponseObject = {};
  const execution: Execution = {
    supergraphSchema: environment.supergraphSchema,
    dataSources: environment.dataSources,
    requestContext,
    variables: coerced.coerced,
    errors: [],
    data,
    onDefer,
  };
  try {
    if (plan.node?.kind === 'Subscription') throw notSupported('subscriptions');
    if (plan.node) await executeNode(execution, plan.node, [{ path: [], value: data }]);
  } catch (error) {
    if (error instanceof GraphQLError && error.extensions.code === OPERATION_NOT_SUPPORTED) return { errors: [error] };
    throw error;
  }
  return shapeResult(environment, execution, operation, fragments, shaper);
}

/** The merged data of an execution shaped to the client's operation, with its errors. */
function shapeResult(
  environment: PlanEnvironment,
  execution: Execution,
  operation: OperationDefinitionNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  shaper: CompiledShaper | undefined,
): GatewayExecutionResult {
  const rootType = environment.apiSchema.getRootType(operation.operation);
  if (!rootType) return { errors: [notSupported(`${operation.operation} operations`)] };
  const shaping = (shaper ?? compileShaper(environment.apiSchema, rootType, operation.selectionSet, fragments)).select(
    execution.variables,
  );
  const introspection = introspect(environment.apiSchema, operation, fragments, execution.variables, shaping);
  const shaped = shaping.shape(execution.data, {
    errors: execution.errors,
    subgraphFailed: execution.errors.length > 0,
    introspection,
  });
  return execution.errors.length > 0
    ? { data: shaped, errors: capUnavailableErrors(execution.errors, shaped) }
    : { data: shaped };
}

/** One event of a subscription's primary fetch, as its subgraph sent it over graphql-ws. */
export interface SubscriptionEvent {
  data?: Record<string, unknown> | null;
  errors?: readonly GraphQLFormattedError[];
}

/**
 * Completes one event of a subscription (`node.primary` delivered `event` from its subgraph):
 * runs the plan's `rest` against the event's data, so that fields of other subgraphs resolve
 * (batched as in a query), and shapes the result to the client's operation as
 * {@link executeQueryPlan} shapes a query's. `variables` are the client's, coerced once when the
 * subscription started.
 */
export async function executeSubscriptionEvent(
  node: SubscriptionNode,
  event: SubscriptionEvent,
  environment: PlanEnvironment,
  requestContext: GatewayGraphQLRequestContext,
  variables: Record<string, unknown>,
  operation: OperationDefinitionNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  shaper?: CompiledShaper,
): Promise<GatewayExecutionResult> {
  const data: ResponseObject = { ...(event.data ?? {}) };
  const execution: Execution = {
    supergraphSchema: environment.supergraphSchema,
    dataSources: environment.dataSources,
    requestContext,
    variables,
    errors: [],
    data,
  };
  mapErrors(execution, node.primary, event.errors, (path) => [[...path]]);
  if (event.data) {
    applyRewrites(execution.supergraphSchema, node.primary.outputRewrites, data);
    if (node.rest) {
      try {
        await executeNode(execution, node.rest, [{ path: [], value: data }]);
      } catch (error) {
        if (error instanceof GraphQLError && error.extensions.code === OPERATION_NOT_SUPPORTED)
          return { errors: [error] };
        throw error;
      }
    }
  }
  return shapeResult(environment, execution, operation, fragments, shaper);
}

function notSupported(what: string): GraphQLError {
  return new GraphQLError(
    `the gateway's own executor does not run ${what} yet; the operator can set GATEWAY_EXECUTOR=apollo`,
    { extensions: { code: OPERATION_NOT_SUPPORTED } },
  );
}

/** Root `__schema` and `__type` fields, answered from the API schema by graphql-js. */
function introspect(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  variables: Record<string, unknown>,
  shaping: Shaping,
): Record<string, unknown> | undefined {
  const fields = shaping.introspectionFields;
  if (fields.length === 0) return undefined;
  const result = execute({
    schema,
    document: {
      kind: Kind.DOCUMENT,
      definitions: [
        { ...operation, selectionSet: { kind: Kind.SELECTION_SET, selections: fields } },
        ...Object.values(fragments),
      ],
    },
    variableValues: variables,
  });
  // Introspection of a valid operation runs synchronously and without errors.
  return 'then' in result ? undefined : (result.data ?? undefined);
}

/** Runs one node of a plan against `entities` (the root object for a whole plan). */
export async function executeNode(execution: Execution, node: ExecutableNode, entities: Entity[]): Promise<void> {
  switch (node.kind) {
    case 'Sequence':
      for (const child of node.nodes) await executeNode(execution, child, entities);
      return;
    case 'Parallel':
      await Promise.all(node.nodes.map((child) => executeNode(execution, child, entities)));
      return;
    case 'Flatten':
      await executeNode(execution, node.node, flattenAt(execution, entities, node.path));
      return;
    case 'Condition': {
      const branch = execution.variables[node.condition] === true ? node.ifClause : node.elseClause;
      if (branch) await executeNode(execution, branch, entities);
      return;
    }
    case 'Fetch':
    case 'BatchFetch':
      try {
        await (node.kind === 'Fetch'
          ? executeFetch(execution, node, entities)
          : executeBatchFetch(execution, node, entities));
      } catch (error) {
        execution.errors.push(
          error instanceof GraphQLError
            ? error
            : new GraphQLError('a subgraph fetch failed', { originalError: error as Error }),
        );
      }
      return;
    case 'Defer':
      if (!execution.onDefer) throw notSupported('@defer');
      return execution.onDefer(execution, node, entities);
  }
}

async function executeFetch(
  execution: Execution,
  fetch: ExecutableFetchNode,
  entities: readonly Entity[],
): Promise<void> {
  if (entities.length === 0) return;
  const { dataSource, variables } = fetchTarget(execution, fetch);

  if (!fetch.requires) {
    const response = await send(execution, dataSource, fetch, variables);
    mapErrors(execution, fetch, response.errors, (path) => [[...entities[0]!.path, ...path]]);
    if (!response.data) return;
    applyRewrites(execution.supergraphSchema, fetch.outputRewrites, response.data);
    for (const entity of entities) deepMerge(entity.value, response.data);
    return;
  }

  // Entities grouped by the values of their contextual arguments (`@fromContext`): one group
  // (the plain `_entities` field) unless entities under different ancestors need different values.
  const groups = new Map<string, ContextGroup>();
  for (const entity of entities) {
    const representation = selectRepresentation(execution.supergraphSchema, entity.value, fetch.requires);
    if (!representation || typeof representation.__typename !== 'string') continue;
    applyRewrites(execution.supergraphSchema, fetch.inputRewrites, representation);
    const values = fetch.contextRewrites?.length
      ? contextValues(execution.supergraphSchema, execution.data, fetch.contextRewrites, entity.path)
      : undefined;
    const key = values ? JSON.stringify(values) : '';
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { values: values ?? {}, represented: new EntityRepresentations() }));
    group.represented.add(representation, entity);
  }
  if (groups.size === 0) return;
  const grouped = [...groups.values()];
  // A client variable named like a contextual one must not stand in for a context value not found.
  for (const rewrite of fetch.contextRewrites ?? []) delete variables[rewrite.renameKeyTo];

  let operation: SubgraphOperation = fetch;
  let aliases = ['_entities'];
  if (grouped.length === 1) {
    Object.assign(variables, grouped[0]!.values, { representations: grouped[0]!.represented.representations });
  } else {
    const { operation: text, document } = aliasedOperation(fetch, grouped.length);
    operation = { ...fetch, operation: text, operationDocumentNode: document };
    aliases = grouped.map((_, i) => groupAlias(i));
    grouped.forEach((group, i) => {
      variables[groupVariable('representations', i)] = group.represented.representations;
      for (const [name, value] of Object.entries(group.values)) variables[groupVariable(name, i)] = value;
    });
  }
  const response = await send(execution, dataSource, operation, variables);
  mapErrors(execution, fetch, response.errors, (path) => {
    const [root, index, ...rest] = path;
    const group = typeof root === 'string' ? grouped[aliases.indexOf(root)] : undefined;
    return group?.represented.clientPaths(index, rest) ?? [];
  });
  if (!response.data) return;
  grouped.forEach(({ represented }, i) => {
    const received = response.data?.[aliases[i]!];
    // An aliased group's null list comes with the subgraph's error, mapped above.
    if (aliases.length > 1 && (received === null || received === undefined)) return;
    represented.merge(execution, received, fetch.outputRewrites);
  });
}

/** Entities of one `_entities` fetch that share their contextual argument values. */
interface ContextGroup {
  values: Record<string, unknown>;
  /** Each distinct representation once, with the entities it stands for. */
  represented: EntityRepresentations;
}
