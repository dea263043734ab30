import express, { type NextFunction, type Request, type Response } from 'express';
import { ErrorCode, writeError } from '../kit/errors';
import { IDENTITY_AUDIENCE } from '../kit/identity';
import type { RouteContext } from '../kit/descriptor';
import { requireGatewayAssertion } from '../kit/server';
import type { MembershipRepositories } from './repositories';

/** Path of the credential check the gateway calls; not part of the public graph. */
export const VERIFY_CREDENTIAL_PATH = '/internal/credentials/verify';

/** Code of the 503 answer: the check could not be made (the database failed), the credential is not judged. */
export const CREDENTIAL_CHECK_UNAVAILABLE = 'SERVICE_UNAVAILABLE';

/**
 * `POST /internal/credentials/verify` with `{ "apiKey": "alk_..." }` or `{ "keyId": "..." }`:
 * tells the gateway whether a credential works and whom it stands for. Only the gateway
 * may ask (assertion with the identity audience); answers never include secrets. Refusals
 * are coded errors in the GraphQL response shape (the kit's `writeError`), as on every
 * other endpoint: 400 `BAD_USER_INPUT` (or `BAD_REQUEST` for a body that is not JSON),
 * 401 `UNAUTHENTICATED`, 503 `SERVICE_UNAVAILABLE`.
 */
export function identityRoutes(
  app: express.Express,
  { repos, security, logger }: RouteContext<MembershipRepositories>,
) {
  app.post(
    VERIFY_CREDENTIAL_PATH,
    requireGatewayAssertion({ ...security, allowUnsigned: false }, IDENTITY_AUDIENCE),
    express.json({ limit: '4kb' }),
    async (req: Request, res: Response) => {
      const body = req.body as { apiKey?: unknown; keyId?: unknown } | undefined;
      const apiKey = typeof body?.apiKey === 'string' ? body.apiKey : undefined;
      const keyId = typeof body?.keyId === 'string' ? body.keyId : undefined;
      if ((apiKey === undefined) === (keyId === undefined) || (apiKey ?? keyId)!.length > 200) {
        writeError(res, 400, ErrorCode.BAD_USER_INPUT, 'send exactly one of apiKey or keyId');
        return;
      }
      try {
        res.json(await repos.apiKeys.check(apiKey !== undefined ? { apiKey } : { keyId: keyId! }));
      } catch (error) {
        logger.error({ err: error }, 'credential check failed');
        writeError(res, 503, CREDENTIAL_CHECK_UNAVAILABLE, 'credential check unavailable');
      }
    },
    // The body parser's refusals (not JSON, over 4 kB), coded like the rest instead of Express's HTML page.
    (error: { status?: number }, _req: Request, res: Response, next: NextFunction) => {
      if (res.headersSent || typeof error.status !== 'number' || error.status >= 500) return next(error);
      writeError(res, error.status, 'BAD_REQUEST', 'the body must be a JSON object of at most 4 kB');
    },
  );
}
