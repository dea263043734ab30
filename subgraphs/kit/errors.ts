import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';

/** The error codes of the public contract (`shared/design/graph.md`). */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Code of the error answering a subscription over a cap (kit/subscriptions.ts; the gateway's caps too). */
export const TOO_MANY_SUBSCRIPTIONS = 'TOO_MANY_SUBSCRIPTIONS';

/** Codes whose messages were written for clients and may be shown as they are. */
const CLIENT_CODES = new Set<string>([
  ErrorCode.UNAUTHENTICATED,
  ErrorCode.FORBIDDEN,
  ErrorCode.BAD_USER_INPUT,
  ErrorCode.NOT_FOUND,
  ErrorCode.CONFLICT,
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
  // A subscription over the per-connection cap (kit/subscriptions.ts).
  TOO_MANY_SUBSCRIPTIONS,
]);

function coded(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

/** The input is wrong; the message says what to fix. `field` names the offending argument. */
export function badUserInput(message: string, field?: string): GraphQLError {
  return coded(ErrorCode.BAD_USER_INPUT, message, field ? { field } : {});
}

/** The object does not exist (or may not be seen, which must look the same). */
export function notFound(message: string): GraphQLError {
  return coded(ErrorCode.NOT_FOUND, message);
}

/** The caller is known but may not do this. */
export function forbidden(message: string): GraphQLError {
  return coded(ErrorCode.FORBIDDEN, message);
}

/** The caller's credential is missing where required, or invalid. */
export function unauthenticated(message: string): GraphQLError {
  return coded(ErrorCode.UNAUTHENTICATED, message);
}

/** The change collides with existing data (a duplicate slug, say). */
export function conflict(message: string): GraphQLError {
  return coded(ErrorCode.CONFLICT, message);
}

/** CONFLICT for a new object whose slug another one of its kind already has. */
export function slugTaken(kind: string, slug: string): GraphQLError {
  return conflict(`a ${kind} with slug "${slug}" already exists: choose another slug`);
}

/** Receives errors that are masked before they reach a client. */
export type InternalErrorSink = (error: unknown) => void;

/**
 * Apollo Server `formatError` that lets client-meant errors through and replaces
 * everything else (driver errors carrying SQL, bugs with stack traces) by a generic
 * internal error. The original goes to `sink` for the logs.
 */
export function createErrorFormatter(sink: InternalErrorSink) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && CLIENT_CODES.has(code)) {
      const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    sink(unwrapResolverError(error));
    return {
      message: 'Internal server error',
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}

/** The GraphQL response shape of one coded error, as every refusal outside Apollo Server answers it. */
export interface ErrorBody {
  errors: [{ message: string; extensions: { code: string; requestId?: string; traceId?: string } }];
}

/** The body of a refusal: one error with its code and, when known, the request id. */
export function errorBody(code: string, message: string, requestId?: string, traceId?: string): ErrorBody {
  return {
    errors: [{ message, extensions: { code, ...(requestId ? { requestId } : {}), ...(traceId ? { traceId } : {}) } }],
  };
}

/** The part of an HTTP response (Express's) {@link writeError} needs. */
interface JsonResponse {
  status(code: number): { json(body: unknown): unknown };
}

/**
 * The one writer of error answers outside Apollo Server, for the gateway and the subgraphs:
 * status `status`, a body of one coded error in the GraphQL response shape.
 */
export function writeError(
  res: JsonResponse,
  status: number,
  code: string,
  message: string,
  requestId?: string,
  traceId?: string,
): void {
  res.status(status).json(errorBody(code, message, requestId, traceId));
}
