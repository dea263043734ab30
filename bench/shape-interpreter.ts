/**
 * The result shaping of our executor before it was compiled (gateway/execution/shape.ts as of
 * commit c1f6645): it interprets the operation for every response. Kept only so that
 * `bench/shaping.ts` can compare it with the compiled shaper; not used by the gateway.
 */
import {
  type DirectiveNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  Kind,
  type SelectionSetNode,
  isAbstractType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isInterfaceType,
  isUnionType,
  type GraphQLInterfaceType,
  type GraphQLUnionType,
  valueFromAST,
  GraphQLBoolean,
} from 'graphql';
import { type ResponseObject, isResponseObject } from '../gateway/execution/rewrites';

/** What result shaping needs besides the data: the operation's schema, fragments and variables. */
export interface ShapeInput {
  /** The API schema (what clients see). */
  schema: GraphQLSchema;
  fragments: Readonly<Record<string, FragmentDefinitionNode>>;
  /** Coerced variables, defaults applied. */
  variables: Readonly<Record<string, unknown>>;
  /** Errors so far (from subgraphs); completion errors are appended. */
  errors: GraphQLError[];
  /**
   * Whether a subgraph reported errors: a value a failed fetch did not deliver is then taken as
   * explained by them (as Apollo's executor does), instead of adding an error per missing field.
   */
  subgraphFailed?: boolean;
  /** Values of root introspection fields (`__schema`, `__type`) by response name. */
  introspection?: Readonly<Record<string, unknown>>;
}

/** A non-null field resolved to null: its parent becomes null (GraphQL spec, "Handling Field Errors"). */
const INVALID = Symbol('invalid');

/** Fields of a selection set that apply to an object type, grouped by response name, in order. */
export function collectFields(
  input: Pick<ShapeInput, 'schema' | 'fragments' | 'variables'>,
  type: GraphQLObjectType | GraphQLInterfaceType,
  selectionSet: SelectionSetNode,
  fields = new Map<string, FieldNode[]>(),
  visited = new Set<string>(),
): Map<string, FieldNode[]> {
  for (const selection of selectionSet.selections) {
    if (!isIncluded(selection.directives, input.variables)) continue;
    if (selection.kind === Kind.FIELD) {
      const key = (selection.alias ?? selection.name).value;
      const group = fields.get(key);
      if (group) group.push(selection);
      else fields.set(key, [selection]);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (!selection.typeCondition || appliesTo(input.schema, selection.typeCondition.name.value, type))
        collectFields(input, type, selection.selectionSet, fields, visited);
    } else {
      const name = selection.name.value;
      const fragment = input.fragments[name];
      if (visited.has(name) || !fragment) continue;
      visited.add(name);
      if (appliesTo(input.schema, fragment.typeCondition.name.value, type))
        collectFields(input, type, fragment.selectionSet, fields, visited);
    }
  }
  return fields;
}

function appliesTo(schema: GraphQLSchema, condition: string, type: GraphQLObjectType | GraphQLInterfaceType): boolean {
  if (condition === type.name) return true;
  const conditionType = schema.getType(condition);
  return !!conditionType && isAbstractType(conditionType) && schema.isSubType(conditionType, type);
}

/** `@skip(if:)` and `@include(if:)` with the request's variables. */
export function isIncluded(
  directives: readonly DirectiveNode[] | undefined,
  variables: Readonly<Record<string, unknown>>,
): boolean {
  if (!directives || directives.length === 0) return true;
  for (const directive of directives) {
    const name = directive.name.value;
    if (name !== 'skip' && name !== 'include') continue;
    const argument = directive.arguments?.find((a) => a.name.value === 'if');
    const value = argument ? valueFromAST(argument.value, GraphQLBoolean, variables) : undefined;
    if (name === 'skip' && value === true) return false;
    if (name === 'include' && value !== true) return false;
  }
  return true;
}

/**
 * Shapes the merged subgraph data to the client's operation: only the selected fields, in the
 * operation's order, under the client's response names; `__typename` from the object's runtime
 * type; abstract types resolved by `__typename`; and nulls propagated as the GraphQL spec says —
 * a non-null field that is null nulls its parent, up to the nearest nullable field, with one error
 * at the field unless an error already covers that path (a subgraph error at it, below it or above
 * it) or the value is missing because a fetch failed.
 */
export function shapeResponse(
  input: ShapeInput,
  rootType: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  data: ResponseObject,
): ResponseObject | null {
  const result = shapeObject(input, rootType, selectionSet, data, [], true);
  return result === INVALID ? null : result;
}

