import type { GatewayStage } from '../stage';
import { type ResponseCache, entryToStore, mayUseCache, responseCacheKey } from '../responsecache';
import { recordOf } from './response';

/**
 * Response cache (`RESPONSE_CACHE_ENTRIES`): after identity and rate limit, answers an
 * anonymous POST whose operation is cached from the stored body, before Apollo Server runs;
 * inside GraphQL, stores what may be stored and clears everything after any mutation. The
 * policy (what is served, what is stored) and the stores are in `responsecache.ts`.
 */
export function responseCacheStage(cache: ResponseCache): GatewayStage {
  return {
    name: 'response cache',
    onRequest: [
      async (req, res, next) => {
        const record = recordOf(res);
        const body = req.body as { query?: unknown; operationName?: unknown; variables?: unknown } | undefined;
        const eligible = mayUseCache({
          method: req.method,
          role: record.identity?.role,
          cacheControl: req.headers['cache-control'],
        });
        if (!eligible || typeof body?.query !== 'string') return next();
        const key = responseCacheKey(body.query, body.operationName, body.variables, req.headers['accept-language']);
        const entry = await cache.lookup(key);
        if (!entry) return next();
        record.cached = true;
        record.operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
        res
          .status(200)
          .set({
            'content-type': 'application/graphql-response+json; charset=utf-8',
            'cache-control': `max-age=${entry.maxAge}, public`,
          })
          .send(entry.body);
      },
    ],
    plugins: [
      {
        requestDidStart: async (start) => {
          const eligible = mayUseCache({
            method: start.request.http?.method,
            role: start.contextValue.identity?.role,
            cacheControl: start.request.http?.headers.get('cache-control'),
          });
          return {
            willSendResponse: async (ctx) => {
              if (ctx.operation?.operation === 'mutation') {
                await cache.clear();
                cache.onClear?.();
                return;
              }
              if (!eligible || typeof ctx.request.query !== 'string' || ctx.response.body.kind !== 'single') return;
              const result = ctx.response.body.singleResult;
              const entry = entryToStore({
                operation: ctx.operation?.operation,
                errors: result.errors,
                policy: ctx.overallCachePolicy.policyIfCacheable(),
                data: result.data,
              });
              if (!entry) return;
              const key = responseCacheKey(
                ctx.request.query,
                ctx.request.operationName,
                ctx.request.variables,
                ctx.contextValue.acceptLanguage,
              );
              await cache.save(key, entry);
            },
          };
        },
      },
    ],
  };
}
