import type { GraphQLDataSource } from '@apollo/gateway';
// The request-kind enum is public in the type of `process`, but not re-exported by the package.
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import type { DeferNode, FetchDataRewrite, FetchNode } from '@apollo/query-planner';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { FlattenPathElement } from './plan';
import { type ResponseObject, applyRewrites, deepMerge, isObjectOfType, isResponseObject } from './rewrites';

// What the runners of fetch nodes share (`execute.ts`: Fetch; `batch.ts`: Hive's BatchFetch): the
// state of an execution, finding entities at a Flatten path, sending a fetch, mapping its errors.

/** An object of the merged data with its path in the client's response (list indexes resolved). */
export interface Entity {
  readonly path: ReadonlyArray<string | number>;
  readonly value: ResponseObject;
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

/** Where a Flatten path's walk stands: an entity it started from or a value found under it. */
interface Met {
  readonly path: ReadonlyArray<string | number>;
  readonly value: unknown;
}

/**
 * A value met under a Flatten path: its parent and its key there. Paths are read only for errors
 * and contextual arguments, so each is built when first read (and kept), rather than copied at
 * every level for every value.
 */
class Found implements Met {
  private built: ReadonlyArray<string | number> | undefined;

  constructor(
    readonly value: unknown,
    private readonly parent: Met,
    private readonly key: string | number,
  ) {}

  get path(): ReadonlyArray<string | number> {
    return (this.built ??= [...this.parent.path, this.key]);
  }
}

function isEntity(met: Met): met is Entity {
  return isResponseObject(met.value);
}

/**
 * The objects at a Flatten path (`@` stands for every element of a list; a type condition keeps
 * the objects of its types), with their concrete paths.
 */
export function flattenAt(
  execution: Execution,
  entities: readonly Entity[],
  path: readonly FlattenPathElement[],
): Entity[] {
  const result: Entity[] = [];
  // Depth first: the same order as expanding the path level by level, without a list per level.
  for (const entity of entities) walk(execution, path, 0, entity, result);
  return result;
}

/** Adds to `found` the objects at `path` from its element `depth` on, under `met`. */
function walk(
  execution: Execution,
  path: readonly FlattenPathElement[],
  depth: number,
  met: Met,
  found: Entity[],
): void {
  if (depth === path.length) {
    collect(met, found);
    return;
  }
  const element = path[depth];
  const { value } = met;
  if (element === '@') {
    if (Array.isArray(value))
      for (let i = 0; i < value.length; i++) walk(execution, path, depth + 1, new Found(value[i], met, i), found);
  } else if (typeof element === 'object') {
    // On a list, the condition applies to its elements (as Hive's executor reads these paths).
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++)
        if (matches(execution, element.typeConditions, value[i]))
          walk(execution, path, depth + 1, new Found(value[i], met, i), found);
    } else if (matches(execution, element.typeConditions, value)) {
      walk(execution, path, depth + 1, met, found);
    }
  } else if (typeof element === 'string' && isResponseObject(value)) {
    const child = Object.prototype.hasOwnProperty.call(value, element) ? value[element] : undefined;
    if (child !== undefined && child !== null) walk(execution, path, depth + 1, new Found(child, met, element), found);
  }
}

/**
 * Whether `item` is an object of one of `typeConditions`. An object without `__typename` is at a
 * position of one object type (a planner fetches `__typename` at every abstract one), which the
 * condition, from a fragment valid there, names or contains: Hive's planner puts
 * `... on T @include(if: $c)` in the path as one.
 */
function matches(execution: Execution, typeConditions: readonly string[], item: unknown): boolean {
  return (
    isResponseObject(item) &&
    typeConditions.some((type) => isObjectOfType(execution.supergraphSchema, item, type, true))
  );
}

/**
 * Adds the objects of `met` to `found`: itself if an object, those in it if a list (of lists…):
 * nested lists without their own `@` are flattened like Apollo's executor does.
 */
function collect(met: Met, found: Entity[]): void {
  const { value } = met;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) collect(new Found(value[i], met, i), found);
  } else if (isEntity(met)) {
    found.push(met);
  }
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
 * The representations of one `_entities` field: each distinct representation once (entities met
 * at several paths, e.g. the same member organizing several campaigns, are fetched once), with
 * every entity it stands for, so that its answer and its errors reach each of them.
 */