function shapeObject(
  input: ShapeInput,
  type: GraphQLObjectType | GraphQLInterfaceType,
  selectionSet: SelectionSetNode,
  data: ResponseObject,
  path: Array<string | number>,
  isRoot = false,
): ResponseObject | typeof INVALID {
  const output: ResponseObject = Object.create(null) as ResponseObject;
  const typeFields = type.getFields();
  for (const [responseName, nodes] of collectFields(input, type, selectionSet)) {
    const fieldName = nodes[0]!.name.value;
    if (fieldName === '__typename') {
      // An interface as runtime type: no subgraph could say which implementation this object is.
      if (!isObjectType(type)) {
        input.errors.push(
          new GraphQLError(`Cannot determine the concrete type of ${type.name} at this path.`, {
            path: [...path, responseName],
          }),
        );
        return INVALID;
      }
      output[responseName] = type.name;
      continue;
    }
    if (isRoot && (fieldName === '__schema' || fieldName === '__type')) {
      output[responseName] = input.introspection?.[responseName] ?? null;
      continue;
    }
    const field = typeFields[fieldName];
    // Validation guarantees the field exists; an unknown one cannot be shaped.
    if (!field) continue;
    const value = Object.prototype.hasOwnProperty.call(data, responseName) ? data[responseName] : undefined;
    path.push(responseName);
    const completed = completeValue(input, field.type, nodes, value, path, `${type.name}.${fieldName}`);
    path.pop();
    if (completed === INVALID) return INVALID;
    output[responseName] = completed;
  }
  return output;
}

function completeValue(
  input: ShapeInput,
  type: GraphQLOutputType,
  nodes: readonly FieldNode[],
  value: unknown,
  path: Array<string | number>,
  coordinate: string,
): unknown {
  if (isNonNullType(type)) {
    const completed = completeValue(input, type.ofType, nodes, value, path, coordinate);
    if (completed === null || completed === INVALID) {
      const undelivered = value === undefined && input.subgraphFailed === true;
      if (!undelivered && !isCovered(input.errors, path))
        input.errors.push(
          new GraphQLError(`Cannot return null for non-nullable field ${coordinate}.`, { path: [...path] }),
        );
      return INVALID;
    }
    return completed;
  }
  if (value === null || value === undefined) return null;
  if (isListType(type)) {
    if (!Array.isArray(value)) return invalidValue(input, path, coordinate);
    const list: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      const completed = completeValue(input, type.ofType, nodes, value[i], path, coordinate);
      path.pop();
      if (completed === INVALID) return null;
      list.push(completed);
    }
    return list;
  }
  if (isScalarType(type)) return isValidScalar(type.name, value) ? value : invalidValue(input, path, coordinate);
  if (isEnumType(type)) {
    // Only values of the API schema: an @inaccessible value a subgraph returns never reaches clients.
    return typeof value === 'string' && type.getValue(value) ? value : invalidValue(input, path, coordinate);
  }
  if (!isResponseObject(value)) return invalidValue(input, path, coordinate);
  const runtimeType = resolveRuntimeType(input.schema, type, value.__typename);
  if (!runtimeType) return invalidValue(input, path, coordinate);
  const subSelection: SelectionSetNode = {
    kind: Kind.SELECTION_SET,
    selections: nodes.flatMap((node) => node.selectionSet?.selections ?? []),
  };
  const shaped = shapeObject(input, runtimeType, subSelection, value, path);
  return shaped === INVALID ? null : shaped;
}

/**
 * The type an object is shaped as: the type its `__typename` names (a subtype of the declared
 * type), else the declared type. That may be an interface, as Apollo's executor allows: the
 * subgraph of an `@interfaceObject` answers the interface's name and knows no implementation.
 */
function resolveRuntimeType(
  schema: GraphQLSchema,
  declared: GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType,
  typename: unknown,
): GraphQLObjectType | GraphQLInterfaceType | undefined {
  if (typeof typename !== 'string' || typename === declared.name) return isUnionType(declared) ? undefined : declared;
  const named = schema.getType(typename);
  if (!named || !(isObjectType(named) || isInterfaceType(named))) return undefined;
  return isAbstractType(declared) && schema.isSubType(declared, named) ? named : undefined;
}

function isValidScalar(name: string, value: unknown): boolean {
  switch (name) {
    case 'String':
      return typeof value === 'string';
    case 'Boolean':
      return typeof value === 'boolean';
    case 'Int':
      return Number.isInteger(value);
    case 'Float':
      return typeof value === 'number' && Number.isFinite(value);
    case 'ID':
      return typeof value === 'string' || Number.isInteger(value);
    default:
      // Custom scalars are serialised by their subgraph; the gateway passes them through.
      return true;
  }
}

function invalidValue(input: ShapeInput, path: Array<string | number>, coordinate: string): null {
  input.errors.push(new GraphQLError(`Invalid value found for field ${coordinate}.`, { path: [...path] }));
  return null;
}

/** Whether an error already explains a null at `path`: one at the path, below it, or above it. */
function isCovered(errors: readonly GraphQLError[], path: ReadonlyArray<string | number>): boolean {
  return errors.some((error) => {
    const errorPath = error.path;
    if (!errorPath) return false;
    const length = Math.min(errorPath.length, path.length);
    for (let i = 0; i < length; i++) if (errorPath[i] !== path[i]) return false;
    return true;
  });
}
