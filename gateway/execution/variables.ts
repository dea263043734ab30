import type { OperationDefinitionNode } from 'graphql';

/**
 * The variable values of a request as already coerced for its operation, so that the executor
 * does not coerce them a second time (1 % of the gateway's CPU on scenario R): the operation
 * limits coerce them first (`limits.ts`, to measure page sizes) against the same API schema.
 * Kept per request context object (Apollo Server hands the same one to its plugins and to the
 * executor) and operation node; anything else (the operation `@defer` splits, a request the
 * limits never saw) is coerced by the executor as before.
 */
const coercedByContext = new WeakMap<object, { operation: OperationDefinitionNode; values: Record<string, unknown> }>();

/** Notes the coerced variables of `operation` for the request whose context is `context`. */
export function noteCoercedVariables(
  context: object,
  operation: OperationDefinitionNode,
  values: Record<string, unknown>,
): void {
  coercedByContext.set(context, { operation, values });
}

/** The coerced variables noted for this request and this very operation node, if any. */
export function coercedVariablesOf(
  context: object | undefined,
  operation: OperationDefinitionNode,
): Record<string, unknown> | undefined {
  if (typeof context !== 'object' || context === null) return undefined;
  const noted = coercedByContext.get(context);
  return noted?.operation === operation ? noted.values : undefined;
}
