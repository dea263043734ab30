import type { FetchDataRewrite } from '@apollo/query-planner';
import { type GraphQLSchema, isAbstractType, isInterfaceType, isObjectType } from 'graphql';
import type { RequiresSelection } from './plan';

/** A JSON object of a response (subgraph data or the gateway's merged data). */
export type ResponseObject = Record<string, unknown>;

const FRAGMENT_PREFIX = '... on ';

/** Whether `value` is a JSON object (not null, not a list). */
export function isResponseObject(value: unknown): value is ResponseObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether an object of the merged data belongs to `typeCondition` (the type itself or, for an
 * abstract condition, one of its subtypes), judged by its `__typename`. `whenUnknown` answers
 * for objects without `__typename`.
 */
export function isObjectOfType(
  schema: GraphQLSchema,
  object: ResponseObject,
  typeCondition: string,
  whenUnknown = false,
): boolean {
  const typename = object.__typename;
  if (typeof typename !== 'string') return whenUnknown;
  if (typename === typeCondition) return true;
  const type = schema.getType(typename);
  const condition = schema.getType(typeCondition);
  if (!type || !condition || !isAbstractType(condition)) return false;
  return (isObjectType(type) || isInterfaceType(type)) && schema.isSubType(condition, type);
}

/** Own property of a response object, so that names like `constructor` never reach the prototype. */
function own(object: ResponseObject, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

/**
 * Applies the planner's data rewrites (`inputRewrites` of representations, `outputRewrites` of
 * fetched data) in place: a `ValueSetter` sets a value, a `KeyRenamer` moves a value to another
 * key. A path element `... on T` continues only into objects of type `T`.
 */
export function applyRewrites(
  schema: GraphQLSchema,
  rewrites: readonly FetchDataRewrite[] | undefined,
  value: unknown,
): void {
  if (!rewrites) return;
  for (const rewrite of rewrites) {
    const field = rewrite.path[rewrite.path.length - 1];
    if (field === undefined || field.startsWith(FRAGMENT_PREFIX)) continue;
    applyAtPath(schema, rewrite.path.slice(0, -1), value, (object) => {
      if (rewrite.kind === 'ValueSetter') {
        object[field] = rewrite.setValueTo;
        return;
      }
      const moved = own(object, field);
      if (moved !== undefined && moved !== null) {
        object[rewrite.renameKeyTo] = moved;
        object[field] = undefined;
      }
    });
  }
}

function applyAtPath(
  schema: GraphQLSchema,
  path: readonly string[],
  value: unknown,
  apply: (object: ResponseObject) => void,
): void {
  if (Array.isArray(value)) {
    for (const element of value) applyAtPath(schema, path, element, apply);
    return;
  }
  if (!isResponseObject(value)) return;
  const [first, ...rest] = path;
  if (first === undefined) {
    apply(value);
  } else if (first.startsWith(FRAGMENT_PREFIX)) {
    if (isObjectOfType(schema, value, first.slice(FRAGMENT_PREFIX.length), true))
      applyAtPath(schema, rest, value, apply);
  } else {
    applyAtPath(schema, rest, own(value, first), apply);
  }
}

/**
 * The representation of an entity for an `_entities` fetch: the planner's `requires` selection
 * applied to the entity's data merged so far. `null` when a required field is missing (the
 * entity cannot be represented; the fetch skips it).
 */
export function selectRepresentation(
  schema: GraphQLSchema,
  source: unknown,
  selections: readonly RequiresSelection[],
): ResponseObject | null {
  if (!isResponseObject(source)) return null;
  const result: ResponseObject = {};
  for (const selection of selections) {
    if (selection.kind === 'Field') {
      const key = selection.alias ?? selection.name;
      const value =
        selection.dataKey === undefined ? own(source, key) : (own(source, selection.dataKey) ?? own(source, key));
      if (value === undefined) return null;
      result[key] = selection.selections ? selectValue(schema, value, selection.selections) : value;
    } else if (selection.typeCondition && isObjectOfType(schema, source, selection.typeCondition)) {
      const part = selectRepresentation(schema, source, selection.selections);
      if (part) deepMerge(result, part);
    }
  }
  return result;
}

function selectValue(schema: GraphQLSchema, value: unknown, selections: readonly RequiresSelection[]): unknown {
  if (Array.isArray(value)) return value.map((element) => selectValue(schema, element, selections));
  return value === null ? null : selectRepresentation(schema, value, selections);
}

/**
 * Merges `source` into `target` in place: objects (and lists, element by element) are merged
 * key by key, anything else from `source` replaces what `target` holds.
 */
export function deepMerge(target: ResponseObject | unknown[], source: unknown): void {
  if (typeof source !== 'object' || source === null) return;
  const into = target as ResponseObject & unknown[];
  if (Array.isArray(source)) {
    // By index: `for...in` and `Object.entries` would make each index a string key. JSON lists
    // have no holes and no other keys.
    for (let i = 0; i < source.length; i++) mergeValue(into, i, source[i]);
    return;
  }
  const from = source as ResponseObject;
  // `for...in` rather than `Object.entries`: no array of pairs per object. Sources are JSON data
  // (JSON.parse results, plain or null-prototype objects): no inherited enumerable keys.
  for (const key in from) {
    // JSON.parse makes `__proto__` an own key; assigning it would change the prototype.
    if (key !== '__proto__') mergeValue(into, key, from[key]);
  }
}

/** Merges `value` into `into[key]`: an object into an own object there, anything else replacing it. */
function mergeValue(into: ResponseObject & unknown[], key: string | number, value: unknown): void {
  if (typeof value === 'object' && value !== null) {
    // Only an own object of the target is merged into (never one of its prototype's).
    const existing: unknown = into[key];
    if (typeof existing === 'object' && existing !== null && Object.prototype.hasOwnProperty.call(into, key)) {
      deepMerge(existing as ResponseObject, value);
      return;
    }
  } else if (value === undefined) {
    return;
  }
  into[key] = value;
}
