import http from 'node:http';
import { ApolloGateway } from '@apollo/gateway';
import type { ApolloServer } from '@apollo/server';
import type { QueryPlan } from '@apollo/query-planner';
import express, { type Request, type Response } from 'express';
import type { DocumentNode } from 'graphql';
// undici's fetch rather than the global one: see auth.ts.
import { fetch } from 'undici';
import { answerClientErrorsAsJson } from '../subgraphs/kit/listener';
import type { Logger } from '../subgraphs/kit/logger';
import { AssertionCache } from './assertions';
import { Authenticator } from './auth';
import { MeasuredCache, registerCacheMetrics } from './caches';
import type { GatewayConfig } from './config';
import { type GatewayContext, SubgraphDataSource } from './datasource';
import { mountConsole } from './console';
import { isExplorerPageRequest, mountExplorer } from './explorer';
import { publicServer } from './front';
import { GatewayMetrics } from './metrics';
import { RedisKeyValueCache, loadManifest } from './operations';
import { type Pipeline, buildPipeline } from './pipeline';
import { MemoryRateLimiter, RedisRateLimiter } from './ratelimit';
import { connectRedis, redisReady } from './redis';
import { MemoryResponseStore, RedisResponseStore, ResponseCache } from './responsecache';
import { refuseAuthentication } from './stages/identity';
import { assignRequestId, refuse } from './stages/response';
import {
  type HiveAddonLoader,
  capApolloUnavailableErrors,
  codeApolloShapingErrors,
  loadHivePlanner,
  useOwnExecutor,
} from './execution';
import { serveGatewaySubscriptions } from './subscriptions';
import { FileSupergraphManager } from './supergraph';
import { applyApolloTelemetryChoice } from './telemetry';
import { type Tracing, startTracing } from '../subgraphs/kit/tracing';

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
  /** Usage recording, when on: tests flush it to read their traffic at once. */
  usage: Pipeline['usage'];
  /** Closes client WebSocket connections with 1001 (going away): the first step of a drain. */
  goingAway: () => void;
  /** Stops Apollo and closes shared connections; the HTTP server is drained before (subgraphs/kit/shutdown). */
  stop: () => Promise<void>;
}

