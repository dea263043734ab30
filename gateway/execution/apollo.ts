import type { ApolloGateway } from '@apollo/gateway';
import type { GatewayExecutionResult } from '@apollo/server-gateway-interface';
import { GraphQLError } from 'graphql';
import { RESPONSE_VALIDATION_FAILED } from './shape';

/**
 * Answers the errors of `@apollo/gateway`'s result shaping (`GATEWAY_EXECUTOR=apollo`) as our
 * executor answers the same situations: in `errors`, coded {@link RESPONSE_VALIDATION_FAILED}.
 * They say a subgraph's data broke the API schema ("Cannot return null for non-nullable field …",
 * "Invalid value found for …", "Invalid __typename found for …"). Apollo's executor codes them
 * `INVALID_GRAPHQL` and, so that older clients see no new errors, reports them only in the
 * response's `extensions.valueCompletion`, and not at all when a subgraph reported errors too: a
 * client got a null without any error saying why, which the GraphQL spec does not allow.
 */
export function codeApolloShapingErrors(gateway: ApolloGateway): void {
  const load = gateway.load.bind(gateway);
  gateway.load = async (options) => {
    const loaded = await load(options);
    const { executor } = loaded;
    return { ...loaded, executor: async (requestContext) => recode(await executor(requestContext)) };
  };
}

/**
 * Result shaping's errors are the `INVALID_GRAPHQL` ones at a path without a `serviceName`
 * (Apollo's executor adds it to every subgraph error, whatever its code).
 */
function isShapingError(error: GraphQLError): boolean {
  return error.extensions.code === 'INVALID_GRAPHQL' && !!error.path && error.extensions.serviceName === undefined;
}

function recode(result: GatewayExecutionResult): GatewayExecutionResult {
  const { valueCompletion, ...extensions } = (result.extensions ?? {}) as Record<string, unknown>;
  const lifted = Array.isArray(valueCompletion)
    ? valueCompletion.filter((error): error is GraphQLError => error instanceof GraphQLError)
    : [];
  if (lifted.length === 0 && !result.errors?.some(isShapingError)) return result;
  const errors = [...(result.errors ?? []), ...lifted].map((error) =>
    isShapingError(error)
      ? new GraphQLError(error.message, {
          nodes: error.nodes,
          source: error.source,
          positions: error.positions,
          path: error.path,
          originalError: error.originalError,
          extensions: { ...error.extensions, code: RESPONSE_VALIDATION_FAILED },
        })
      : error,
  );
  const { extensions: _extensions, ...rest } = result;
  return Object.keys(extensions).length > 0 ? { ...rest, errors, extensions } : { ...rest, errors };
}
