import type {
  ConditionNode as ApolloConditionNode,
  DeferNode,
  FetchDataRewrite,
  FetchNode,
} from '@apollo/query-planner';
import type { DocumentNode } from 'graphql';

/**
 * The plans the executor runs: Apollo's `QueryPlan` format (any Apollo plan is one), widened by
 * what Hive's planner adds — `BatchFetch` nodes and type conditions in Flatten paths. Planners
 * other than Apollo's translate their plans into this format (gateway/execution/planners).
 */
export interface ExecutablePlan {
  kind: 'QueryPlan';
  node?: ExecutableNode | SubscriptionNode;
}

export interface SubscriptionNode {
  kind: 'Subscription';
  primary: ExecutableFetchNode;
  rest?: ExecutableNode;
}

/** A field of a `requires` selection (Apollo's `QueryPlanFieldNode`, plus `dataKey`). */
export interface RequiresField {
  readonly kind: 'Field';
  readonly name: string;
  /** The representation's key, when not `name`. */
  readonly alias?: string;
  readonly selections?: RequiresSelection[];
  /**
   * Key of the value in the merged data when it is not the representation's key: Hive's planner
   * fetches a required field whose arguments differ from the client's under an internal alias.
   */
  readonly dataKey?: string;
}

export interface RequiresInlineFragment {
  readonly kind: 'InlineFragment';
  readonly typeCondition?: string;
  readonly selections: RequiresSelection[];
}

/** What an entity's representation is made of (Apollo's `QueryPlanSelectionNode`, widened). */
export type RequiresSelection = RequiresField | RequiresInlineFragment;

/** Apollo's `FetchNode`, with `requires` that may read fields under other keys. */
export interface ExecutableFetchNode extends Omit<FetchNode, 'requires'> {
  requires?: RequiresSelection[];
}

export type ExecutableNode =
  ExecutableFetchNode | BatchFetchNode | SequenceNode | ParallelNode | FlattenNode | ConditionNode | DeferNode;

export interface SequenceNode {
  kind: 'Sequence';
  nodes: ExecutableNode[];
}

export interface ParallelNode {
  kind: 'Parallel';
  nodes: ExecutableNode[];
}

export interface ConditionNode extends Omit<ApolloConditionNode, 'ifClause' | 'elseClause'> {
  ifClause?: ExecutableNode;
  elseClause?: ExecutableNode;
}

/**
 * A Flatten path element: a response name, `@` for every element of a list, or a type condition
 * (only objects whose `__typename` is one of, or a subtype of one of, these types continue).
 */
export type FlattenPathElement = string | number | { typeConditions: readonly string[] };

export interface FlattenNode {
  kind: 'Flatten';
  path: FlattenPathElement[];
  node: ExecutableNode;
}

/**
 * One subgraph request that fetches the entities of several Flatten paths at once (Hive's
 * planner): each alias of `_entities` has its own representations variable, the paths (from the
 * node's entities) of the objects it represents, and its own `requires` and rewrites.
 */
export interface BatchFetchNode {
  kind: 'BatchFetch';
  serviceName: string;
  variableUsages?: string[];
  operation: string;
  operationName: string | undefined;
  operationDocumentNode: DocumentNode;
  aliases: EntityBatchAlias[];
}

export interface EntityBatchAlias {
  /** Response name of this alias's `_entities` field. */
  alias: string;
  representationsVariableName: string;
  paths: FlattenPathElement[][];
  requires: RequiresSelection[];
  inputRewrites?: FetchDataRewrite[];
  outputRewrites?: FetchDataRewrite[];
}

/**
 * The seam between a query planner and the gateway's executor: turns one operation of a
 * validated document into a plan in the format the executor runs ({@link ExecutablePlan}).
 * Throws when it cannot plan the operation; the caller answers `QUERY_PLANNING_FAILED`.
 */
export interface OperationPlanner {
  plan(document: DocumentNode, operationName: string | undefined): ExecutablePlan;
}
