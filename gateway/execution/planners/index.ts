import type { Supergraph } from '@apollo/federation-internals';
import {
  BREAK,
  type DocumentNode,
  type GraphQLSchema,
  Kind,
  TypeInfo,
  isAbstractType,
  parse,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import type { OperationPlanner } from '../plan';
import { createApolloPlanner } from './apollo';
import { type HivePlannerModule, createHivePlanner, loadHivePlanner } from './hive';

/** Which planner plans operations for the gateway's own executor (`GATEWAY_PLANNER`). */
export type PlannerKind = 'apollo' | 'hive';

export type { OperationPlanner } from '../plan';
export { type HiveAddonLoader, type HivePlannerModule, loadHivePlanner } from './hive';

/**
 * The planner of `kind` for one supergraph: `apollo` (`@apollo/query-planner`, as
 * `@apollo/gateway` plans) or `hive` (Hive Router's Rust planner, `@graphql-hive/router-query-planner`).
 * With `hive`, a document is planned by Apollo's planner when it uses `@defer` (Hive's 0.0.38
 * plans deferred fragments inline, so the client would get one answer instead of incremental
 * parts) or selects a field with `@fromContext` arguments (Hive's 0.0.38 plans such a field
 * without its contextual arguments, so the subgraph would never see the ancestors' values).
 * `hiveModule` is Hive's planner as {@link loadHivePlanner} loaded it (loaded here when not given).
 */
export function createPlanner(
  kind: PlannerKind,
  supergraphSdl: string,
  supergraph: Supergraph,
  hiveModule?: HivePlannerModule,
): OperationPlanner {
  if (kind === 'apollo') return createApolloPlanner(supergraph);
  const hive = createHivePlanner(supergraphSdl, hiveModule ?? loadHivePlanner());
  let apollo: OperationPlanner | undefined;
  const contextual = contextualFields(supergraphSdl);
  const apiSchema = contextual.size > 0 ? supergraph.apiSchema().toGraphQLJSSchema() : undefined;
  return {
    plan: (document, operationName) =>
      usesDefer(document) || (apiSchema && selectsAny(apiSchema, document, contextual))
        ? (apollo ??= createApolloPlanner(supergraph)).plan(document, operationName)
        : hive.plan(document, operationName),
  };
}

/**
 * The fields (`Type.field`) with contextual arguments: those whose `@join__field` has
 * `contextArguments` in the supergraph.
 */
function contextualFields(supergraphSdl: string): Set<string> {
  const fields = new Set<string>();
  if (!supergraphSdl.includes('contextArguments')) return fields;
  for (const definition of parse(supergraphSdl, { noLocation: true }).definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    for (const field of definition.fields ?? []) {
      const contextual = field.directives?.some(
        (directive) =>
          directive.name.value === 'join__field' &&
          directive.arguments?.some((argument) => argument.name.value === 'contextArguments'),
      );
      if (contextual) fields.add(`${definition.name.value}.${field.name.value}`);
    }
  }
  return fields;
}

/** Whether the document selects one of `fields`, on its type or through an abstract type. */
function selectsAny(schema: GraphQLSchema, document: DocumentNode, fields: ReadonlySet<string>): boolean {
  const typeInfo = new TypeInfo(schema);
  let found = false;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        if (!parent) return undefined;
        const types = isAbstractType(parent) ? [parent, ...schema.getPossibleTypes(parent)] : [parent];
        if (!types.some((type) => fields.has(`${type.name}.${node.name.value}`))) return undefined;
        found = true;
        return BREAK;
      },
    }),
  );
  return found;
}

/** Whether any `@defer` appears in the document (plans are cached per document, whatever its variables). */
function usesDefer(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Directive(directive) {
      if (directive.name.value !== 'defer') return undefined;
      found = true;
      return BREAK;
    },
  });
  return found;
}
