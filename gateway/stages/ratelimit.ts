import type { Logger } from '../../subgraphs/kit/logger';
import type { GatewayConfig } from '../config';
import type { GatewayMetrics } from '../metrics';
import type { RateLimiter } from '../ratelimit';
import type { GatewayStage } from '../stage';
import { recordOf, refuse } from './response';

/**
 * Rate limit: a token bucket per caller (an API key's id, else the client's address), sized
 * by role (`RATE_LIMIT_*_PER_MINUTE`), in memory or in Redis (`ratelimit.ts`). Refuses with
 * 429 `RATE_LIMITED` and `Retry-After`, counted in `rate_limit_refusals_total`. A limiter
 * that cannot be reached lets the request through (logged): it must not take the graph down.
 */
export function rateLimitStage(
  config: Pick<GatewayConfig, 'rateLimits'>,
  limiter: RateLimiter,
  metrics: GatewayMetrics,
  logger: Logger,
): GatewayStage {
  return {
    name: 'rate limit',
    onRequest: [
      async (req, res, next) => {
        const identity = recordOf(res).identity;
        const role = identity?.role ?? 'anonymous';
        const capacity = config.rateLimits[role];
        if (capacity <= 0) return next();
        const key = identity?.keyId ? `key:${identity.keyId}` : `ip:${req.ip ?? 'unknown'}`;
        try {
          const decision = await limiter.take(key, capacity);
          if (!decision.allowed) {
            metrics.rateLimited.inc({ role });
            res.set('retry-after', String(decision.retryAfterSeconds));
            return refuse(
              res,
              429,
              'RATE_LIMITED',
              `rate limit of ${capacity} requests per minute reached: retry after ${decision.retryAfterSeconds} s`,
            );
          }
        } catch (error) {
          logger.warn({ err: error }, 'rate limiter unavailable; request allowed');
        }
        next();
      },
    ],
    close: () => limiter.close(),
  };
}
