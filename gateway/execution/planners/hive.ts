import type { FetchDataRewrite, FetchNode } from '@apollo/query-planner';
import type * as Hive from '@graphql-hive/router-query-planner';
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  Kind,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  parse,
  print,
  visit,
} from 'graphql';
import { StartupError } from '../../../subgraphs/kit/env';
import type { OperationPlanner } from '../plan';
import type {
  BatchFetchNode,
  EntityBatchAlias,
  ExecutableFetchNode,
  ExecutableNode,
  ExecutablePlan,
  FlattenPathElement,
  RequiresSelection,
} from '../plan';

/** Root fields the gateway answers itself: introspection from the API schema, `__typename` from the root type. */
const GATEWAY_ROOT_FIELDS = new Set(['__schema', '__type', '__typename']);

/**
 * Percentage given to Hive's planner for progressive `@override(label: "percent(N)")`: 100 leaves
 * every percentage label inactive, as `@apollo/gateway` (which sets no override conditions) plans.
 */
const OVERRIDE_PERCENTAGE = 100;

/** The module of Hive's planner: its native addon's bindings. */
export type HivePlannerModule = typeof Hive;

/** Loads the native addon of Hive's planner; throws where none loads (a platform it does not ship for). */
export type HiveAddonLoader = () => HivePlannerModule;

/**
 * The addon as npm installed it, loaded on first use: a gateway with `GATEWAY_PLANNER=apollo`
 * never loads it, so a platform without it runs that planner.
 */
export const requireHiveAddon: HiveAddonLoader = () =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@graphql-hive/router-query-planner') as HivePlannerModule;

/**
 * Loads Hive's planner for `GATEWAY_PLANNER=hive`, or stops the start-up with one line naming
 * the platform when its native addon does not load there (the package ships it for glibc Linux
 * on x64 and arm64 and for macOS; not for musl, e.g. Alpine, nor Windows). `load` is the seam
 * that loads the addon ({@link requireHiveAddon} unless given another).
 */
export function loadHivePlanner(load: HiveAddonLoader = requireHiveAddon): HivePlannerModule {
  try {
    const module = load();
    if (typeof module?.QueryPlanner !== 'function') throw new Error('the addon has no QueryPlanner');
    return module;
  } catch (error) {
    throw new StartupError(
      `GATEWAY_PLANNER=hive: the native addon of Hive's query planner does not load on ${platformName()}; ` +
        "set GATEWAY_PLANNER=apollo (Apollo's planner, plain JavaScript)",
      { cause: error },
    );
  }
}

/** The platform as native addons are built for it: `linux-x64-musl`, `darwin-arm64`… */
function platformName(): string {
  const name = `${process.platform}-${process.arch}`;
  if (process.platform !== 'linux') return name;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return `${name}-${header?.glibcVersionRuntime ? 'gnu' : 'musl'}`;
}

/**
 * Plans with Hive Router's Rust planner (`@graphql-hive/router-query-planner`, `hive`: its
 * module, see {@link loadHivePlanner}) and translates its plans into the executor's format.
 */
export function createHivePlanner(supergraphSdl: string, hive: HivePlannerModule): OperationPlanner {
  const planner = new hive.QueryPlanner(supergraphSdl);
  const noLabels = new Set<string>();
  return {
    plan(document, operationName) {
      const planned = planningDocument(document, operationName);
      if (!planned) return { kind: 'QueryPlan' };
      return toExecutablePlan(planner.plan(planned, operationName ?? null, noLabels, OVERRIDE_PERCENTAGE));
    },
  };
}

/**
 * The operation as Hive's planner is given it: without the root fields the gateway answers itself
 * (Hive's planner cannot plan introspection, and would send a root `__typename` to a subgraph),
 * root fragment spreads inlined so that their introspection fields go too, and without root
 * selections a literal `@skip(if: true)` or `@include(if: false)` excludes (Hive's planner fails
 * to build a plan when that leaves no root field; Apollo's answers `{}`). `undefined` when
 * nothing is left for subgraphs.
 */
export function planningDocument(document: DocumentNode, operationName: string | undefined): string | undefined {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const definition of withoutLiterallyExcluded(document).definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
  }
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation) throw new Error(`no operation ${operationName ?? ''} in the document`);
  const selectionSet = withoutGatewayFields(operation.selectionSet, fragments, new Set());
  if (!selectionSet) return undefined;
  return print({
    kind: Kind.DOCUMENT,
    definitions: [{ ...operation, selectionSet }, ...fragments.values()],
  });
}

