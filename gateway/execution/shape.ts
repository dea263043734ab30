import {
  type DirectiveNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLBoolean,
  GraphQLError,
  type GraphQLInterfaceType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type GraphQLUnionType,
  Kind,
  type SelectionNode,
  type SelectionSetNode,
  isAbstractType,
  isEnumType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  valueFromAST,
  visit,
} from 'graphql';
import { type ResponseObject, isResponseObject } from './rewrites';

/**
 * Code of the errors result shaping adds when a subgraph's data breaks the API schema: a null for
 * a non-null field, a value of the wrong type, an object of no possible type. Apollo Router uses the
 * same code; the GraphQL stage lets it through (the messages name only what the client selected).
 */
export const RESPONSE_VALIDATION_FAILED = 'RESPONSE_VALIDATION_FAILED';

/** Variables only matter to shaping through `@skip`/`@include`: this many combinations are kept compiled. */
const MAX_VARIANTS = 64;

/** What collecting fields needs: the API schema, the operation's fragments, the variables of conditions. */
export interface FieldCollection {
  /** The API schema (what clients see). */
  schema: GraphQLSchema;
  fragments: Readonly<Record<string, FragmentDefinitionNode>>;
  /** Coerced variables, defaults applied. */
  variables: Readonly<Record<string, unknown>>;
}

