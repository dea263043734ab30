import type { ApolloServerPlugin } from '@apollo/server';
import {
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  GraphQLError,
  type GraphQLSchema,
  type GraphQLType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  Kind,
  getNamedType,
  getNullableType,
  isListType,
  isCompositeType,
  type GraphQLCompositeType,
  isObjectType,
  isInterfaceType,
  valueFromAST,
  visit,
  type DocumentNode,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import type { OperationLimits } from './config';
import { noteCoercedVariables } from './execution/variables';

/** Page size assumed for a connection field called without `first` (the contract's default). */
const DEFAULT_PAGE = 20;
/** Items assumed in a plain list field (not a paged connection). */
const ASSUMED_LIST_SIZE = 10;

/**
 * Deepest nesting of objects and arrays accepted in a request's parameters (variables,
 * extensions). The public API's deepest input is a few levels; this leaves ample room while
 * bounding every later walk of client values (cache keys, coercion, logging, serialisation).
 */
export const MAX_INPUT_DEPTH = 32;

/**
 * The top-level parameter (`variables`, `extensions`, ...) under which objects or arrays nest
 * deeper than `limit` levels, or undefined when none does. Iterative, with an explicit stack,
 * and it stops at the first value too deep: no input can exhaust the call stack here.
 */
export function tooDeeplyNested(params: unknown, limit: number): string | undefined {
  if (typeof params !== 'object' || params === null) return undefined;
  for (const [name, value] of Object.entries(params)) {
    const pending: Array<[unknown, number]> = [[value, 1]];
    for (let next = pending.pop(); next; next = pending.pop()) {
      const [current, depth] = next;
      if (typeof current !== 'object' || current === null) continue;
      if (depth > limit) return name;
      for (const child of Object.values(current)) pending.push([child, depth + 1]);
    }
  }
  return undefined;
}

/** What an operation would cost, measured before anything runs. */
export interface OperationShape {
  depth: number;
  aliases: number;
  directives: number;
  cost: number;
  rootFields: number;
}

interface Measure {
  depth: number;
  aliases: number;
  directives: number;
  cost: number;
}

const ZERO: Measure = { depth: 0, aliases: 0, directives: 0, cost: 0 };

/**
 * The variable values the operation would execute with: the request's values coerced as
 * graphql-js coerces them, with the operation's defaults for those not sent. Refuses values
 * that do not coerce with the same 400 `BAD_USER_INPUT` execution would give, so that no
 * value the measure cannot see (a default, a string "100") escapes the limits.
 */
export function coerceVariables(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const result = getVariableValues(schema, operation.variableDefinitions ?? [], variables, { maxErrors: 1 });
  if (result.errors) {
    const [error] = result.errors;
    throw new GraphQLError(error?.message ?? 'invalid variables', {
      extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
    });
  }
  return result.coerced;
}

/** Documents {@link refuseNonFiniteNumbers} has walked and found finite. */
const finiteDocuments = new WeakSet<DocumentNode>();

/**
 * Refuses a number literal too large for a double (`impressions: 1e400`) with 400
 * `BAD_USER_INPUT`. graphql-js coerces such a Float literal to Infinity without complaint;
 * the query planner cannot write Infinity back into a subgraph query and the request
 * would fail as an internal error. Variables need no check here: JSON has no Infinity and
 * graphql-js refuses a non-finite Float variable itself.
 */
export function refuseNonFiniteNumbers(document: DocumentNode): void {
  // A document's literals never change: Apollo Server's document cache hands the same parsed
  // document to every request that sends its text, so each is walked once (a profile of R had
  // this walk at 3 % of the gateway's CPU). A refused document is never marked, and refused again.
  if (finiteDocuments.has(document)) return;
  visit(document, {
    FloatValue(node) {
      if (!Number.isFinite(Number(node.value))) {
        throw new GraphQLError(
          `the number ${node.value.slice(0, 40)} is too large: numbers must be finite (at most about 1.8e308)`,
          { nodes: [node], extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } },
        );
      }
    },
  });
  finiteDocuments.add(document);
}

/**
 * Measures an operation in one pass, in time linear in the document: each named
 * fragment is measured once and its result reused wherever it is spread, so a
 * "fragment bomb" (each fragment spreading the previous one twice) is counted at its
 * true, exponential size without being expanded. Fragment cycles are cut (graphql-js
 * validation has already refused them). Introspection fields (`__schema`, `__type`)
 * are not counted, so developer tools keep working where introspection is enabled.
 * `variables` are the coerced values ({@link coerceVariables}); a `first` left out or given
 * as an unset variable counts at the argument's schema default, or the contract's page size.
 */