function withoutGatewayFields(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  inlining: ReadonlySet<string>,
): SelectionSetNode | undefined {
  const selections: SelectionNode[] = [];
  for (const selection of selectionSet.selections) {
    if (excludedByLiteral(selection)) continue;
    if (selection.kind === Kind.FIELD) {
      if (!GATEWAY_ROOT_FIELDS.has(selection.name.value)) selections.push(selection);
      continue;
    }
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = fragments.get(selection.name.value);
      // Validation rules out unknown and cyclic fragments; this only guards the recursion.
      if (!fragment || inlining.has(fragment.name.value)) continue;
      const inner = withoutGatewayFields(fragment.selectionSet, fragments, new Set([...inlining, fragment.name.value]));
      if (inner)
        selections.push({
          kind: Kind.INLINE_FRAGMENT,
          typeCondition: fragment.typeCondition,
          directives: selection.directives,
          selectionSet: inner,
        });
      continue;
    }
    const inner = withoutGatewayFields(selection.selectionSet, fragments, inlining);
    if (inner) selections.push({ ...selection, selectionSet: inner });
  }
  return selections.length > 0 ? { ...selectionSet, selections } : undefined;
}

/**
 * The document without the selections a literal `@skip(if: true)`/`@include(if: false)` leaves
 * out of every execution, at every depth; a selection set left empty asks `__typename` instead.
 * The same operation for every variable value, but Hive's planner fails to build a plan for
 * `{ destination { ... @skip(if: true) { id } } }` (a field with nothing left to fetch). The
 * response is shaped from the client's operation, so the `__typename` is never seen.
 */
function withoutLiterallyExcluded(document: DocumentNode): DocumentNode {
  return visit(document, {
    SelectionSet: {
      leave(node): SelectionSetNode {
        const selections = node.selections.filter((selection) => !excludedByLiteral(selection));
        if (selections.length === node.selections.length) return node;
        return {
          ...node,
          selections:
            selections.length > 0 ? selections : [{ kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } }],
        };
      },
    },
  });
}

/** Whether a literal `@skip(if: true)` or `@include(if: false)` leaves the selection out of every execution. */
function excludedByLiteral(selection: SelectionNode): boolean {
  return (selection.directives ?? []).some(
    (directive) =>
      directive.arguments?.some(
        (argument) =>
          argument.name.value === 'if' &&
          argument.value.kind === Kind.BOOLEAN &&
          argument.value.value === (directive.name.value === 'skip'),
      ) === true &&
      (directive.name.value === 'skip' || directive.name.value === 'include'),
  );
}

/** Translates a plan of Hive's planner into the executor's format, parsing each fetch's operation once. */
export function toExecutablePlan(plan: Hive.QueryPlan): ExecutablePlan {
  if (!plan.node) return { kind: 'QueryPlan' };
  if (plan.node.kind === 'Subscription')
    return { kind: 'QueryPlan', node: { kind: 'Subscription', primary: toFetch(plan.node.primary) } };
  // Hive's planner puts what each event needs from other subgraphs after the subscription, in a
  // root Sequence; the executor's format (Apollo's) has it as the subscription's `rest`.
  const [first, ...after] = plan.node.kind === 'Sequence' ? plan.node.nodes : [];
  if (first?.kind === 'Subscription') {
    const rest = after.length === 1 ? toNode(after[0]!) : { kind: 'Sequence' as const, nodes: after.map(toNode) };
    return {
      kind: 'QueryPlan',
      node: { kind: 'Subscription', primary: toFetch(first.primary), ...(after.length > 0 ? { rest } : {}) },
    };
  }
  return { kind: 'QueryPlan', node: toNode(plan.node) };
}

function toNode(node: Hive.PlanNode): ExecutableNode {
  switch (node.kind) {
    case 'Fetch':
      return toFetch(node);
    case 'BatchFetch':
      return toBatchFetch(node);
    case 'Sequence':
    case 'Parallel':
      return { kind: node.kind, nodes: node.nodes.map(toNode) };
    case 'Flatten':
      return { kind: 'Flatten', path: node.path.map(toPathElement), node: toNode(node.node) };
    case 'Condition':
      return {
        kind: 'Condition',
        condition: node.condition,
        ifClause: node.ifClause && toNode(node.ifClause),
        elseClause: node.elseClause && toNode(node.elseClause),
      };
    default:
      // Defer is planned inline by this planner, and a subscription is only ever the root node.
      throw new Error(`the plan has a ${node.kind} node where the executor cannot run one`);
  }
}

