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
  /** For `Value`: the field is non-null (only its completer may answer INVALID). */
  nonNull: boolean;
  /** For `Value` of a scalar or enum: the check that lets the generated code skip `complete`. */
  leaf: LeafCheck | undefined;
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
 * `@skip`/`@include` conditions read; then, on first use per combination of their values, a
 * function generated per selection set and runtime type (fields collected, fragments applied, field
 * definitions and enum values looked up, all once), which calls closures completing lists and
 * nested objects (compiled on first use per runtime type). Each response is then shaped without
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

/**
 * Compiles the shaping of objects of one runtime type to a selection set: its steps (fields
 * collected, field definitions looked up), then the function that runs them, generated by
 * {@link generateObjectShaper} or, for the response names it does not take, a closure.
 */
function compileObject(
  collection: FieldCollection,
  type: GraphQLObjectType | GraphQLInterfaceType,
  selections: readonly SelectionNode[],
  isRoot: boolean,
): ObjectShaper {
  const typeFields = type.getFields();
  const steps: Step[] = [];
  const grouped = collectFields(collection, type, { kind: Kind.SELECTION_SET, selections });
  for (const [responseName, nodes] of grouped) {
    const fieldName = nodes[0]!.name.value;
    const step: Step = {
      kind: StepKind.Value,
      responseName,
      complete: undefined,
      nonNull: false,
      leaf: undefined,
      typename: type.name,
      inherited: responseName in Object.prototype,
    };
    if (fieldName === '__typename') {
      step.kind = isObjectType(type) ? StepKind.Typename : StepKind.UnknownTypename;
    } else if (isRoot && (fieldName === '__schema' || fieldName === '__type')) {
      step.kind = StepKind.Introspection;
    } else {
      const field = typeFields[fieldName];
      // Validation guarantees the field exists; an unknown one cannot be shaped.
      if (!field) continue;
      step.complete = compileValue(collection, field.type, nodes, `${type.name}.${fieldName}`);
      step.nonNull = isNonNullType(field.type);
      step.leaf = leafCheck(isNonNullType(field.type) ? field.type.ofType : field.type);
    }
    steps.push(step);
  }
  return steps.every((step) => GENERATED_KEY.test(step.responseName))
    ? generateObjectShaper(steps)
    : interpretSteps(steps);
}

/**
 * Response names the generated code takes: GraphQL names (as validation leaves them, but checked
 * again since they become code), except `__proto__`, which an object literal would take as its
 * prototype; the closure of {@link interpretSteps} answers those.
 */
const GENERATED_KEY = /^(?!__proto__$)[_A-Za-z][_0-9A-Za-z]*$/;

/**
 * A validity check of a leaf value that the generated code inlines, as the JavaScript expression
 * of `value` it is true for (text of this module only): a valid value is completed as itself, so
 * only other values call the field's completer (for null, a non-null error or an invalid value).
 */
interface LeafCheck {
  code: (value: string, values: string) => string;
  /** For an enum: the names of its values in the API schema (`values` in `code`). */
  values?: ReadonlySet<string>;
}

/** The checks of {@link scalarCheck} for the built-in scalars, as code (a Map: a scalar may be named `toString`). */
const LEAF_CHECKS: ReadonlyMap<string, LeafCheck['code']> = new Map<string, LeafCheck['code']>([
  ['String', (v) => `typeof ${v} === "string"`],
  ['Boolean', (v) => `typeof ${v} === "boolean"`],
  ['Int', (v) => `Number.isInteger(${v})`],
  ['Float', (v) => `typeof ${v} === "number" && Number.isFinite(${v})`],
  ['ID', (v) => `typeof ${v} === "string" || Number.isInteger(${v})`],
]);
/** Custom scalars pass through (see {@link scalarCheck}): only null and a missing value are not. */
const CUSTOM_SCALAR_CHECK: LeafCheck['code'] = (v) => `${v} !== null && ${v} !== undefined`;
const ENUM_CHECK: LeafCheck['code'] = (v, values) => `typeof ${v} === "string" && ${values}.has(${v})`;

/** The check of a scalar or enum field (its type without non-null) as {@link scalarCheck} and the enum completer check. */
function leafCheck(type: GraphQLOutputType): LeafCheck | undefined {
  if (isScalarType(type)) return { code: LEAF_CHECKS.get(type.name) ?? CUSTOM_SCALAR_CHECK };
  if (isEnumType(type)) return { code: ENUM_CHECK, values: new Set(type.getValues().map((v) => v.name)) };
  return undefined;
}

