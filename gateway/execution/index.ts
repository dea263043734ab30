import type { ApolloGateway, GraphQLDataSource } from '@apollo/gateway';
import { DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES, Supergraph } from '@apollo/federation-internals';
import type { GatewayExecutor } from '@apollo/server-gateway-interface';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
} from 'graphql';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../subgraphs/kit/logger';
import { activeTracing, failSpan } from '../../subgraphs/kit/tracing';
import { advertiseDefer, executeWithDefer } from './defer';
import type { PlanEnvironment } from './execute';
import type { ExecutablePlan } from './plan';
import { type HivePlannerModule, type OperationPlanner, type PlannerKind, createPlanner } from './planners';
import { type CompiledShaper, compileShaper } from './shape';

export {
  OPERATION_NOT_SUPPORTED,
  executeQueryPlan,
  executeSubscriptionEvent,
  type PlanEnvironment,
  type SubscriptionEvent,
} from './execute';
export { defersAnything, takeSubsequentPayloads, type SubsequentPayload } from './defer';
export type { ExecutablePlan, SubscriptionNode } from './plan';
export { type HiveAddonLoader, type HivePlannerModule, type PlannerKind, loadHivePlanner } from './planners';
export { codeApolloShapingErrors } from './apollo';
export { MAX_UNAVAILABLE_ERRORS, capApolloUnavailableErrors, capUnavailableErrors } from './unavailable';
export { RESPONSE_VALIDATION_FAILED } from './shape';

/** Plans of recent operations, per supergraph, when no shared cache is given. */
const PLAN_CACHE_ENTRIES = 1000;
/**
 * Prepared operations kept (see {@link PreparedOperation}). Bounded by count, apart from the
 * measured plan cache: a compiled shaper holds closures that no JSON length measures, and it grows
 * with the operation (per selection set and runtime type met), as the document cache's entries do.
 */
const PREPARED_ENTRIES = 1000;

/**
 * What a request needs of its document besides the plan, worked out once per operation and
 * supergraph version (keyed as the plan): the operation to run, the fragments, and the result
 * shaping compiled for the API schema. The document itself is held by Apollo's document cache.
 */
export interface PreparedOperation {
  operation: OperationDefinitionNode;
  fragments: Record<string, FragmentDefinitionNode>;
  /** Absent when the API schema has no root type for the operation (the executor answers that). */
  shaper: CompiledShaper | undefined;
}

/**
 * The supergraph features this executor runs: `@apollo/gateway`'s, plus `@context` (Federation
 * 2.8, whose `contextRewrites` `execute.ts` applies). Other features Apollo Router supports
 * (`@authenticated`, `@requiresScopes`, `@policy`, connectors…) stay refused: the gateway does
 * not enforce them.
 */
const SUPPORTED_FEATURES = new Set([...DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES, 'https://specs.apollo.dev/context/v0.1']);

/** A supergraph ready to plan and execute against. */
export interface LoadedSupergraph extends Omit<PlanEnvironment, 'dataSources'> {
  planner: OperationPlanner;
  /** Distinguishes this supergraph's plans from an earlier one's in a shared plan cache. */
  version: number;
  /** Why the planner could not be built for this supergraph, when it could not. */
  plannerError?: unknown;
}

let versions = 0;

/** What {@link loadSupergraph} may be given besides the SDL. */
export interface SupergraphLoadOptions {
  /** Hive's planner as `loadHivePlanner` loaded it at start-up (for `hive`; loaded on use otherwise). */
  hive?: HivePlannerModule;
  /**
   * The supergraph of this SDL when already built (by `ApolloGateway`, whose build validates it):
   * building one costs as much as the rest of a load, so it is shared rather than built again.
   */
  supergraph?: Supergraph;
  /** Its schema as graphql-js's (`ApolloGateway` builds it too). */
  supergraphSchema?: GraphQLSchema;
}

/**
 * Builds the planner (`planner`: Apollo's, as `@apollo/gateway` uses it, by default) and the
 * schemas of a supergraph SDL. A planner that cannot be built for this supergraph answers every
 * operation with that failure (`QUERY_PLANNING_FAILED`) instead of stopping the gateway on a
 * reload (the gateway makes sure at start-up that Hive's planner loads at all: `loadHivePlanner`).
 */