function parseOperation(operation: string): { document: DocumentNode; kind: FetchNode['operationKind'] } {
  const document = parse(operation, { noLocation: true });
  const definition = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (!definition) throw new Error('a fetch of the plan has no operation');
  return { document, kind: definition.operation };
}

function toFetch(node: Hive.FetchNode): ExecutableFetchNode {
  const { document, kind } = parseOperation(node.operation);
  return {
    kind: 'Fetch',
    serviceName: node.serviceName,
    variableUsages: node.variableUsages,
    operation: node.operation,
    operationName: node.operationName,
    operationKind: kind,
    operationDocumentNode: document,
    requires: node.requires?.map(toSelection),
    inputRewrites: node.inputRewrites?.flatMap(toRewrites),
    outputRewrites: node.outputRewrites?.flatMap(toRewrites),
  };
}

function toBatchFetch(node: Hive.BatchFetchNode): BatchFetchNode {
  const { document } = parseOperation(node.operation);
  return {
    kind: 'BatchFetch',
    serviceName: node.serviceName,
    variableUsages: node.variableUsages,
    operation: node.operation,
    operationName: node.operationName,
    operationDocumentNode: document,
    aliases: node.entityBatch.aliases.map((alias): EntityBatchAlias => ({
      alias: alias.alias,
      representationsVariableName: alias.representationsVariableName,
      paths: alias.paths.map((path) => path.map(toPathElement)),
      requires: alias.requires.map(toSelection),
      inputRewrites: alias.inputRewrites?.flatMap(toRewrites),
      outputRewrites: alias.outputRewrites?.flatMap(toRewrites),
    })),
  };
}

function toPathElement(segment: Hive.FlattenNodePathSegment): FlattenPathElement {
  if (segment === '@') return '@';
  if ('Field' in segment) return segment.Field;
  return { typeConditions: segment.TypeCondition };
}

function toSelection(selection: Hive.RequiresSelection): RequiresSelection {
  switch (selection.kind) {
    case 'Field':
      // Hive reads `name` in the merged data and writes `alias` in the representation.
      return {
        kind: 'Field',
        name: selection.name,
        alias: selection.alias,
        dataKey: selection.alias !== undefined && selection.alias !== selection.name ? selection.name : undefined,
        selections: selection.selections?.map(toSelection),
      };
    case 'InlineFragment':
      if (selection.skipIf !== undefined || selection.includeIf !== undefined)
        throw new Error('a requires selection of the plan has a @skip/@include condition');
      return {
        kind: 'InlineFragment',
        typeCondition: selection.typeCondition,
        selections: selection.selections.map(toSelection),
      };
    default:
      throw new Error('a requires selection of the plan spreads a fragment');
  }
}

/**
 * A rewrite of Hive's plan as rewrites of Apollo's format: a path segment `{TypenameEquals: [A, B]}`
 * becomes one rewrite per type (`... on A`, `... on B`), which is the same since an object has one
 * `__typename` (and a rewrite applied twice to the same object changes nothing more).
 */
function toRewrites(rewrite: Hive.FetchRewrite): FetchDataRewrite[] {
  if ('kind' in rewrite) return paths(rewrite.path).map((path) => ({ ...rewrite, kind: 'ValueSetter', path }));
  if ('ValueSetter' in rewrite) {
    const { path, setValueTo } = rewrite.ValueSetter;
    return paths(path).map((p) => ({ kind: 'ValueSetter', path: p, setValueTo }));
  }
  const { path, renameKeyTo } = rewrite.KeyRenamer;
  return paths(path).map((p) => ({ kind: 'KeyRenamer', path: p, renameKeyTo }));
}

function paths(segments: readonly Hive.FetchNodePathSegment[]): string[][] {
  let result: string[][] = [[]];
  for (const segment of segments) {
    if ('Key' in segment) {
      result = result.map((path) => [...path, segment.Key]);
    } else {
      // The type declares a list; accept a single name too.
      const types: readonly string[] = Array.isArray(segment.TypenameEquals)
        ? segment.TypenameEquals
        : [segment.TypenameEquals as unknown as string];
      result = result.flatMap((path) => types.map((type) => [...path, `... on ${type}`]));
    }
  }
  return result;
}