export function measureOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  variables: Readonly<Record<string, unknown>>,
): OperationShape {
  const memo = new Map<string, Measure>();
  const visiting = new Set<string>();

  /** The page size a paged field asks for, as execution would see it; undefined when not paged. */
  const pageSize = (field: FieldNode, definition: GraphQLField<unknown, unknown> | undefined): number | undefined => {
    const argumentDefinition = definition?.args.find((a) => a.name === 'first');
    const argument = field.arguments?.find((a) => a.name.value === 'first');
    if (!argumentDefinition) {
      // Not a field of the schema (validation refuses it): count what it says, if it is a number.
      return argument?.value.kind === Kind.INT ? Math.max(0, Number(argument.value.value)) : undefined;
    }
    const given = argument ? valueFromAST(argument.value, argumentDefinition.type, variables) : undefined;
    const value = given ?? argumentDefinition.defaultValue ?? DEFAULT_PAGE;
    return typeof value === 'number' && Number.isFinite(value) ? Math.max(0, value) : DEFAULT_PAGE;
  };

  const measureSet = (set: SelectionSetNode, parent: GraphQLCompositeType | undefined): Measure => {
    let depth = 0;
    let aliases = 0;
    let directives = 0;
    let cost = 0;
    for (const selection of set.selections) {
      directives += selection.directives?.length ?? 0;
      let child: Measure;
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value.startsWith('__')) continue;
        if (selection.alias) aliases += 1;
        const fieldDef =
          parent && (isObjectType(parent) || isInterfaceType(parent))
            ? parent.getFields()[selection.name.value]
            : undefined;
        const type: GraphQLType | undefined = fieldDef?.type;
        const named = type ? getNamedType(type) : undefined;
        const inner = selection.selectionSet
          ? measureSet(selection.selectionSet, named && isCompositeType(named) ? named : undefined)
          : ZERO;
        const first = pageSize(selection, fieldDef);
        const isList = type ? isListType(getNullableType(type)) : false;
        const inConnection = parent ? /Connection$/.test(parent.name) : false;
        // A paged field costs its page size; the lists inside a connection are that same page.
        const multiplier = first !== undefined ? first : isList && !inConnection ? ASSUMED_LIST_SIZE : 1;
        child = {
          depth: inner.depth + 1,
          aliases: inner.aliases,
          directives: inner.directives,
          cost: 1 + multiplier * inner.cost,
        };
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition
          ? (schema.getType(selection.typeCondition.name.value) as GraphQLCompositeType | undefined)
          : parent;
        child = measureSet(selection.selectionSet, condition);
      } else {
        child = measureFragment(selection.name.value);
      }
      depth = Math.max(depth, child.depth);
      aliases += child.aliases;
      directives += child.directives;
      cost += child.cost;
    }
    return { depth, aliases, directives, cost };
  };

  const measureFragment = (name: string): Measure => {
    const known = memo.get(name);
    if (known) return known;
    const fragment = fragments[name];
    if (!fragment || visiting.has(name)) return ZERO;
    visiting.add(name);
    const type = schema.getType(fragment.typeCondition.name.value) as GraphQLCompositeType | undefined;
    const measured = measureSet(fragment.selectionSet, type);
    visiting.delete(name);
    memo.set(name, measured);
    return measured;
  };

  const root =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  const measured = measureSet(operation.selectionSet, root ?? undefined);
  const rootFields = operation.selectionSet.selections.filter(
    (s) => s.kind !== Kind.FIELD || !s.name.value.startsWith('__'),
  ).length;
  return { ...measured, directives: measured.directives + (operation.directives?.length ?? 0), rootFields };
}

/** Most measures kept per operation, one per set of page-size variable values seen. */
const MEASURES_PER_OPERATION = 64;

/** An operation's measures by the values of its page-size variables (see {@link measureOnce}). */
interface OperationMeasures {
  /** The variables that `first` arguments read, in the operation or any fragment of its document. */
  pageVariables: string[];
  byValues: Map<string, OperationShape>;
}

/** Measures per schema and operation node: both are the same objects for every request of a document. */
const measures = new WeakMap<GraphQLSchema, WeakMap<OperationDefinitionNode, OperationMeasures>>();

/** The names of the variables read by `first` arguments anywhere under `node`. */
function pageVariablesOf(node: OperationDefinitionNode | FragmentDefinitionNode, names: Set<string>): void {
  visit(node, {
    Argument(argument) {
      if (argument.name.value !== 'first') return;
      visit(argument.value, {
        Variable(variable) {
          names.add(variable.name.value);
        },
      });
    },
  });
}