/** What one response's shaping reads and writes besides the data. */
export interface ShapeRun {
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

/** Everything {@link shapeResponse} needs (the uncompiled entry point). */
export interface ShapeInput extends FieldCollection, ShapeRun {}

/** The shaping of an operation for one combination of its `@skip`/`@include` conditions. */
export interface Shaping {
  /** The root's introspection fields (`__schema`, `__type`), for graphql-js to answer. */
  readonly introspectionFields: readonly FieldNode[];
  /** Shapes one response's merged data; `null` when a non-null root field is null. */
  shape(data: ResponseObject, run: ShapeRun): ResponseObject | null;
}

/**
 * Result shaping compiled for one operation (cached with its plan): {@link CompiledShaper.select}
 * gives the {@link Shaping} for a request's variables, compiled on first use per combination of
 * the boolean variables that `@skip`/`@include` read.
 */
export interface CompiledShaper {
  select(variables: Readonly<Record<string, unknown>>): Shaping;
}

/** A non-null field resolved to null: its parent becomes null (GraphQL spec, "Handling Field Errors"). */
const INVALID = Symbol('invalid');
type Invalid = typeof INVALID;

/** The state of one response's shaping: `path` is the client's path, pushed and popped, copied only into errors. */
interface Context {
  errors: GraphQLError[];
  subgraphFailed: boolean;
  introspection: Readonly<Record<string, unknown>> | undefined;
  path: Array<string | number>;
}

/** Completes one value of a field to its type; `INVALID` when a non-null value is null (nulls the parent). */
type Completer = (value: unknown, context: Context) => unknown;
/** Shapes one object of a known runtime type to a selection set. */
type ObjectShaper = (data: ResponseObject, context: Context) => ResponseObject | Invalid;

const enum StepKind {
  Value,
  Typename,
  /** `__typename` of an object shaped as an interface (`@interfaceObject`): no subgraph knows its type. */
  UnknownTypename,
  Introspection,
}

/** One response name of a selection set for one runtime type, in the operation's order. */
interface Step {
  kind: StepKind;
  responseName: string;
  /** For `Value`: the field's completion. */
  complete: Completer | undefined;
  /** For `Typename`: the runtime type's name. For `UnknownTypename`: the interface's name. */
  typename: string;
  /** The response name is also a property of `Object.prototype`: read it only as an own property. */
  inherited: boolean;
}

/** Fields of a selection set that apply to an object type, grouped by response name, in order. */
export function collectFields(
  input: FieldCollection,
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
 * Compiles the result shaping of an operation: once per operation, the variables that its
 * `@skip`/`@include` conditions read; then, on first use per combination of their values, a tree
 * of closures per selection set and runtime type (fields collected, fragments applied, field
 * definitions and enum values looked up, all once). Each response is then shaped without
 * collecting fields or allocating paths (a path is copied only into an error).
 *
 * The shaping: only the selected fields, in the operation's order, under the client's response
 * names; `__typename` from the object's runtime type; abstract types resolved by `__typename`;
 * and nulls propagated as the GraphQL spec says — a non-null field that is null nulls its parent,
 * up to the nearest nullable field, with one error at the field unless an error already covers
 * that path (a subgraph error at it, below it or above it) or the value is missing because a
 * fetch failed.
 */
export function compileShaper(
  schema: GraphQLSchema,
  rootType: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
): CompiledShaper {
  const conditions = conditionVariables(selectionSet, fragments);
  const variants = new Map<string, Shaping>();
  return {
    select(variables) {
      let key = '';
      for (const name of conditions) key += variables[name] === true ? '1' : '0';
      let shaping = variants.get(key);
      if (!shaping) {
        // Bounded: an operation with many conditions cannot keep every combination compiled.
        if (variants.size >= MAX_VARIANTS) variants.clear();
        // Only what the key says, so the cache holds no request's variables: `@skip`/`@include`
        // compare with `true` alone, hence a missing or null value acts as `false`.
        const booleans: Record<string, boolean> = {};
        for (const name of conditions) booleans[name] = variables[name] === true;
        shaping = compileShaping({ schema, fragments, variables: booleans }, rootType, selectionSet);
        variants.set(key, shaping);
      }
      return shaping;
    },
  };
}

/**
 * Shapes the merged subgraph data to an operation without caching the compiled shaping (see
 * {@link compileShaper} for the rules); the executor compiles once per operation instead.
 */
export function shapeResponse(
  input: ShapeInput,
  rootType: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  data: ResponseObject,
): ResponseObject | null {
  return compileShaping(input, rootType, selectionSet).shape(data, input);
}

/**
 * The variables `@skip(if:)`/`@include(if:)` read anywhere in the operation or its fragments, sorted:
 * the only variables whose values change which fields are shaped.
 */
function conditionVariables(
  selectionSet: SelectionSetNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
): string[] {
  const names = new Set<string>();
  const visitor = {
    Directive(directive: DirectiveNode) {
      if (directive.name.value !== 'skip' && directive.name.value !== 'include') return;
      for (const argument of directive.arguments ?? [])
        if (argument.value.kind === Kind.VARIABLE) names.add(argument.value.name.value);
    },
  };
  visit(selectionSet, visitor);
  for (const fragment of Object.values(fragments)) visit(fragment, visitor);
  return [...names].sort();
}

/** Compiles the shaping for the conditions' values in `collection.variables`. */
function compileShaping(
  collection: FieldCollection,
  rootType: GraphQLObjectType,
  selectionSet: SelectionSetNode,
): Shaping {
  const introspectionFields: FieldNode[] = [];
  for (const group of collectFields(collection, rootType, selectionSet).values()) {
    const name = group[0]!.name.value;
    if (name === '__schema' || name === '__type') introspectionFields.push(...group);
  }
  const root = compileObject(collection, rootType, selectionSet.selections, true);
  return {
    introspectionFields,
    shape(data, run) {
      const context: Context = {
        errors: run.errors,
        subgraphFailed: run.subgraphFailed === true,
        introspection: run.introspection,
        path: [],
      };
      const result = root(data, context);
      return result === INVALID ? null : result;
    },
  };
}

function compileObject(
  collection: FieldCollection,
  type: GraphQLObjectType | GraphQLInterfaceType,
  selections: readonly SelectionNode[],
  isRoot: boolean,
): ObjectShaper {
  const typeFields = type.getFields();
  const steps: Step[] = [];
  // A response name `__proto__` must be an own property of the output, never its prototype.
  let plainOutput = true;
  const grouped = collectFields(collection, type, { kind: Kind.SELECTION_SET, selections });
  for (const [responseName, nodes] of grouped) {
    const fieldName = nodes[0]!.name.value;
    const step: Step = {
      kind: StepKind.Value,
      responseName,
      complete: undefined,
      typename: type.name,
      inherited: responseName in Object.prototype,
    };
    if (responseName === '__proto__') plainOutput = false;
    if (fieldName === '__typename') {
      step.kind = isObjectType(type) ? StepKind.Typename : StepKind.UnknownTypename;
    } else if (isRoot && (fieldName === '__schema' || fieldName === '__type')) {
      step.kind = StepKind.Introspection;
    } else {
      const field = typeFields[fieldName];
      // Validation guarantees the field exists; an unknown one cannot be shaped.
      if (!field) continue;
      step.complete = compileValue(collection, field.type, nodes, `${type.name}.${fieldName}`);
    }
    steps.push(step);
  }

  return (data, context) => {
    const output: ResponseObject = plainOutput ? {} : (Object.create(null) as ResponseObject);
    const path = context.path;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      const responseName = step.responseName;
      switch (step.kind) {
        case StepKind.Value: {
          const value =
            step.inherited && !Object.prototype.hasOwnProperty.call(data, responseName)
              ? undefined
              : data[responseName];
          path.push(responseName);
          const completed = step.complete!(value, context);
          path.pop();
          if (completed === INVALID) return INVALID;
          output[responseName] = completed;
          break;
        }
        case StepKind.Typename:
          output[responseName] = step.typename;
          break;
        case StepKind.UnknownTypename:
          context.errors.push(
            new GraphQLError(`Cannot determine the concrete type of ${step.typename} at this path.`, {
              path: [...path, responseName],
              extensions: { code: RESPONSE_VALIDATION_FAILED },
            }),
          );
          return INVALID;
        case StepKind.Introspection:
          output[responseName] = context.introspection?.[responseName] ?? null;
          break;
      }
    }
    return output;
  };
}

function compileValue(
  collection: FieldCollection,
  type: GraphQLOutputType,
  nodes: readonly FieldNode[],
  coordinate: string,
): Completer {
  if (isNonNullType(type)) {
    const inner = compileValue(collection, type.ofType, nodes, coordinate);
    return (value, context) => {
      const completed = inner(value, context);
      if (completed !== null && completed !== INVALID) return completed;
      const undelivered = value === undefined && context.subgraphFailed;
      if (!undelivered && !isCovered(context.errors, context.path))
        context.errors.push(
          new GraphQLError(`Cannot return null for non-nullable field ${coordinate}.`, {
            path: [...context.path],
            extensions: { code: RESPONSE_VALIDATION_FAILED },
          }),
        );
      return INVALID;
    };
  }
  if (isListType(type)) {
    const item = compileValue(collection, type.ofType, nodes, coordinate);
    return (value, context) => {
      if (value === null || value === undefined) return null;
      if (!Array.isArray(value)) return invalidValue(context, coordinate);
      const path = context.path;
      const list: unknown[] = [];
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        const completed = item(value[i], context);
        path.pop();
        if (completed === INVALID) return null;
        list.push(completed);
      }
      return list;
    };
  }
  if (isScalarType(type)) {
    const valid = scalarCheck(type.name);
    return (value, context) => {
      if (value === null || value === undefined) return null;
      return valid(value) ? value : invalidValue(context, coordinate);
    };
  }
  if (isEnumType(type)) {
    // Only values of the API schema: an @inaccessible value a subgraph returns never reaches clients.
    const values = new Set(type.getValues().map((v) => v.name));
    return (value, context) => {
      if (value === null || value === undefined) return null;
      return typeof value === 'string' && values.has(value) ? value : invalidValue(context, coordinate);
    };
  }
  return compileComposite(collection, type, nodes, coordinate);
}