export function loadSupergraph(
  supergraphSdl: string,
  planner: PlannerKind = 'apollo',
  options: SupergraphLoadOptions = {},
): LoadedSupergraph {
  const supergraph = options.supergraph ?? Supergraph.build(supergraphSdl, { supportedFeatures: SUPPORTED_FEATURES });
  let operationPlanner: OperationPlanner;
  let plannerError: unknown;
  try {
    operationPlanner = createPlanner(planner, supergraphSdl, supergraph, options.hive);
  } catch (error) {
    plannerError = error;
    operationPlanner = {
      plan: () => {
        throw error;
      },
    };
  }
  return {
    planner: operationPlanner,
    plannerError,
    // With `@defer`: our executor delivers it (defer.ts), so documents using it validate.
    apiSchema: supergraph.apiSchema().toGraphQLJSSchema({ includeDefer: true }),
    supergraphSchema: options.supergraphSchema ?? supergraph.schema.toGraphQLJSSchema(),
    version: ++versions,
  };
}

/** A plan cache in memory, for when the caller shares none. */
function memoryPlanCache(): KeyValueCache<ExecutablePlan> {
  const lru = new LRUCache<string, ExecutablePlan>({ max: PLAN_CACHE_ENTRIES });
  return {
    get: async (key) => lru.get(key),
    set: async (key, value) => void lru.set(key, value),
    delete: async (key) => lru.delete(key),
  };
}

/**
 * The gateway's own executor of query plans for a loaded supergraph: plans with its planner
 * (cached per operation and supergraph version in `plans`, e.g. the gateway's bounded and
 * measured `QUERY_PLAN_CACHE_MB` cache), then runs the plan with {@link executeWithDefer}
 * (`executeQueryPlan` with `@defer`'s parts delivered after the first).
 */
export function createPlanExecutor(
  current: () => LoadedSupergraph | undefined,
  dataSources: (name: string) => GraphQLDataSource | undefined,
  logger: Logger,
  plans: KeyValueCache<ExecutablePlan> = memoryPlanCache(),
): GatewayExecutor {
  const prepared = new LRUCache<string, PreparedOperation>({ max: PREPARED_ENTRIES });
  return async (requestContext) => {
    const loaded = current();
    if (!loaded) throw new Error('the gateway executor ran before a supergraph was loaded');
    const { document, request, queryHash } = requestContext;
    const key = `ours:${loaded.version}:${queryHash}:${request.operationName ?? ''}`;
    let preparation = prepared.get(key);
    if (!preparation) {
      preparation = prepare(loaded, document, request.operationName);
      prepared.set(key, preparation);
    }
    const { operation, fragments, shaper } = preparation;
    // Traced: the plan's span (`graphql.plan.cached` when the plan cache held it); one flag check otherwise.
    const span = activeTracing()?.tracer.startSpan('graphql.plan');
    let plan = await plans.get(key);
    span?.setAttribute('graphql.plan.cached', plan !== undefined);
    if (!plan) {
      try {
        plan = loaded.planner.plan(document, request.operationName ?? undefined);
      } catch (error) {
        // The planner's message stays in the log: it may quote the operation or the supergraph.
        logger.error({ err: error }, 'query planning failed');
        if (span) {
          failSpan(span, { code: 'QUERY_PLANNING_FAILED' });
          span.end();
        }
        return {
          errors: [
            new GraphQLError('the gateway could not plan this operation', {
              extensions: { code: 'QUERY_PLANNING_FAILED' },
            }),
          ],
        };
      }
      await plans.set(key, plan);
    }
    span?.end();
    return executeWithDefer(plan, { ...loaded, dataSources }, requestContext, operation, fragments, shaper);
  };
}

/** Scans a document for its operation and fragments, and compiles the operation's result shaping. */
export function prepare(
  loaded: LoadedSupergraph,
  document: DocumentNode,
  operationName: string | null | undefined,
): PreparedOperation {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  const operations: OperationDefinitionNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
  }
  // Apollo Server has resolved the operation already; this picks the same one.
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation) throw new Error('the gateway executor got no operation to run');
  const rootType = loaded.apiSchema.getRootType(operation.operation);
  const shaper = rootType ? compileShaper(loaded.apiSchema, rootType, operation.selectionSet, fragments) : undefined;
  return { operation, fragments, shaper };
}

/**
 * Makes Apollo Server run queries with the gateway's own executor instead of `@apollo/gateway`'s
 * (`GATEWAY_EXECUTOR=ours`): `ApolloGateway` keeps loading and watching the supergraph and
 * building the subgraph clients; its `load()` answers our executor, which plans each supergraph
 * version with `planner` (`GATEWAY_PLANNER`; `hive`: Hive's planner as loaded at start-up). Each
 * supergraph is built (parsed and validated) once, by `ApolloGateway`, and shared with ours.
 * Answers the supergraph loaded now, for what runs outside Apollo Server (subscriptions).
 */