/**
 * The shaping of one selection set for one runtime type as a function generated for it, like
 * graphql-jit does for execution. A closure running a list of steps writes `output[name]` with a
 * different name at each step of every selection set: keyed stores V8 cannot specialise
 * (megamorphic), an object growing one hidden class at a time. The generated function reads each
 * field into a local and returns one object literal with constant keys: one boilerplate and hidden
 * class per selection set, and monomorphic loads from the data. Valid scalar and enum values skip
 * their completer call. S2's shaping takes a third of the closures' time (`bench/shaping.ts`); the
 * price is paid once per selection set: tens of µs to compile a source text V8 has not seen (it
 * reuses the compilation of one it has, as selection sets alike across operations give).
 *
 * No text of the operation or the data becomes code but response names, which
 * {@link GENERATED_KEY} checked and `JSON.stringify` quotes; completers, type names and enum
 * values are passed in as the array `k`.
 */
function generateObjectShaper(steps: readonly Step[]): ObjectShaper {
  const constants: unknown[] = [];
  const constant = (value: unknown): string => `k${constants.push(value) - 1}`;
  const invalid = constant(INVALID);
  const body: string[] = [];
  const keys: string[] = [];
  let usesPath = false;
  let reachable = true;
  for (let i = 0; i < steps.length && reachable; i++) {
    const step = steps[i]!;
    const key = JSON.stringify(step.responseName);
    const local = `v${i}`;
    switch (step.kind) {
      case StepKind.Value: {
        const read = step.inherited
          ? `${constant(Object.hasOwn)}(data, ${key}) ? data[${key}] : undefined`
          : `data[${key}]`;
        body.push(`let ${local} = ${read};`);
        const check = step.leaf ? step.leaf.code(local, step.leaf.values ? constant(step.leaf.values) : '') : undefined;
        usesPath = true;
        const completion = [
          `path.push(${key});`,
          `${local} = ${constant(step.complete)}(${local}, context);`,
          'path.pop();',
          // Only a non-null field's completer answers INVALID.
          ...(step.nonNull ? [`if (${local} === ${invalid}) return ${invalid};`] : []),
        ];
        if (check) body.push(`if (!(${check})) {`, ...completion.map((line) => `  ${line}`), '}');
        else body.push(...completion);
        keys.push(`${key}: ${local}`);
        break;
      }
      case StepKind.Typename:
        keys.push(`${key}: ${constant(step.typename)}`);
        break;
      case StepKind.UnknownTypename:
        // The steps after it never run: the object is null.
        body.push(`return ${constant(unknownTypename)}(context, ${constant(step.typename)}, ${key});`);
        reachable = false;
        break;
      case StepKind.Introspection:
        body.push(`const ${local} = context.introspection?.[${key}] ?? null;`);
        keys.push(`${key}: ${local}`);
        break;
    }
  }
  if (reachable) body.push(`return { ${keys.join(', ')} };`);
  if (usesPath) body.unshift('const path = context.path;');
  const source = [
    '"use strict";',
    `const ${constants.map((_, i) => `k${i} = k[${i}]`).join(', ')};`,
    'return function shapeObject(data, context) {',
    ...body.map((line) => `  ${line}`),
    '};',
  ].join('\n');
  let factory: (k: unknown[]) => ObjectShaper;
  try {
    factory = new Function('k', source) as typeof factory;
  } catch {
    // Code generation disallowed (`node --disallow-code-generation-from-strings`): the same steps, run by a closure.
    return interpretSteps(steps);
  }
  return factory(constants);
}

/** The error of an `UnknownTypename` step; answers INVALID (the object is null). */
function unknownTypename(context: Context, interfaceName: string, responseName: string): Invalid {
  context.errors.push(
    new GraphQLError(`Cannot determine the concrete type of ${interfaceName} at this path.`, {
      path: [...context.path, responseName],
      extensions: { code: RESPONSE_VALIDATION_FAILED },
    }),
  );
  return INVALID;
}

/** The shaping of a selection set by a closure running its steps: for what {@link generateObjectShaper} does not take. */
function interpretSteps(steps: readonly Step[]): ObjectShaper {
  // A response name `__proto__` must be an own property of the output, never its prototype.
  const plainOutput = steps.every((step) => step.responseName !== '__proto__');
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
          return unknownTypename(context, step.typename, responseName);
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