export class EntityRepresentations {
  /** The distinct representations, in the order first met: the field's `representations`. */
  readonly representations: ResponseObject[] = [];
  /** The entities each representation stands for, at its index. */
  readonly entities: Entity[][] = [];
  // Representations are built in the order of the `requires` selection, so equal ones print alike:
  // two are the same when their JSON texts are. Those of strings and finite numbers only (the
  // common `{ __typename, id }`) are found in `scalars` without printing them; any other in
  // `printed`, by its text. No text of the one kind equals one of the other (the other's holds a
  // null, boolean, object or list), so the two never split or join what the texts would.
  private readonly scalars: ScalarNode = { index: -1, next: undefined };
  private readonly printed = new Map<string, number>();

  add(representation: ResponseObject, entity: Entity): void {
    const node = scalarNode(this.scalars, representation);
    let index: number | undefined;
    if (node) {
      if (node.index < 0) node.index = this.representations.length;
      else index = node.index;
    } else {
      const key = JSON.stringify(representation);
      index = this.printed.get(key);
      if (index === undefined) this.printed.set(key, this.representations.length);
    }
    if (index !== undefined) {
      this.entities[index]!.push(entity);
      return;
    }
    this.representations.push(representation);
    this.entities.push([entity]);
  }

  get size(): number {
    return this.representations.length;
  }

  /** The client paths of what the subgraph's `<field>.i.rest` concerns: `rest` under each entity of representation `i`. */
  clientPaths(index: string | number | undefined, rest: ReadonlyArray<string | number>): Array<Array<string | number>> {
    const entities = typeof index === 'number' ? this.entities[index] : undefined;
    return (entities ?? []).map((entity) => [...entity.path, ...rest]);
  }

  /**
   * Merges a subgraph's answer (`received`, one entity per representation) into every entity
   * each stands for; throws when the answer has another length.
   */
  merge(execution: Execution, received: unknown, outputRewrites: FetchDataRewrite[] | undefined): void {
    if (!Array.isArray(received) || received.length !== this.size) {
      throw new GraphQLError('a subgraph answered an entity fetch with the wrong number of entities');
    }
    received.forEach((value, i) => {
      if (!isResponseObject(value)) return;
      const entities = this.entities[i]!;
      if (value.__typename === undefined) value.__typename = entities[0]!.value.__typename;
      applyRewrites(execution.supergraphSchema, outputRewrites, value);
      // The entities share the answer's nested objects: they are the same entity, and whatever
      // a later fetch merges into them holds for each.
      for (const entity of entities) deepMerge(entity.value, value);
    });
  }
}

/**
 * A node of the tree of representations made of strings and finite numbers: one level per key,
 * in the representation's order, each by key then by value; `index` of the representation that
 * ends there (-1 while none has).
 */
interface ScalarNode {
  index: number;
  next: Map<string, Map<string | number, ScalarNode>> | undefined;
}

/**
 * The node of `representation` under `root` (made on the way), or `undefined` when one of its
 * values is neither a string nor a finite number. Keys whose value is `undefined` are skipped,
 * as JSON leaves them out; values compare as their JSON texts do (a string never equals a
 * number; `0` and `-0`, both printed `0`, are one key of a Map).
 */
function scalarNode(root: ScalarNode, representation: ResponseObject): ScalarNode | undefined {
  let node = root;
  for (const key in representation) {
    const value = representation[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) return undefined;
    let byValue = (node.next ??= new Map()).get(key);
    if (!byValue) node.next.set(key, (byValue = new Map()));
    let child = byValue.get(value);
    if (!child) byValue.set(value, (child = { index: -1, next: undefined }));
    node = child;
  }
  return node;
}

/**
 * Subgraph errors, each at the client's paths of what it concerns (`_entities.i...` becomes the
 * path of each entity the i-th representation stands for), with the subgraph's code, or
 * `DOWNSTREAM_SERVICE_ERROR` when it has none (as Apollo's executor does). `serviceName` is
 * removed before clients see it. An error with no client path is reported once, without a path.
 */
export function mapErrors(
  execution: Execution,
  fetch: SubgraphOperation,
  errors: readonly GraphQLFormattedError[] | undefined,
  toClientPaths: (path: ReadonlyArray<string | number>) => Array<Array<string | number>>,
): void {
  for (const error of errors ?? []) {
    const extensions = error.extensions ?? {};
    const paths = error.path ? toClientPaths(error.path) : [];
    for (const path of paths.length > 0 ? paths : [undefined]) {
      execution.errors.push(
        new GraphQLError(error.message || `Error while fetching subquery from service "${fetch.serviceName}"`, {
          path,
          extensions: {
            ...extensions,
            code: extensions.code ?? 'DOWNSTREAM_SERVICE_ERROR',
            serviceName: fetch.serviceName,
          },
        }),
      );
    }
  }
}
