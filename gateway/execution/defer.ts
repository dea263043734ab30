import type { ApolloGateway } from '@apollo/gateway';
import type { DeferNode, DeferredNode, PlanNode } from '@apollo/query-planner';
import type { ExecutableNode, ExecutablePlan } from './plan';
import type { GatewayExecutionResult, GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import {
  type DirectiveNode,
  DirectiveLocation,
  type FragmentDefinitionNode,
  GraphQLBoolean,
  type GraphQLCompositeType,
  GraphQLDirective,
  GraphQLError,
  GraphQLNonNull,
  type GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  getNamedType,
  getVariableValues,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  parse,
  valueFromAST,
  visit,
} from 'graphql';
import {
  type DeferHook,
  type Entity,
  type Execution,
  type PlanEnvironment,
  executeNode,
  executeQueryPlan,
} from './execute';
import { type ResponseObject, deepMerge, isObjectOfType, isResponseObject } from './rewrites';
import { type CompiledShaper, collectFields, shapeResponse } from './shape';
import { capUnavailableErrors } from './unavailable';

/**
 * `@defer` (incremental delivery in the `deferSpec=20220824` format, as Apollo Router and Apollo
 * Client speak it) on the gateway's own executor. The planner plans `Defer` nodes; here:
 * - the primary part runs first and is shaped to the operation without its deferred fragments;
 *   it is what the executor returns to Apollo Server (the first part of the response);
 * - each deferred part starts once the part it hangs from has run, fetches with its own list of
 *   errors, waits until that part is shaped, and is shaped to its subselection at each concrete
 *   path of its `queryPath` the client holds an object at (lists resolved to indexes);
 * - the parts reach the response path through {@link takeSubsequentPayloads}, keyed by the
 *   request's context: `gateway/incremental.ts` writes them as `multipart/mixed` parts.
 */

/** The `@defer` directive as Apollo's planner and graphql-js 17 define it. */
const DEFER_DIRECTIVE = new GraphQLDirective({
  name: 'defer',
  description: 'Delivers the fragment after the rest of the response (multipart/mixed; deferSpec=20220824).',
  locations: [DirectiveLocation.FRAGMENT_SPREAD, DirectiveLocation.INLINE_FRAGMENT],
  args: {
    label: { type: GraphQLString },
    if: { type: new GraphQLNonNull(GraphQLBoolean), defaultValue: true },
  },
});

/** `schema` with the `@defer` directive, so that documents using it validate (and introspection shows it). */
export function withDeferDirective(schema: GraphQLSchema): GraphQLSchema {
  if (schema.getDirective('defer')) return schema;
  const config = schema.toConfig();
  return new GraphQLSchema({ ...config, directives: [...config.directives, DEFER_DIRECTIVE] });
}

/**
 * Makes the schema `ApolloGateway` hands to Apollo Server (which validates every document against
 * it) know `@defer`: `@apollo/gateway` builds its API schema without it, as it cannot execute it.
 * Listeners registered before this call (the executor's own) get the schema unchanged.
 */
export function advertiseDefer(gateway: ApolloGateway): void {
  const subscribe = gateway.onSchemaLoadOrUpdate.bind(gateway);
  gateway.onSchemaLoadOrUpdate = (callback) =>
    subscribe((schemaContext) =>
      callback({ ...schemaContext, apiSchema: withDeferDirective(schemaContext.apiSchema) }),
    );
}

/** Whether a fragment's directives defer it: `@defer` without `if`, or with an `if` that is true. */
function isDeferred(directives: readonly DirectiveNode[] | undefined, variables: Readonly<Record<string, unknown>>) {
  const defer = directives?.find((directive) => directive.name.value === 'defer');
  if (!defer) return false;
  const condition = defer.arguments?.find((argument) => argument.name.value === 'if');
  return !condition || valueFromAST(condition.value, GraphQLBoolean, variables) !== false;
}

/** Whether an operation (with the fragments it may spread) defers anything with these (coerced) variables. */
export function defersAnything(
  operation: OperationDefinitionNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  variables: Readonly<Record<string, unknown>>,
): boolean {
  let found = false;
  const check = {
    enter: (node: { directives?: readonly DirectiveNode[] }) => void (found ||= isDeferred(node.directives, variables)),
  };
  for (const node of [operation, ...Object.values(fragments)]) {
    visit(node, { InlineFragment: check, FragmentSpread: check });
    if (found) return true;
  }
  return false;
}

/** The operation and fragments without their deferred fragments: what the first part answers. */
function withoutDeferred(
  operation: OperationDefinitionNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  variables: Readonly<Record<string, unknown>>,
): { operation: OperationDefinitionNode; fragments: Record<string, FragmentDefinitionNode> } {
  const drop = {
    enter: (node: { directives?: readonly DirectiveNode[] }) =>
      isDeferred(node.directives, variables) ? null : undefined,
  };
  const visitor = { InlineFragment: drop, FragmentSpread: drop };
  return {
    operation: visit(operation, visitor),
    fragments: Object.fromEntries(
      Object.entries(fragments).map(([name, fragment]) => [name, visit(fragment, visitor)]),
    ),
  };
}

// Whether each (cached) plan holds a Defer node, so that the walk is not repeated on every request.
const plansWithDefer = new WeakMap<ExecutablePlan, boolean>();

/** Whether a plan holds a `Defer` node anywhere. */
function hasDeferNode(node: ExecutablePlan['node'] | ExecutableNode | PlanNode | undefined): boolean {
  if (!node) return false;
  switch (node.kind) {
    case 'Defer':
      return true;
    case 'Sequence':
    case 'Parallel':
      return node.nodes.some(hasDeferNode);
    case 'Flatten':
      return hasDeferNode(node.node);
    case 'Condition':
      return hasDeferNode(node.ifClause) || hasDeferNode(node.elseClause);
    default:
      return false;
  }
}

/** One deferred fragment's data at one concrete path, in the `deferSpec=20220824` format. */
export interface IncrementalItem {
  data: ResponseObject | null;
  path: Array<string | number>;
  label?: string;
  /** Errors of this part (subgraph errors at its paths, completion errors), not yet formatted. */
  errors?: GraphQLError[];
}

/** A part after the first: the items of one deferred part that completed, and whether more follow. */
export interface SubsequentPayload {
  incremental?: IncrementalItem[];
  hasNext: boolean;
}

/** The parts of one response after the first, in the order their deferred parts complete. */
class PayloadStream implements AsyncIterable<SubsequentPayload> {
  /** Deferred parts started and not delivered yet. */
  pending = 0;
  private readonly queue: SubsequentPayload[] = [];
  private wake: (() => void) | undefined;

  /** Queues a completed part (nothing when it has no item and others follow). */
  deliver(items: IncrementalItem[]): void {
    this.pending -= 1;
    if (items.length === 0 && this.pending > 0) return;
    this.queue.push(items.length > 0 ? { incremental: items, hasNext: this.pending > 0 } : { hasNext: false });
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SubsequentPayload> {
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        yield next;
        if (!next.hasNext) return;
        continue;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

// The parts still to come of each request, by its context (the object Apollo Server passes along).
const subsequentPayloads = new WeakMap<object, AsyncIterable<SubsequentPayload>>();

/** The parts after the first of the response to this request context, once (undefined when nothing is deferred). */
export function takeSubsequentPayloads(context: object): AsyncIterable<SubsequentPayload> | undefined {
  const payloads = subsequentPayloads.get(context);
  subsequentPayloads.delete(context);
  return payloads;
}

/** A promise and its resolver. */
function signal<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A delivered object the client holds (the shaped data) beside the merged data it was shaped from. */
interface Held {
  path: Array<string | number>;
  merged: ResponseObject;
  delivered: ResponseObject;
}

/** The shaping context of one request. */
interface DeferContext {
  environment: PlanEnvironment;
  operation: OperationDefinitionNode;
  fragments: Readonly<Record<string, FragmentDefinitionNode>>;
  variables: Readonly<Record<string, unknown>>;
  stream: PayloadStream;
}

const FRAGMENT_PREFIX = '... on ';

/**
 * The objects at a deferred part's `queryPath` (response names and `... on T` conditions, lists
 * crossed element by element) that the client holds: present in what was delivered so far.
 */
function objectsAt(schema: GraphQLSchema, root: Held, queryPath: readonly string[]): Held[] {
  let current: Held[] = [root];
  for (const element of queryPath) {
    if (element.startsWith(FRAGMENT_PREFIX)) {
      const condition = element.slice(FRAGMENT_PREFIX.length);
      current = current.filter((held) => isObjectOfType(schema, held.merged, condition, true));
      continue;
    }
    const next: Held[] = [];
    const collect = (path: Array<string | number>, merged: unknown, delivered: unknown): void => {
      if (Array.isArray(delivered)) {
        if (!Array.isArray(merged)) return;
        delivered.forEach((item, i) => collect([...path, i], merged[i], item));
      } else if (isResponseObject(delivered) && isResponseObject(merged)) {
        next.push({ path, merged, delivered });
      }
    };
    for (const held of current) {
      if (!Object.prototype.hasOwnProperty.call(held.delivered, element)) continue;
      collect([...held.path, element], held.merged[element], held.delivered[element]);
    }
    current = next;
  }
  return current;
}

/** The type the client's operation declares at a `queryPath` (walking aliases to their fields). */
function typeAt(request: DeferContext, queryPath: readonly string[]): GraphQLCompositeType | undefined {
  const schema = request.environment.apiSchema;
  const input = { schema, fragments: request.fragments, variables: request.variables };
  let type: GraphQLCompositeType | undefined = schema.getRootType(request.operation.operation) ?? undefined;
  let selectionSets: SelectionSetNode[] = [request.operation.selectionSet];
  for (const element of queryPath) {
    if (!type) return undefined;
    if (element.startsWith(FRAGMENT_PREFIX)) {
      const condition = schema.getType(element.slice(FRAGMENT_PREFIX.length));
      type = condition && isCompositeType(condition) ? condition : undefined;
      continue;
    }
    if (!isObjectType(type) && !isInterfaceType(type)) return undefined;
    const parent = type;
    const nodes = selectionSets.flatMap((set) => collectFields(input, parent, set).get(element) ?? []);
    const field = nodes[0] ? parent.getFields()[nodes[0].name.value] : undefined;
    const named = field ? getNamedType(field.type) : undefined;
    type = named && isCompositeType(named) ? named : undefined;
    selectionSets = nodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  }
  return type;
}

/** The concrete type of an object of the declared type: itself, or what its `__typename` names. */
function concreteType(
  schema: GraphQLSchema,
  declared: GraphQLCompositeType,
  object: ResponseObject,
): GraphQLObjectType | undefined {
  if (isObjectType(declared)) return declared;
  const named = typeof object.__typename === 'string' ? schema.getType(object.__typename) : undefined;
  return named && isObjectType(named) && schema.isSubType(declared, named) ? named : undefined;
}

const subselections = new Map<string, SelectionSetNode>();

/** The selection set of a planner's printed subselection (`{ a b { c } }`), parsed once. */
function parseSubselection(text: string): SelectionSetNode {
  let selectionSet = subselections.get(text);
  if (!selectionSet) {
    const [definition] = parse(text, { noLocation: true }).definitions;
    if (definition?.kind !== Kind.OPERATION_DEFINITION) throw new Error('a deferred subselection did not parse');
    selectionSet = definition.selectionSet;
    // Plans are cached; so are the few distinct subselections they print.
    if (subselections.size > 10_000) subselections.clear();
    subselections.set(text, selectionSet);
  }
  return selectionSet;
}

/** Whether `prefix` is a prefix of (or equal to) `path`. */
function startsWith(path: ReadonlyArray<string | number>, prefix: ReadonlyArray<string | number>): boolean {
  return prefix.length <= path.length && prefix.every((element, i) => path[i] === element);
}

/**
 * Shapes a deferred part at each object the client holds at its `queryPath`: its subselection,
 * under the client's response names, nulls propagated within the fragment (a non-null field that
 * is null makes the item's `data` null). The part's errors go to the item whose path they fall
 * under (the first item for errors without a path).
 */
function shapePart(
  request: DeferContext,
  root: Held,
  queryPath: readonly string[],
  subselection: string | undefined,
  label: string | undefined,
  errors: readonly GraphQLError[],
): IncrementalItem[] {
  const schema = request.environment.apiSchema;
  const declared = typeAt(request, queryPath);
  if (!subselection || !declared) return [];
  const selectionSet = parseSubselection(subselection);
  const scope = { schema, fragments: request.fragments, variables: request.variables };
  const items: IncrementalItem[] = [];
  for (const held of objectsAt(schema, root, queryPath)) {
    const type = concreteType(schema, declared, held.merged);
    // A fragment on another type of a union or interface (`... on Film @defer` at a Book): nothing to deliver there.
    if (!type || collectFields(scope, type, selectionSet).size === 0) continue;
    // Shaped as a root of its own: errors are compared and made relative to the item's path.
    const relative = errors
      .filter((error) => error.path && startsWith(error.path, held.path))
      .map((error) => new GraphQLError(error.message, { path: error.path!.slice(held.path.length) }));
    const known = relative.length;
    const input = {
      ...scope,
      errors: relative,
      subgraphFailed: errors.length > 0,
    };
    const data = shapeResponse(input, type, selectionSet, held.merged);
    const completion = relative
      .slice(known)
      .map((error) => new GraphQLError(error.message, { path: [...held.path, ...(error.path ?? [])] }));
    // A copy: the item is serialised later, and what the client holds keeps growing.
    if (data) deepMerge(held.delivered, structuredClone(data));
    items.push({ data, path: held.path, ...(label !== undefined ? { label } : {}), errors: completion });
  }
  // One part of the response: its unavailable errors capped as a whole response's are.
  for (const error of capUnavailableErrors(errors, root.delivered)) {
    const item = items.find((candidate) => error.path && startsWith(error.path, candidate.path)) ?? items[0];
    item?.errors!.push(error);
  }
  for (const item of items) if (item.errors!.length === 0) delete item.errors;
  return items;
}

/**
 * Runs a plan that may hold `Defer` nodes. Without any, or when no `Defer` node runs (a false
 * `@defer(if:)`), this is {@link executeQueryPlan}. Otherwise the result is the first part, and the
 * deferred parts follow through {@link takeSubsequentPayloads} as they complete; the response is
 * then not cacheable (its first part is not the whole answer).
 */
export async function executeWithDefer(
  plan: ExecutablePlan,
  environment: PlanEnvironment,
  requestContext: GatewayGraphQLRequestContext,
  operation: OperationDefinitionNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  shaper?: CompiledShaper,
): Promise<GatewayExecutionResult> {
  let defers = plansWithDefer.get(plan);
  if (defers === undefined) plansWithDefer.set(plan, (defers = hasDeferNode(plan.node)));
  if (!defers) return executeQueryPlan(plan, environment, requestContext, operation, fragments, undefined, shaper);
  const coerced = getVariableValues(
    environment.apiSchema,
    operation.variableDefinitions ?? [],
    requestContext.request.variables ?? {},
  );
  // executeQueryPlan answers the coercion errors.
  if (coerced.errors)
    return executeQueryPlan(plan, environment, requestContext, operation, fragments, undefined, shaper);
  const request: DeferContext = {
    environment,
    operation,
    fragments,
    variables: coerced.coerced,
    stream: new PayloadStream(),
  };
  // The merged data (set when the first Defer node runs) and, once shaped, the first part's data.
  let merged: ResponseObject | undefined;
  const primary = signal<ResponseObject | null>();
  const firstShaped = primary.promise.then((data): Held | undefined =>
    merged && data ? { path: [], merged, delivered: data } : undefined,
  );
  // When the part that an execution fetches for has been shaped (its deferred parts wait for it).
  const shapedOf = new WeakMap<Execution, Promise<Held | undefined>>();
  // The subselection of a deferred part whose plan is itself a Defer node: that node's primary's.
  const primarySubselectionOf = new WeakMap<Execution, string | undefined>();

  const runDeferred = async (
    parent: Execution,
    deferred: DeferredNode,
    entities: Entity[],
    parentShaped: Promise<Held | undefined>,
  ): Promise<void> => {
    const execution: Execution = { ...parent, errors: [] };
    const shaped = signal<Held | undefined>();
    shapedOf.set(execution, shaped.promise);
    let items: IncrementalItem[] = [];
    try {
      if (deferred.node) await executeNode(execution, deferred.node, entities);
    } catch (error) {
      execution.errors.push(
        error instanceof GraphQLError
          ? error
          : new GraphQLError('a deferred fetch failed', { originalError: error as Error }),
      );
    }
    const root = await parentShaped;
    try {
      if (root) {
        const subselection = deferred.subselection ?? primarySubselectionOf.get(execution);
        items = shapePart(request, root, deferred.queryPath, subselection, deferred.label, execution.errors);
      }
    } catch (error) {
      // A failure of the gateway itself: the part fails (`data: null`, which clients do not merge), the answer goes on.
      const failure = new GraphQLError('a deferred part could not be completed', { originalError: error as Error });
      items = [
        { data: null, path: [], ...(deferred.label !== undefined ? { label: deferred.label } : {}), errors: [failure] },
      ];
    } finally {
      shaped.resolve(root);
      request.stream.deliver(items);
    }
  };

  let deferring = false;
  const onDefer: DeferHook = async (execution, node: DeferNode, entities) => {
    deferring = true;
    merged ??= entities[0]?.value;
    primarySubselectionOf.set(execution, node.primary.subselection);
    if (node.primary.node) await executeNode(execution, node.primary.node, entities);
    const parentShaped = shapedOf.get(execution) ?? firstShaped;
    for (const deferred of node.deferred) {
      request.stream.pending += 1;
      void runDeferred(execution, deferred, entities, parentShaped);
    }
  };

  const first = withoutDeferred(operation, fragments, request.variables);
  let result: GatewayExecutionResult;
  try {
    result = await executeQueryPlan(plan, environment, requestContext, first.operation, first.fragments, onDefer);
  } catch (error) {
    // Deferred parts started before the failure find nothing to shape and end.
    primary.resolve(null);
    throw error;
  }
  // What the client holds is tracked apart from the first part, which Apollo Server serialises later.
  primary.resolve(isResponseObject(result.data) ? structuredClone(result.data) : null);
  if (!deferring) return result;
  subsequentPayloads.set(requestContext.context, request.stream);
  requestContext.overallCachePolicy.restrict({ maxAge: 0 });
  return result;
}