export function useOwnExecutor(
  gateway: ApolloGateway,
  dataSources: (name: string) => GraphQLDataSource | undefined,
  logger: Logger,
  plans?: KeyValueCache<ExecutablePlan>,
  planner: PlannerKind = 'apollo',
  hive?: HivePlannerModule,
): () => LoadedSupergraph | undefined {
  const built = acceptContextSupergraphs(gateway);
  let loaded: LoadedSupergraph | undefined;
  gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => {
    // `ApolloGateway` has just built its own `QueryPlanner` for this supergraph, for its executor,
    // which never runs here (ours plans with `planner`): let it go rather than hold it per load.
    (gateway as unknown as { queryPlanner?: unknown }).queryPlanner = undefined;
    loaded = loadSupergraph(coreSupergraphSdl, planner, { hive, ...built(coreSupergraphSdl) });
    if (loaded.plannerError)
      logger.error({ err: loaded.plannerError, planner }, 'the query planner could not load this supergraph');
  });
  // Apollo Server validates against the gateway's schema: with this executor, `@defer` is known.
  advertiseDefer(gateway);
  const executor = createPlanExecutor(() => loaded, dataSources, logger, plans);
  const load = gateway.load.bind(gateway);
  gateway.load = async (options) => ({ ...(await load(options)), executor });
  return () => loaded;
}

/** The parts of `ApolloGateway` (2.14) that build a supergraph from its SDL; private in its types. */
interface GatewaySupergraphBuilding {
  config: { validateSupergraph?: boolean };
  /** The SDL and graphql-js schema of the supergraph being loaded, set before its listeners are told. */
  supergraphSdl?: string;
  supergraphSchema?: GraphQLSchema;
  createServices(services: ReturnType<Supergraph['subgraphsMetadata']>): void;
  createSchemaFromSupergraphSdl(supergraphSdl: string): { supergraph: Supergraph; supergraphSdl: string };
  serviceListFromSupergraphSdl(supergraphSdl: string): ReturnType<Supergraph['subgraphsMetadata']>;
}

/**
 * Makes `ApolloGateway` load supergraphs that use `@context`, which it refuses
 * (`UNSUPPORTED_LINKED_FEATURE`: its executor ignores contextual arguments). Only with our
 * executor, which applies them: its two supergraph-building methods are replaced by the same code
 * (`@apollo/gateway` 2.14's) with {@link SUPPORTED_FEATURES}. A gateway version without these
 * methods stops the start-up here rather than refusing such supergraphs later. Answers what the
 * gateway last built for an SDL (the supergraph, and its graphql-js schema), for our executor to
 * share: `ApolloGateway` tells its listeners about a supergraph right after building it.
 */
function acceptContextSupergraphs(
  gateway: ApolloGateway,
): (supergraphSdl: string) => Pick<SupergraphLoadOptions, 'supergraph' | 'supergraphSchema'> {
  const internals = gateway as unknown as GatewaySupergraphBuilding;
  if (
    typeof internals.createSchemaFromSupergraphSdl !== 'function' ||
    typeof internals.serviceListFromSupergraphSdl !== 'function' ||
    typeof internals.createServices !== 'function'
  )
    throw new Error('this @apollo/gateway version builds supergraphs in a way the executor does not know');
  // Only the last one: a reload replaces it, and the previous one is no longer needed.
  let last: { supergraphSdl: string; supergraph: Supergraph } | undefined;
  internals.createSchemaFromSupergraphSdl = (supergraphSdl) => {
    const validateSupergraph = internals.config.validateSupergraph ?? process.env.NODE_ENV !== 'production';
    const supergraph = Supergraph.build(supergraphSdl, { supportedFeatures: SUPPORTED_FEATURES, validateSupergraph });
    internals.createServices(supergraph.subgraphsMetadata());
    last = { supergraphSdl, supergraph };
    return { supergraph, supergraphSdl };
  };
  internals.serviceListFromSupergraphSdl = (supergraphSdl) =>
    (last?.supergraphSdl === supergraphSdl
      ? last.supergraph
      : Supergraph.build(supergraphSdl, { supportedFeatures: SUPPORTED_FEATURES })
    ).subgraphsMetadata();
  return (supergraphSdl) => {
    if (last?.supergraphSdl !== supergraphSdl) return {};
    // The gateway sets both from this supergraph before telling its listeners; otherwise ours
    // builds the graphql-js schema itself.
    const current = internals.supergraphSdl === supergraphSdl;
    return { supergraph: last.supergraph, supergraphSchema: current ? internals.supergraphSchema : undefined };
  };
}
