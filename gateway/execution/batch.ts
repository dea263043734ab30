import { EntityRepresentations, type Entity, type Execution, fetchTarget, flattenAt, mapErrors, send } from './fetch';
import type { BatchFetchNode } from './plan';
import { applyRewrites, selectRepresentation } from './rewrites';

/**
 * Runs a `BatchFetch` node (Hive's planner): one subgraph request whose `_entities` aliases each
 * fetch the entities of their own Flatten paths, with their own representations variable,
 * `requires` and rewrites. Each alias sends each distinct representation once (an entity met at
 * several of its paths is fetched once). Merges, and maps errors, as a Flatten of a Fetch per
 * alias would.
 */
export async function executeBatchFetch(
  execution: Execution,
  fetch: BatchFetchNode,
  entities: readonly Entity[],
): Promise<void> {
  if (entities.length === 0) return;
  const { dataSource, variables } = fetchTarget(execution, fetch);

  // The representations of each alias and the entities they stand for.
  const represented: EntityRepresentations[] = [];
  let count = 0;
  for (const alias of fetch.aliases) {
    const representations = new EntityRepresentations();
    for (const path of alias.paths) {
      for (const entity of flattenAt(execution, entities, path)) {
        const representation = selectRepresentation(execution.supergraphSchema, entity.value, alias.requires);
        if (!representation || typeof representation.__typename !== 'string') continue;
        applyRewrites(execution.supergraphSchema, alias.inputRewrites, representation);
        representations.add(representation, entity);
      }
    }
    variables[alias.representationsVariableName] = representations.representations;
    represented.push(representations);
    count += representations.size;
  }
  if (count === 0) return;

  const response = await send(execution, dataSource, fetch, variables);
  mapErrors(execution, fetch, response.errors, (path) => {
    const [root, index, ...rest] = path;
    const aliasIndex = fetch.aliases.findIndex((alias) => alias.alias === root);
    return represented[aliasIndex]?.clientPaths(index, rest) ?? [];
  });
  if (!response.data) return;
  fetch.aliases.forEach((alias, aliasIndex) => {
    const representations = represented[aliasIndex]!;
    if (representations.size === 0) return;
    const received = response.data?.[alias.alias];
    // A null list comes with the subgraph's error, mapped above.
    if (received === null || received === undefined) return;
    representations.merge(execution, received, alias.outputRewrites);
  });
}
