import type { GraphQLError } from 'graphql';
import type { Authenticator } from '../auth';
import type { GatewayStage } from '../stage';
import { recordOf, refuse } from './response';

/**
 * Identity: who is calling, from `Authorization` (an API key or an access token; none is
 * anonymous), established once per request (`auth.ts`). Refuses a malformed or invalid
 * credential with 401 `UNAUTHENTICATED`, and answers 503 `SERVICE_UNAVAILABLE` when the
 * identity subgraph cannot be asked (fail closed: never served as anonymous).
 */
export function identityStage(authenticator: Authenticator): GatewayStage {
  return {
    name: 'identity',
    onRequest: [
      async (req, res, next) => {
        try {
          recordOf(res).identity = await authenticator.authenticate(req.headers.authorization);
        } catch (error) {
          return refuseAuthentication(res, error);
        }
        next();
      },
    ],
  };
}

/** Answers a refused authentication with the status and code the authenticator chose. */
export function refuseAuthentication(res: Parameters<typeof refuse>[0], error: unknown): void {
  const graphQLError = error as GraphQLError;
  const status = (graphQLError.extensions?.http as { status?: number } | undefined)?.status ?? 500;
  refuse(res, status, String(graphQLError.extensions?.code ?? 'INTERNAL_SERVER_ERROR'), graphQLError.message);
}