function compileComposite(
  collection: FieldCollection,
  declared: GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType,
  nodes: readonly FieldNode[],
  coordinate: string,
): Completer {
  const selections = nodes.flatMap((node) => node.selectionSet?.selections ?? []);
  // Compiled on first use: a field of an abstract type compiles only the runtime types it meets.
  let ofDeclared: ObjectShaper | undefined;
  const byTypename = new Map<string, ObjectShaper | null>();
  const shaperOf = (typename: unknown): ObjectShaper | null => {
    if (typeof typename !== 'string' || typename === declared.name) {
      if (isUnionType(declared)) return null;
      return (ofDeclared ??= compileObject(collection, declared, selections, false));
    }
    const known = byTypename.get(typename);
    if (known !== undefined) return known;
    const runtimeType = resolveRuntimeType(collection.schema, declared, typename);
    const shaper = runtimeType ? compileObject(collection, runtimeType, selections, false) : null;
    // Only names of the schema are remembered, so a subgraph cannot grow this map without bound.
    if (collection.schema.getType(typename)) byTypename.set(typename, shaper);
    return shaper;
  };
  return (value, context) => {
    if (value === null || value === undefined) return null;
    if (!isResponseObject(value)) return invalidValue(context, coordinate);
    const shaper = shaperOf(value.__typename);
    if (!shaper) return invalidValue(context, coordinate);
    const shaped = shaper(value, context);
    return shaped === INVALID ? null : shaped;
  };
}

/**
 * The type an object is shaped as, when its `__typename` names another type than the declared
 * one: that type if it is a subtype of the declared type, else none. It may be an interface, as
 * Apollo's executor allows: the subgraph of an `@interfaceObject` answers the interface's name
 * and knows no implementation.
 */
function resolveRuntimeType(
  schema: GraphQLSchema,
  declared: GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType,
  typename: string,
): GraphQLObjectType | GraphQLInterfaceType | undefined {
  const named = schema.getType(typename);
  if (!named || !(isObjectType(named) || isInterfaceType(named))) return undefined;
  return isAbstractType(declared) && schema.isSubType(declared, named) ? named : undefined;
}

const isAny = (): boolean => true;

/** The validity check of a scalar's values, decided once per field. */
function scalarCheck(name: string): (value: unknown) => boolean {
  switch (name) {
    case 'String':
      return (value) => typeof value === 'string';
    case 'Boolean':
      return (value) => typeof value === 'boolean';
    case 'Int':
      return (value) => Number.isInteger(value);
    case 'Float':
      return (value) => typeof value === 'number' && Number.isFinite(value);
    case 'ID':
      return (value) => typeof value === 'string' || Number.isInteger(value);
    default:
      // Custom scalars are serialised by their subgraph; the gateway passes them through.
      return isAny;
  }
}

function invalidValue(context: Context, coordinate: string): null {
  context.errors.push(
    new GraphQLError(`Invalid value found for field ${coordinate}.`, {
      path: [...context.path],
      extensions: { code: RESPONSE_VALIDATION_FAILED },
    }),
  );
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
