import type { GraphQLDataSource } from '@apollo/gateway';
// The request-kind enum is public in the type of `process`, but not re-exported by the package.
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import type { DeferNode, FetchNode } from '@apollo/query-planner';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { FlattenPathElement } from './plan';
import { type ResponseObject, isObjectOfType, isResponseObject } from './rewrites';

// What the runners of fetch nodes share (`execute.ts`: Fetch; `batch.ts`: Hive's BatchFetch): the
// state of an execution, finding entities at a Flatten path, sending a fetch, mapping its errors.

/** An object of the merged data with its path in the client's response (list indexes resolved). */
export interface Entity {
  path: Array<string | number>;
  value: ResponseObject;
}

/** Everything one execution of a plan reads and writes. */
export interface Execution {
  supergraphSchema: GraphQLSchema;
  dataSources: (name: string) => GraphQLDataSource | undefined;
  requestContext: GatewayGraphQLRequestContext;
  /** Coerced variables (defaults applied), for `Condition` nodes. */
  variables: Record<string, unknown>;
  errors: GraphQLError[];
  /** The merged data of the whole response, where contextual arguments find entities' ancestors. */
  data: ResponseObject;
  /** Runs a `Defer` node (`defer.ts`); without it, `@defer` plans answer `OPERATION_NOT_SUPPORTED`. */
  onDefer?: DeferHook;
}

/** Runs a `Defer` node of a plan: its primary part now, its deferred parts as `defer.ts` delivers them. */
export type DeferHook = (execution: Execution, node: DeferNode, entities: Entity[]) => Promise<void>;

/**
 * The objects at a Flatten path (`@` stands for every element of a list; a type condition keeps
 * the objects of its types), with their concrete paths.
 */
export function flattenAt(
  execution: Execution,
  entities: readonly Entity[],
  path: readonly FlattenPathElement[],
): Entity[] {
  let current: ReadonlyArray<{ path: Array<string | number>; value: unknown }> = entities;
  for (const element of path) {
    const next: Array<{ path: Array<string | number>; value: unknown }> = [];
    for (const { path: at, value } of current) {
      if (element === '@') {
        if (Array.isArray(value)) value.forEach((item, i) => next.push({ path: [...at, i], value: item }));
      } else if (typeof element === 'object') {
        // An object without `__typename` is at a position of one object type (a planner fetches
        // `__typename` at every abstract one), which the condition, from a fragment valid there,
        // names or contains: Hive's planner puts `... on T @include(if: $c)` in the path as one.
        const matches = (item: unknown): boolean =>
          isResponseObject(item) &&
          element.typeConditions.some((type) => isObjectOfType(execution.supergraphSchema, item, type, true));
        // On a list, the condition applies to its elements (as Hive's executor reads these paths).
        if (Array.isArray(value))
          value.forEach((item, i) => matches(item) && next.push({ path: [...at, i], value: item }));
        else if (matches(value)) next.push({ path: at, value });
      } else if (isResponseObject(value) && typeof element === 'string') {
        const child = Object.prototype.hasOwnProperty.call(value, element) ? value[element] : undefined;
        if (child !== undefined && child !== null) next.push({ path: [...at, element], value: child });
      }
    }
    current = next;
  }
  // Nested lists without their own `@` are flattened like Apollo's executor does.
  const result: Entity[] = [];
  const collect = (at: Array<string | number>, value: unknown): void => {
    if (Array.isArray(value)) value.forEach((item, i) => collect([...at, i], item));
    else if (isResponseObject(value)) result.push({ path: at, value });
  };
  for (const { path: at, value } of current) collect(at, value);
  return result;
}

/**
 * The subgraph client of a fetch and the client's variables it uses (those the client sent; a
 * variable left out stays out, so the subgraph applies its own default).
 */
export function fetchTarget(
  execution: Execution,
  fetch: { serviceName: string; variableUsages?: readonly string[] },
): { dataSource: GraphQLDataSource; variables: Record<string, unknown> } {
  const dataSource = execution.dataSources(fetch.serviceName);
  if (!dataSource) throw new GraphQLError(`the supergraph names a subgraph the gateway has no client for`);
  const provided = execution.requestContext.request.variables ?? {};
  const variables: Record<string, unknown> = {};
  for (const name of fetch.variableUsages ?? []) {
    if (Object.prototype.hasOwnProperty.call(provided, name) && provided[name] !== undefined)
      variables[name] = provided[name];
  }
  return { dataSource, variables };
}

/** What a subgraph request needs of a fetch node (`Fetch` or `BatchFetch`). */
export type SubgraphOperation = Pick<
  FetchNode,
  'serviceName' | 'operation' | 'operationName' | 'operationDocumentNode'
>;

/** Sends one fetch's operation to its subgraph through the subgraph's data source. */
export async function send(
  execution: Execution,
  dataSource: GraphQLDataSource,
  fetch: SubgraphOperation,
  variables: Record<string, unknown>,
): Promise<{ data?: ResponseObject | null; errors?: readonly GraphQLFormattedError[] }> {
  const { requestContext } = execution;
  const response = await dataSource.process({
    kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
    request: { query: fetch.operation, variables, operationName: fetch.operationName },
    incomingRequestContext: requestContext,
    context: requestContext.context,
    document: fetch.operationDocumentNode,
  });
  return { data: response.data as ResponseObject | null | undefined, errors: response.errors };
}

/**
 * Subgraph errors, each at the client's path of what it concerns (`_entities.i...` becomes the
 * path of the i-th represented entity), with the subgraph's code, or `DOWNSTREAM_SERVICE_ERROR`
 * when it has none (as Apollo's executor does). `serviceName` is removed before clients see it.
 */
export function mapErrors(
  execution: Execution,
  fetch: SubgraphOperation,
  errors: readonly GraphQLFormattedError[] | undefined,
  toClientPath: (path: ReadonlyArray<string | number>) => Array<string | number> | undefined,
): void {
  for (const error of errors ?? []) {
    const extensions = error.extensions ?? {};
    execution.errors.push(
      new GraphQLError(error.message || `Error while fetching subquery from service "${fetch.serviceName}"`, {
        path: error.path ? toClientPath(error.path) : undefined,
        extensions: {
          ...extensions,
          code: extensions.code ?? 'DOWNSTREAM_SERVICE_ERROR',
          serviceName: fetch.serviceName,
        },
      }),
    );
  }
}
