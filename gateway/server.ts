import { AsyncLocalStorage } from 'node:async_hooks';
import { isUtf8 } from 'node:buffer';
import http from 'node:http';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { DocumentNode, GraphQLError, GraphQLFormattedError } from 'graphql';
import type { QueryPlan } from '@apollo/query-planner';
import { createErrorFormatter } from '../subgraphs/kit/errors';
import { answerClientErrorsAsJson } from '../subgraphs/kit/server';
import type { Identity } from '../subgraphs/kit/identity';
import { AssertionCache } from './assertions';
import { MeasuredCache, registerCacheMetrics } from './caches';
import type { Logger } from '../subgraphs/kit/logger';
import { Authenticator } from './auth';
import { mountExplorer } from './explorer';
import type { GatewayConfig } from './config';
import { type GatewayContext, SUBGRAPH_UNAVAILABLE, SubgraphDataSource } from './datasource';
import { assignRequestId, requestIdOf, sendError } from './http';
import { inputDepthGuard, operationLimitsPlugin } from './limits';
import { GatewayMetrics } from './metrics';
import { RedisKeyValueCache, loadManifest, persistedQueryProtocol, trustedDocuments } from './operations';
import { MemoryResponseStore, RedisResponseStore, ResponseCache } from './responsecache';
import { MemoryRateLimiter, type RateLimiter, RedisRateLimiter } from './ratelimit';
import { useOwnExecutor } from './execution';
import { FileSupergraphManager } from './supergraph';
import { applyApolloTelemetryChoice } from './telemetry';

export type { GatewayContext } from './datasource';

/** A subgraph the gateway routes to, as named in the supergraph. */
export interface SubgraphEndpoint {
  name: string;
  url: string;
}

/** A built (not listening) gateway. */
export interface BuiltGateway {
  apollo: ApolloServer<GatewayContext>;
  /** The public listener: `/graphql`, `/auth/token`, `/healthz`, `/readyz` (status only). */
  httpServer: http.Server;
  /** The operator's listener (`METRICS_PORT`): `/metrics`, `/readyz` with details per subgraph, `/healthz`. */
  metricsServer: http.Server;
  subgraphs: Map<string, SubgraphEndpoint>;
  metrics: GatewayMetrics;
  /** The response cache for anonymous public queries, when on. */
  responseCache: ResponseCache | undefined;
  /** Stops Apollo and closes shared connections; the HTTP server is drained before (subgraphs/kit/shutdown). */
  stop: () => Promise<void>;
}

/** Codes whose errors may pass from subgraphs to clients unchanged. */
const GATEWAY_CLIENT_CODES = new Set([
  SUBGRAPH_UNAVAILABLE,
  'OPERATION_LIMIT_EXCEEDED',
  'OPERATION_NOT_SUPPORTED',
  'RATE_LIMITED',
]);

/** Per-request facts the HTTP layer establishes before Apollo Server runs. */
interface RequestLocals {
  requestId: string;
  identity: Identity;
}

async function probe(url: string): Promise<boolean> {
  try {
    const response = await fetch(new URL('/readyz', url), { signal: AbortSignal.timeout(2000) });
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Adds the request id to every error, records metrics and writes one JSON log line per
 * request (operation, member, role, duration, outcome; never variables or credentials).
 */
function observabilityPlugin(metrics: GatewayMetrics, logger: Logger): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      metrics.inFlight.inc();
      let operationName: string | null | undefined;
      return {
        async didResolveOperation({ operationName: name }) {
          operationName = name;
        },
        async willSendResponse({ response, errors }) {
          metrics.inFlight.dec();
          const body = response.body;
          if (body.kind === 'single' && body.singleResult.errors) {
            body.singleResult.errors = body.singleResult.errors.map((error) => ({
              ...error,
              extensions: { ...error.extensions, requestId: contextValue.requestId },
            }));
          }
          response.http.headers.set('x-request-id', contextValue.requestId);
          const codes = (body.kind === 'single' ? (body.singleResult.errors ?? []) : []).map(
            (e) => (e.extensions?.code as string | undefined) ?? 'UNKNOWN',
          );
          const outcome =
            response.http.status && response.http.status >= 400 ? 'rejected' : codes.length ? 'error' : 'ok';
          const operation = metrics.operationLabel(operationName);
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          metrics.requests.inc({ operation, outcome });
          metrics.requestDuration.observe({ operation, outcome }, seconds);
          logger.info(
            {
              requestId: contextValue.requestId,
              operation: operationName ?? null,
              member: contextValue.identity?.memberId ?? null,
              role: contextValue.identity?.role ?? null,
              durationMs: Math.round(seconds * 1000),
              outcome,
              ...(codes.length ? { errorCodes: [...new Set(codes)] } : {}),
              ...(errors && outcome === 'rejected' ? { reason: errors[0]?.message } : {}),
            },
            'graphql request',
          );
        },
      };
    },
  };
}