/**
 * {@link measureOperation}, computed once per operation, schema and values of the variables its
 * `first` arguments read: the measure reads no other variable, and a document's operation and
 * fragments are the same objects for every request (Apollo Server's document cache). A measure
 * walks the whole operation with the schema (3 % of the gateway's CPU on scenario R); most requests
 * repeat a few page sizes.
 */
function measureOnce(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  variables: Readonly<Record<string, unknown>>,
): OperationShape {
  let bySchema = measures.get(schema);
  if (!bySchema) {
    bySchema = new WeakMap();
    measures.set(schema, bySchema);
  }
  let known = bySchema.get(operation);
  if (!known) {
    const names = new Set<string>();
    for (const node of [operation, ...Object.values(fragments)]) pageVariablesOf(node, names);
    known = { pageVariables: [...names], byValues: new Map() };
    bySchema.set(operation, known);
  }
  // `undefined` (not sent, no default) is told apart from null, though both count as the default.
  const key = known.pageVariables
    .map((name) => (variables[name] === undefined ? '-' : JSON.stringify(variables[name])))
    .join(',');
  let shape = known.byValues.get(key);
  if (!shape) {
    shape = measureOperation(schema, operation, fragments, variables);
    if (known.byValues.size < MEASURES_PER_OPERATION) known.byValues.set(key, shape);
  }
  return shape;
}

function refuse(message: string, code: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: 400 } } });
}

/**
 * Refuses operations over the configured limits once the operation is resolved (so
 * variables, and their defaults, count toward `first`) and before the query plan runs: a
 * refused operation never reaches a subgraph. Also refuses what resolves but cannot run
 * (an ambiguous or unknown operation name, a subscription) with a 400 that says so.
 */
export function operationLimitsPlugin<T extends object>(limits: OperationLimits): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, operation, document, request, contextValue }) {
          // Apollo Server leaves unknown operation names to the gateway, which answers 500; say it plainly.
          if (!operation) {
            throw new GraphQLError(
              request.operationName
                ? `unknown operation named "${request.operationName}": operationName must name an operation in the document`
                : 'the document holds several operations: send operationName to choose one',
              { extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } } },
            );
          }
          // Subscriptions are served over WebSocket and SSE (gateway/subscriptions); over HTTP,
          // @apollo/gateway would throw, which would answer 500.
          if (operation.operation === 'subscription') {
            throw new GraphQLError(
              'subscriptions are served at /graphql over WebSocket (graphql-ws protocol) or Server-Sent Events (graphql-sse, Accept: text/event-stream), not as a JSON answer: use a graphql-ws or graphql-sse client',
              { extensions: { code: 'OPERATION_NOT_SUPPORTED', http: { status: 400 } } },
            );
          }
          const variables = checkOperationLimits(schema, document, operation, request.variables ?? {}, limits);
          // The executor runs with these (the same API schema's coercion) instead of coercing again.
          noteCoercedVariables(contextValue, operation, variables);
        },
      };
    },
  };
}

/**
 * Refuses an operation of a validated document over `limits` (400 `OPERATION_LIMIT_EXCEEDED`),
 * or whose variables do not coerce, or with a number literal too large (400 `BAD_USER_INPUT`):
 * the checks of {@link operationLimitsPlugin}, for the paths outside Apollo Server too
 * (subscriptions over WebSocket). Answers the coerced variables.
 */
export function checkOperationLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  requestVariables: Readonly<Record<string, unknown>>,
  limits: OperationLimits,
): Record<string, unknown> {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  refuseNonFiniteNumbers(document);
  const variables = coerceVariables(schema, operation, requestVariables);
  const shape = measureOnce(schema, operation, fragments, variables);
  const checks: Array<[number, number, string]> = [
    [shape.depth, limits.maxDepth, 'depth'],
    [shape.aliases, limits.maxAliases, 'aliases'],
    [shape.directives, limits.maxDirectives, 'directives'],
    [shape.rootFields, limits.maxRootFields, 'root fields'],
    [shape.cost, limits.maxCost, 'estimated cost'],
  ];
  for (const [value, limit, what] of checks) {
    if (value > limit) {
      throw refuse(
        `operation ${what} ${Number.isFinite(value) ? Math.round(value) : 'unbounded'} exceeds the limit of ${limit}: ask for less (smaller pages, fewer nested lists)`,
        'OPERATION_LIMIT_EXCEEDED',
      );
    }
  }
  return variables;
}
