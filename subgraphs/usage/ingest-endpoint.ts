import express, { type NextFunction, type Request, type Response } from 'express';
import { writeError } from '../kit/errors';
import { IDENTITY_AUDIENCE } from '../kit/identity';
import type { RouteContext } from '../kit/descriptor';
import { requireGatewayAssertion } from '../kit/server';
import type { UsageRepositories } from './repositories';
import { BatchError, usageBatch } from './validation';
import { USAGE_INGEST_PATH } from './wire';

/** Largest batch body: 5,000 rows of a few hundred bytes each, and their documents' coordinates. */
const MAX_BATCH_BYTES = '8mb';

/**
 * `POST /internal/usage` with a batch (`wire.ts`): the gateway's usage records, stored as minute
 * rows. Only the gateway may send (its signed assertion with the internal audience, the one its
 * credential checks carry; `ALLOW_UNSIGNED_REQUESTS` does not open it): anything else answers
 * 401 `UNAUTHENTICATED`. 200 `{ "stored": true }`, or `false` for a batch id already stored (a
 * retry: counted once); 400 `BAD_REQUEST` saying what is malformed; 503 `SERVICE_UNAVAILABLE`
 * when the database failed (the gateway keeps the batch and retries).
 */
export function ingestRoutes(app: express.Express, { repos, security, logger }: RouteContext<UsageRepositories>) {
  app.post(
    USAGE_INGEST_PATH,
    requireGatewayAssertion({ ...security, allowUnsigned: false }, IDENTITY_AUDIENCE),
    express.json({ limit: MAX_BATCH_BYTES }),
    async (req: Request, res: Response) => {
      let batch;
      try {
        batch = usageBatch(req.body as unknown);
      } catch (error) {
        if (!(error instanceof BatchError)) throw error;
        writeError(res, 400, 'BAD_REQUEST', `malformed usage batch: ${error.message}`);
        return;
      }
      try {
        res.json({ stored: (await repos.usage.ingest(batch)) === 'stored' });
      } catch (error) {
        logger.error({ err: error }, 'storing a usage batch failed');
        writeError(res, 503, 'SERVICE_UNAVAILABLE', 'usage could not be stored now: send the batch again later');
      }
    },
    // The body parser's refusals (not JSON, too large), coded like the rest.
    (error: { status?: number }, _req: Request, res: Response, next: NextFunction) => {
      if (res.headersSent || typeof error.status !== 'number' || error.status >= 500) return next(error);
      writeError(res, error.status, 'BAD_REQUEST', `the body must be a JSON usage batch of at most ${MAX_BATCH_BYTES}`);
    },
  );
}
