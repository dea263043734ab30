import { GraphQLError } from 'graphql';
import { type Entity, type Execution, fetchTarget, flattenAt, mapErrors, send } from './fetch';
import type { BatchFetchNode } from './plan';
import { type ResponseObject, applyRewrites, deepMerge, isResponseObject, selectRepresentation } from './rewrites';

/**
 * Runs a `BatchFetch` node (Hive's planner): one subgraph request whose `_entities` aliases each
 * fetch the entities of their own Flatten paths, with their own representations variable,
 * `requires` and rewrites. Merges, and maps errors, as a Flatten of a Fetch per alias would.
 */
export async function executeBatchFetch(
  execution: Execution,
  fetch: BatchFetchNode,
  entities: readonly Entity[],
): Promise<void> {
  if (entities.length === 0) return;
  const { dataSource, variables } = fetchTarget(execution, fetch);

  // The entities each alias represents, in the order of its representations.
  const represented: Entity[][] = [];
  let count = 0;
  for (const alias of fetch.aliases) {
    const representations: ResponseObject[] = [];
    const targets: Entity[] = [];
    for (const path of alias.paths) {
      for (const entity of flattenAt(execution, entities, path)) {
        const representation = selectRepresentation(execution.supergraphSchema, entity.value, alias.requires);
        if (!representation || typeof representation.__typename !== 'string') continue;
        applyRewrites(execution.supergraphSchema, alias.inputRewrites, representation);
        representations.push(representation);
        targets.push(entity);
      }
    }
    variables[alias.representationsVariableName] = representations;
    represented.push(targets);
    count += targets.length;
  }
  if (count === 0) return;

  const response = await send(execution, dataSource, fetch, variables);
  mapErrors(execution, fetch, response.errors, (path) => {
    const [root, index, ...rest] = path;
    const aliasIndex = fetch.aliases.findIndex((alias) => alias.alias === root);
    const entity = typeof index === 'number' ? represented[aliasIndex]?.[index] : undefined;
    return entity ? [...entity.path, ...rest] : undefined;
  });
  if (!response.data) return;
  fetch.aliases.forEach((alias, aliasIndex) => {
    const targets = represented[aliasIndex]!;
    if (targets.length === 0) return;
    const received = response.data?.[alias.alias];
    // A null list comes with the subgraph's error, mapped above.
    if (received === null || received === undefined) return;
    if (!Array.isArray(received) || received.length !== targets.length) {
      throw new GraphQLError('a subgraph answered an entity fetch with the wrong number of entities');
    }
    received.forEach((value, i) => {
      if (!isResponseObject(value)) return;
      const entity = targets[i]!;
      if (value.__typename === undefined) value.__typename = entity.value.__typename;
      applyRewrites(execution.supergraphSchema, alias.outputRewrites, value);
      deepMerge(entity.value, value);
    });
  });
}
