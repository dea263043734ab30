import type { FetchDataKeyRenamer } from '@apollo/query-planner';
import {
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
  parse,
  print,
  visit,
} from 'graphql';
import type { ExecutableFetchNode } from './plan';
import { type ResponseObject, isObjectOfType, isResponseObject } from './rewrites';

const PARENT = '..';
const FRAGMENT_PREFIX = '... on ';

/**
 * The values of a fetch's contextual arguments (Federation 2.8 `@fromContext`) for one entity,
 * by variable name: each of the planner's `contextRewrites` is a path relative to the entity —
 * `..` goes up one field of the entity's path (skipping list indexes, as Apollo Router reads
 * it), `... on T` continues only at an object of type `T`, anything else is a response key —
 * whose value becomes the variable `renameKeyTo`. Several rewrites may name one variable (one
 * per type carrying the context): the first that finds a value wins. A value the data lacks
 * leaves the variable unset, so the argument takes its default (or null); a null value is sent
 * as null.
 */
export function contextValues(
  schema: GraphQLSchema,
  data: ResponseObject,
  rewrites: readonly FetchDataKeyRenamer[],
  entityPath: ReadonlyArray<string | number>,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const rewrite of rewrites) {
    if (Object.prototype.hasOwnProperty.call(values, rewrite.renameKeyTo)) continue;
    const value = valueAt(schema, data, entityPath, rewrite.path);
    if (value !== undefined) values[rewrite.renameKeyTo] = value;
  }
  return values;
}

function valueAt(
  schema: GraphQLSchema,
  data: ResponseObject,
  entityPath: ReadonlyArray<string | number>,
  relative: readonly string[],
): unknown {
  let end = entityPath.length;
  let i = 0;
  for (; i < relative.length && relative[i] === PARENT; i++) {
    // Up to (and excluding) the nearest field name: list indexes are not levels of the schema.
    do {
      if (end === 0) return undefined;
      end--;
    } while (typeof entityPath[end] !== 'string');
  }
  let current: unknown = data;
  for (let k = 0; k < end; k++) current = child(current, entityPath[k]!);
  for (; i < relative.length; i++) {
    const element = relative[i]!;
    if (element.startsWith(FRAGMENT_PREFIX)) {
      if (!isResponseObject(current) || !isObjectOfType(schema, current, element.slice(FRAGMENT_PREFIX.length)))
        return undefined;
    } else {
      current = child(current, element);
    }
  }
  return current;
}

function child(value: unknown, key: string | number): unknown {
  if (typeof key === 'number') return Array.isArray(value) ? value[key] : undefined;
  return isResponseObject(value) && Object.prototype.hasOwnProperty.call(value, key) ? value[key] : undefined;
}

/** The response name of the `_entities` field of group `index` in an {@link aliasedOperation}. */
export function groupAlias(index: number): string {
  return `_${index}`;
}

/** The name of a variable of the fetch for group `index` in an {@link aliasedOperation}. */
export function groupVariable(name: string, index: number): string {
  return `${name}_${index}`;
}

const aliased = new WeakMap<ExecutableFetchNode, Map<number, { operation: string; document: DocumentNode }>>();

/**
 * A fetch's `_entities` operation repeated once per group of entities that need different
 * contextual argument values: group `i` is the field `_i: _entities(...)` whose representations
 * and contextual variables are renamed `<name>_i` (Apollo Router rewrites its operation the same
 * way). One request thus fetches every group; the subgraph resolves each group with its own
 * values. Built once per fetch node and number of groups.
 */
export function aliasedOperation(
  fetch: ExecutableFetchNode,
  groups: number,
): { operation: string; document: DocumentNode } {
  let byCount = aliased.get(fetch);
  if (!byCount) aliased.set(fetch, (byCount = new Map()));
  const cached = byCount.get(groups);
  if (cached) return cached;

  const renamed = new Set(['representations', ...(fetch.contextRewrites ?? []).map((r) => r.renameKeyTo)]);
  const source = fetch.operationDocumentNode ?? parse(fetch.operation, { noLocation: true });
  const document = visit(source, {
    OperationDefinition(operation): OperationDefinitionNode {
      const variableDefinitions: VariableDefinitionNode[] = [];
      for (const definition of operation.variableDefinitions ?? []) {
        const name = definition.variable.name.value;
        if (!renamed.has(name)) variableDefinitions.push(definition);
        else
          for (let i = 0; i < groups; i++)
            variableDefinitions.push({
              ...definition,
              variable: { ...definition.variable, name: { kind: Kind.NAME, value: groupVariable(name, i) } },
            });
      }
      const selections = operation.selectionSet.selections.flatMap((selection) => {
        if (selection.kind !== Kind.FIELD || selection.name.value !== '_entities') return [selection];
        return Array.from({ length: groups }, (_, i): FieldNode => ({
          ...renameVariables(selection, renamed, i),
          alias: { kind: Kind.NAME, value: groupAlias(i) },
        }));
      });
      return { ...operation, variableDefinitions, selectionSet: { ...operation.selectionSet, selections } };
    },
  });
  const result = { operation: print(document), document };
  byCount.set(groups, result);
  return result;
}

function renameVariables(field: FieldNode, renamed: ReadonlySet<string>, index: number): FieldNode {
  return visit(field, {
    Variable(variable) {
      const name = variable.name.value;
      return renamed.has(name)
        ? { ...variable, name: { kind: Kind.NAME, value: groupVariable(name, index) } }
        : undefined;
    },
  });
}