/**
 * Builds the gateway over the configured supergraph file. The public listener answers
 * `/graphql`, `/auth/token`, `/healthz` (alive) and `/readyz` (`ready` or `degraded`, nothing
 * more); the operator's listener answers `/metrics` (Prometheus) and `/readyz` with each
 * subgraph's readiness, which name internal topology and operations. It serves any valid
 * Federation 2 supergraph; subgraph URLs come from the supergraph unless overridden by
 * `SUBGRAPH_<NAME>_URL`.
 *
 * Order of defences on `/graphql`: request id, CORS, body size and UTF-8 (413/400), nesting
 * of variables and extensions (400), authentication (401), rate limit (429), the persisted
 * query protocol and trusted documents (400), then Apollo Server: parsing with a token
 * limit, validation, operation limits (depth, aliases, directives, root fields, cost,
 * subscriptions), and only then the query plan reaches subgraphs. Requests Node's HTTP
 * parser refuses (oversized headers, malformed HTTP) get a coded JSON 431/400 too.
 */
export async function buildGateway(config: GatewayConfig, logger: Logger): Promise<BuiltGateway> {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(assignRequestId);
  const httpServer = http.createServer(app);
  answerClientErrorsAsJson(httpServer, logger);
  const subgraphs = new Map<string, SubgraphEndpoint>();
  const metrics = new GatewayMetrics();
  const production = config.nodeEnv === 'production';
  const dataSources: SubgraphDataSource[] = [];
  const dataSourcesByName = new Map<string, SubgraphDataSource>();
  const documents = new MeasuredCache<DocumentNode>('document', config.documentCacheMiB);
  const queryPlans = new MeasuredCache<QueryPlan>('query_plan', config.queryPlanCacheMiB);
  registerCacheMetrics(metrics.registry, [documents, queryPlans]);

  applyApolloTelemetryChoice(config);
  const gateway = new ApolloGateway({
    queryPlannerConfig: { cache: queryPlans },
    supergraphSdl: new FileSupergraphManager(config.supergraphPath, logger),
    buildService: ({ name, url }) => {
      const key = name.toLowerCase();
      const target = config.subgraphUrls[key] ?? url;
      if (!target) throw new Error(`subgraph ${name} has no URL: set SUBGRAPH_${name.toUpperCase()}_URL`);
      subgraphs.set(name, { name, url: target });
      const timeout = config.subgraphTimeouts[key] ?? config.subgraphTimeoutMs;
      const dataSource = new SubgraphDataSource(name, target, timeout, metrics, logger, {
        maxSockets: config.subgraphMaxSockets,
        dedupe: config.subgraphDedupe,
        idleTimeoutMs: config.subgraphKeepAliveMs,
      });
      dataSources.push(dataSource);
      dataSourcesByName.set(name, dataSource);
      return dataSource;
    },
    logger,
  });
  if (config.executor === 'ours') useOwnExecutor(gateway, (name) => dataSourcesByName.get(name), logger, queryPlans);

  const responseCache =
    config.responseCacheEntries > 0
      ? new ResponseCache(
          config.redisUrl
            ? new RedisResponseStore(config.redisUrl, config.redisKeyPrefix, config.responseCacheEntries)
            : new MemoryResponseStore(config.responseCacheEntries),
          logger,
        )
      : undefined;
  const apqCache = config.redisUrl
    ? new RedisKeyValueCache(config.redisUrl, `${config.redisKeyPrefix}apq:`)
    : undefined;
  // The request id of the request Apollo Server is serving, for errors formatted outside its plugins.
  const servingRequestId = new AsyncLocalStorage<string>();
  const maskInternal = createErrorFormatter((error) => logger.error({ err: error }, 'unexpected gateway error'));
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    // Variable coercion errors answer 400: the default in Apollo Server 5 (status400ForVariableCoercionErrors).
    // graphql-js's own token limit stops huge documents while parsing, before any recursion.
    parseOptions: { maxTokens: config.limits.maxTokens },
    documentStore: documents,
    ...(apqCache ? { persistedQueries: { cache: apqCache, ttl: 86_400 } } : {}),
    formatError: (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
      // Subgraph names are internal topology: clients see the graph, not its parts.
      const { serviceName: _serviceName, ...extensions } = formatted.extensions ?? {};
      const code = extensions.code as string | undefined;
      let result: GraphQLFormattedError = { ...formatted, extensions };
      if (!code || !GATEWAY_CLIENT_CODES.has(code)) result = maskInternal(result, error);
      // Suggestions reveal schema that introspection may be hiding.
      if (production) result = { ...result, message: result.message.replace(/ ?Did you mean .*\?$/, '') };
      // Apollo Server's HTTP-level refusals (no query, a non-string operationName, ...) never reach
      // the plugins that add the request id; it comes from the request being served instead.
      const requestId = result.extensions?.requestId ?? servingRequestId.getStore();
      return requestId ? { ...result, extensions: { ...result.extensions, requestId } } : result;
    },
    // The process drains and stops itself on signals (subgraphs/kit/shutdown); Apollo's handler would kill it first.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      operationLimitsPlugin<GatewayContext>(config.limits),
      observabilityPlugin(metrics, logger),
      ...(responseCache ? [responseCache.plugin()] : []),
      // Apollo's landing page loads from a CDN; development gets the offline explorer instead.
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  const authenticator = new Authenticator(config, () => subgraphs.get(config.identitySubgraph)?.url, logger);
  const limiter: RateLimiter = config.redisUrl
    ? new RedisRateLimiter(config.redisUrl, config.redisKeyPrefix)
    : new MemoryRateLimiter();
  const assertions = new AssertionCache(config.assertionKey);
  const manifest = config.trustedDocumentsPath ? loadManifest(config.trustedDocumentsPath) : undefined;

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: 'gateway' });
  });
  /** Each subgraph's readiness, probed now; degraded while any is unavailable (or none is known yet). */
  const readiness = async () => {
    const checks = await Promise.all(
      [...subgraphs.values()].map(async ({ name, url }) => [name, (await probe(url)) ? 'ready' : 'unavailable']),
    );
    const ready = checks.length > 0 && checks.every(([, state]) => state === 'ready');
    return { status: ready ? 'ready' : 'degraded', subgraphs: Object.fromEntries(checks) as Record<string, string> };
  };
  // Publicly only the verdict: subgraph names are internal topology.
  app.get('/readyz', async (_req, res) => {
    const { status } = await readiness();
    res.status(status === 'ready' ? 200 : 503).json({ status });
  });

  const metricsApp = express();
  metricsApp.disable('x-powered-by');
  metricsApp.use(assignRequestId);
  const metricsServer = http.createServer(metricsApp);
  answerClientErrorsAsJson(metricsServer, logger);
  metricsApp.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: 'gateway' });
  });
  metricsApp.get('/readyz', async (_req, res) => {
    const report = await readiness();
    res.status(report.status === 'ready' ? 200 : 503).json(report);
  });
  metricsApp.get('/metrics', async (_req, res) => {
    res.set('content-type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  metricsApp.use((_req: Request, res: Response) => {
    sendError(res, 404, 'NOT_FOUND', 'no such endpoint: this listener serves GET /metrics, /readyz and /healthz');
  });

  if (!production) mountExplorer(app, logger);

  const parseJson = express.json({
    limit: config.maxBodyBytes,
    // Refuse invalid UTF-8 instead of silently replacing bytes.
    verify: (_req, _res, buffer) => {
      if (!isUtf8(buffer))
        throw Object.assign(new Error('request body is not valid UTF-8'), { status: 400, type: 'encoding.invalid' });
    },
  });
  const corsPolicy = cors({
    origin: config.corsOrigins.length ? [...config.corsOrigins] : false,
    methods: ['GET', 'POST'],
    allowedHeaders: ['content-type', 'authorization', 'x-request-id', 'accept-language', 'apollo-require-preflight'],
    exposedHeaders: ['x-request-id', 'retry-after'],
    maxAge: 600,
  });

  /**
   * Batching is off (`allowBatchedHttpRequests: false`); refused here rather than by Apollo
   * Server, whose refusal happens before its plugins and so would carry no request id.
   */
  const refuseBatches = (req: Request, res: Response, next: NextFunction): void => {
    if (!Array.isArray(req.body)) return next();
    sendError(
      res,
      400,
      'BAD_REQUEST',
      'batched requests (a JSON array of operations) are off: send one operation per request',
    );
  };

  /** Authenticates once, then applies the caller's rate limit. */
  const admit = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    let identity: Identity;
    try {
      identity = await authenticator.authenticate(req.headers.authorization);
    } catch (error) {
      const graphQLError = error as GraphQLError;
      const status = (graphQLError.extensions?.http as { status?: number } | undefined)?.status ?? 500;
      return sendError(
        res,
        status,
        String(graphQLError.extensions?.code ?? 'INTERNAL_SERVER_ERROR'),
        graphQLError.message,
      );
    }
    const role = identity.role ?? 'anonymous';
    const capacity = config.rateLimits[role];
    if (capacity > 0) {
      const key = identity.keyId ? `key:${identity.keyId}` : `ip:${req.ip ?? 'unknown'}`;
      try {
        const decision = await limiter.take(key, capacity);
        if (!decision.allowed) {
          metrics.rateLimited.inc({ role });
          res.set('retry-after', String(decision.retryAfterSeconds));
          return sendError(
            res,
            429,
            'RATE_LIMITED',
            `rate limit of ${capacity} requests per minute reached: retry after ${decision.retryAfterSeconds} s`,
          );
        }
      } catch (error) {
        // A rate limiter that cannot be reached must not take the graph down with it.
        logger.warn({ err: error }, 'rate limiter unavailable; request allowed');
      }
    }
    // The id assignRequestId fixed, read again by Apollo's context below.
    (res.locals as RequestLocals).requestId = requestIdOf(res)!;
    (res.locals as RequestLocals).identity = identity;
    next();
  };

  // Browser apps exchange a key (held by their backend) for a short-lived token here.
  app.post('/auth/token', async (req, res) => {
    try {
      const { accessToken, expiresIn } = await authenticator.issueAccessToken(req.headers.authorization);
      res
        .set('cache-control', 'no-store')
        .json({ access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn });
    } catch (error) {
      const graphQLError = error as GraphQLError;
      const status = (graphQLError.extensions?.http as { status?: number } | undefined)?.status ?? 500;
      sendError(res, status, String(graphQLError.extensions?.code ?? 'INTERNAL_SERVER_ERROR'), graphQLError.message);
    }
  });
  app.use(
    '/graphql',
    corsPolicy,
    parseJson,
    refuseBatches,
    inputDepthGuard(),
    admit,
    persistedQueryProtocol(),
    ...(manifest ? [trustedDocuments(manifest)] : []),
    ...(responseCache
      ? [
          responseCache.middleware((requestId, operationName) => {
            metrics.requests.inc({ operation: metrics.operationLabel(operationName), outcome: 'ok' });
            logger.info(
              { requestId, operation: operationName ?? null, member: null, role: null, outcome: 'ok', cached: true },
              'graphql request',
            );
          }),
        ]
      : []),
    // Entered after the body is read: from here on, Apollo Server's work runs in this context.
    (_req: Request, res: Response, next: NextFunction) => servingRequestId.run(requestIdOf(res)!, next),
    expressMiddleware(apollo, {
      context: async ({ res }) => {
        const { requestId, identity } = res.locals as RequestLocals;
        const language = res.req.headers['accept-language'];
        return {
          requestId,
          acceptLanguage: typeof language === 'string' ? language.slice(0, 256) : undefined,
          identity,
          assertion: await assertions.get(identity),
        };
      },
    }),
  );
  app.use((_req: Request, res: Response) => {
    sendError(res, 404, 'NOT_FOUND', 'no such endpoint: the API is POST /graphql (and GET /graphql for queries)');
  });
  // Body-parser failures (too large, bad JSON, bad charset or encoding) as coded JSON, never HTML.
  app.use(
    (error: { status?: number; type?: string; message?: string }, _req: Request, res: Response, next: NextFunction) => {
      if (res.headersSent) return next(error);
      const status = error.status ?? 500;
      const code =
        status === 413
          ? 'BAD_USER_INPUT' // too large is bad input in the contract's terms; HTTP 413 says which kind
          : status === 415
            ? 'UNSUPPORTED_MEDIA_TYPE'
            : status < 500
              ? 'BAD_REQUEST'
              : 'INTERNAL_SERVER_ERROR';
      const message =
        status === 413
          ? `request body is larger than the limit of ${config.maxBodyBytes} bytes: send less (e.g. smaller batches)`
          : error.type === 'charset.unsupported'
            ? 'request body must be UTF-8 (send content-type: application/json; charset=utf-8)'
            : error.type === 'entity.parse.failed'
              ? 'request body is not valid JSON'
              : status < 500
                ? (error.message ?? 'bad request')
                : 'Internal server error';
      if (status >= 500) logger.error({ err: error }, 'unexpected HTTP error');
      sendError(res, status, code, message);
    },
  );

  return {
    apollo,
    httpServer,
    metricsServer,
    subgraphs,
    metrics,
    responseCache,
    stop: async () => {
      // Scrapers hold keep-alive connections; the operator's listener has nothing to drain.
      if (metricsServer.listening) metricsServer.close();
      metricsServer.closeAllConnections();
      await apollo.stop();
      for (const dataSource of dataSources) dataSource.close();
      await limiter.close();
      apqCache?.close();
      responseCache?.close();
    },
  };
}
