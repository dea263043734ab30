import type express from 'express';
import type { Request, Response } from 'express';
import { writeError } from '../kit/errors';
import { IDENTITY_AUDIENCE } from '../kit/identity';
import type { RouteContext } from '../kit/descriptor';
import { requireGatewayAssertion } from '../kit/server';
import type { UsageRepositories } from './repositories';
import { monthOf } from './repositories/quotas';
import { USAGE_QUOTAS_PATH, type QuotaSnapshot } from './wire';

/**
 * `POST /internal/quotas`: every member budget with this month's use (`QuotaSnapshot`), for the
 * gateway, which refuses a member over its budget. Signed like the ingest endpoint (internal
 * audience, never unsigned); 503 when the database failed.
 */
export function quotaRoutes(app: express.Express, { repos, security, logger }: RouteContext<UsageRepositories>) {
  app.post(
    USAGE_QUOTAS_PATH,
    requireGatewayAssertion({ ...security, allowUnsigned: false }, IDENTITY_AUDIENCE),
    async (_req: Request, res: Response) => {
      try {
        const month = monthOf(new Date());
        const quotas = await repos.quotas.all();
        const used =
          quotas.length > 0
            ? await repos.quotas.usedSince(
                quotas.map((q) => q.memberId),
                month.start,
              )
            : new Map();
        const snapshot: QuotaSnapshot = {
          month: month.start.toISOString(),
          resetsAt: month.next.toISOString(),
          quotas: quotas.map((q) => ({
            memberId: q.memberId,
            monthlyOperations: q.monthlyOperations,
            used: used.get(q.memberId) ?? 0,
          })),
        };
        res.json(snapshot);
      } catch (error) {
        logger.error({ err: error }, 'reading member budgets failed');
        writeError(res, 503, 'SERVICE_UNAVAILABLE', 'member budgets could not be read now: ask again later');
      }
    },
  );
}
