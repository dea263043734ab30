import express from 'express';
import { IDENTITY_AUDIENCE } from '../kit/identity';
import type { RouteContext } from '../kit/descriptor';
import { requireGatewayAssertion } from '../kit/server';
import type { MembershipRepositories } from './repositories';

/** Path of the credential check the gateway calls; not part of the public graph. */
export const VERIFY_CREDENTIAL_PATH = '/internal/credentials/verify';

/**
 * `POST /internal/credentials/verify` with `{ "apiKey": "alk_..." }` or `{ "keyId": "..." }`:
 * tells the gateway whether a credential works and whom it stands for. Only the gateway
 * may ask (assertion with the identity audience); answers never include secrets.
 */
export function identityRoutes(
  app: express.Express,
  { repos, security, logger }: RouteContext<MembershipRepositories>,
) {
  app.post(
    VERIFY_CREDENTIAL_PATH,
    requireGatewayAssertion({ ...security, allowUnsigned: false }, IDENTITY_AUDIENCE),
    express.json({ limit: '4kb' }),
    async (req, res) => {
      const body = req.body as { apiKey?: unknown; keyId?: unknown } | undefined;
      const apiKey = typeof body?.apiKey === 'string' ? body.apiKey : undefined;
      const keyId = typeof body?.keyId === 'string' ? body.keyId : undefined;
      if ((apiKey === undefined) === (keyId === undefined) || (apiKey ?? keyId)!.length > 200) {
        res.status(400).json({ error: 'send exactly one of apiKey or keyId' });
        return;
      }
      try {
        res.json(await repos.apiKeys.check(apiKey !== undefined ? { apiKey } : { keyId: keyId! }));
      } catch (error) {
        logger.error({ err: error }, 'credential check failed');
        res.status(503).json({ error: 'credential check unavailable' });
      }
    },
  );
}