/** What the gateway loads that a caller may replace: the native addon of Hive's planner. */
export interface GatewaySeams {
  /** Loads Hive's planner for `GATEWAY_PLANNER=hive` (by default, as npm installed it). */
  loadHiveAddon?: HiveAddonLoader;
  /** Traces with this tracer (tests: an in-memory exporter) instead of the configured one. */
  tracing?: Tracing;
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
 * Builds the gateway over the configured supergraph file. The public listener answers
 * `/graphql` (through the stages of `pipeline.ts`), `/auth/token`, `/healthz` (alive) and
 * `/readyz` (`ready` or `degraded`, nothing more); the operator's listener answers
 * `/metrics` (Prometheus) and `/readyz` with each subgraph's readiness, which name internal
 * topology and operations. It serves any valid Federation 2 supergraph; subgraph URLs come
 * from the supergraph unless overridden by `SUBGRAPH_<NAME>_URL`. Requests Node's HTTP
 * parser refuses (oversized headers, malformed HTTP) get a coded JSON 431/400, logged and
 * counted here.
 */
export async function buildGateway(
  config: GatewayConfig,
  logger: Logger,
  seams: GatewaySeams = {},
): Promise<BuiltGateway> {
  // First, before anything holds a resource: a planner that cannot load on this platform stops
  // the start-up with one line, rather than failing every operation once started.
  const hive =
    config.executor === 'ours' && config.planner === 'hive' ? loadHivePlanner(seams.loadHiveAddon) : undefined;
  // Off unless configured: the SDK is loaded only then (subgraphs/kit/tracing.ts).
  const tracing = seams.tracing ?? (config.tracing ? await startTracing(config.tracing) : undefined);
  const app = express();
  app.disable('x-powered-by');
  // No ETag: Express would hash every response body (SHA-1) for a validator that POST responses
  // never use; GET queries are cached by `cache-control` (the response cache sets it).
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);
  app.use(assignRequestId);
  // `/graphql` goes to the pipeline without Express's app and router (front.ts); the rest to `app`.
  const front = publicServer(app, logger);
  const { httpServer } = front;
  const metrics = new GatewayMetrics();
  const countRefusal = () => metrics.requests.inc({ operation: 'anonymous', outcome: 'rejected' });
  answerClientErrorsAsJson(httpServer, logger, countRefusal);
  const subgraphs = new Map<string, SubgraphEndpoint>();
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
      // Apollo builds a data source again only when a new supergraph moves the subgraph: the one
      // it replaces lets its connections go (and stays listed, so that stopping ends it too).
      dataSourcesByName.get(name)?.retire();
      dataSources.push(dataSource);
      dataSourcesByName.set(name, dataSource);
      return dataSource;
    },
    logger,
  });
  const supergraph =
    config.executor === 'ours'
      ? useOwnExecutor(gateway, (name) => dataSourcesByName.get(name), logger, queryPlans, config.planner, hive)
      : undefined;
  if (!supergraph) {
    codeApolloShapingErrors(gateway);
    capApolloUnavailableErrors(gateway);
  }

  // One Redis connection for the shared state of replicas: rate limits, persisted queries, responses.
  const redis = config.redisUrl ? connectRedis(config.redisUrl) : undefined;
  if (redis && !(await redisReady(redis)))
    logger.warn('Redis did not answer at start-up; serving without shared state until it does');
  const responseCache =
    config.responseCacheEntries > 0
      ? new ResponseCache(
          redis
            ? new RedisResponseStore(redis, config.redisKeyPrefix, config.responseCacheEntries)
            : new MemoryResponseStore(config.responseCacheEntries),
          logger,
        )
      : undefined;
  const authenticator = new Authenticator(config, () => subgraphs.get(config.identitySubgraph)?.url, logger);
  // Signed identity assertions, shared by subgraph fetches and subgraph subscriptions.
  const assertions = new AssertionCache(config.assertionKey);
  // The trusted-documents manifest, shared by the pipeline and WebSocket subscriptions.
  const manifest = config.trustedDocumentsPath ? loadManifest(config.trustedDocumentsPath) : undefined;
  // Subscriptions: graphql-ws over WebSocket upgrades of /graphql, and graphql-sse over SSE
  // requests of /graphql (a stage of the pipeline) (gateway/subscriptions).
  const subscriptions = serveGatewaySubscriptions({
    httpServer,
    config,
    logger,
    metrics,
    authenticator,
    assertions,
    supergraph: () => supergraph?.(),
    subgraphUrl: (name) => subgraphs.get(name)?.url,
    dataSources: (name) => dataSourcesByName.get(name),
    manifest,
    // Express computes `req.ip` (with `trust proxy`) for the requests it routes; an upgrade is
    // not one, so it is read through Express's request prototype.
    clientIp: (request) =>
      (
        Object.create(app.request, {
          headers: { value: request.headers },
          socket: { value: request.socket },
        }) as Request
      ).ip ?? 'unknown',
  });
  // After our executor's listener (registered in useOwnExecutor): the new supergraph is served
  // when clients subscribe again. The first load finds no subscription to end.
  gateway.onSchemaLoadOrUpdate(() => subscriptions.supergraphChanged());
  const pipeline = await buildPipeline({
    config,
    logger,
    metrics,
    authenticator,
    limiter: redis ? new RedisRateLimiter(redis, config.redisKeyPrefix) : new MemoryRateLimiter(),
    manifest,
    responseCache,
    gateway,
    documents,
    apqCache: redis ? new RedisKeyValueCache(redis, `${config.redisKeyPrefix}apq:`) : undefined,
    assertions,
    streams: subscriptions.sseStage,
    subgraphUrl: (name) => subgraphs.get(name)?.url,
    tracing,
  });

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
    refuse(res, 404, 'NOT_FOUND', 'no such endpoint: this listener serves GET /metrics, /readyz and /healthz');
  });

  const explorer = config.nodeEnv !== 'production' && mountExplorer(app, logger);
  if (config.adminConsole) mountConsole(app, logger);

  // Browser apps exchange a key (held by their backend) for a short-lived token here.
  app.post('/auth/token', async (req, res) => {
    try {
      const { accessToken, expiresIn } = await authenticator.issueAccessToken(req.headers.authorization);
      res
        .set('cache-control', 'no-store')
        .json({ access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn });
    } catch (error) {
      refuseAuthentication(res, error);
    }
  });
  // Through the app only for `/graphql` spelled otherwise (`/GraphQL`, `/graphql/`): see front.ts.
  app.use('/graphql', pipeline.handler);
  const notFound = (_req: Request, res: Response) => {
    refuse(res, 404, 'NOT_FOUND', 'no such endpoint: the API is POST /graphql (and GET /graphql for queries)');
  };
  app.use(notFound);
  app.use(...pipeline.errorHandlers);
  front.serveGraphQL({
    handler: pipeline.handler,
    errorHandlers: pipeline.errorHandlers,
    notFound,
    // The explorer's page is a route of the app, before the pipeline.
    ...(explorer ? { leaveToApp: (req: Request) => isExplorerPageRequest(req) } : {}),
  });

  return {
    apollo: pipeline.apollo,
    httpServer,
    metricsServer,
    subgraphs,
    metrics,
    responseCache,
    usage: pipeline.usage,
    goingAway: subscriptions.goingAway,
    stop: async () => {
      await subscriptions.close();
      // Scrapers hold keep-alive connections; the operator's listener has nothing to drain.
      if (metricsServer.listening) metricsServer.close();
      metricsServer.closeAllConnections();
      await pipeline.close();
      for (const dataSource of dataSources) dataSource.close();
      redis?.disconnect();
      // The spans of the last requests are sent (a tracer given by the caller is the caller's to stop).
      if (!seams.tracing) await tracing?.shutdown();
    },
  };
}
