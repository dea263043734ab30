import type { ApolloServer } from '@apollo/server';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../subgraphs/kit/logger';
import type { Authenticator } from './auth';
import type { GatewayConfig } from './config';
import type { GatewayContext } from './datasource';
import type { GatewayMetrics } from './metrics';
import type { RateLimiter } from './ratelimit';
import type { AssertionKey } from '../subgraphs/kit/identity';
import type { ResponseCache } from './responsecache';
import type { GatewayStage } from './stage';
import { documentsStage } from './stages/documents';
import { edgeStage } from './stages/edge';
import { type GraphQLStageOptions, graphqlStage } from './stages/graphql';
import { identityStage } from './stages/identity';
import { rateLimitStage } from './stages/ratelimit';
import { recordOf, responseStage } from './stages/response';
import { responseCacheStage } from './stages/responsecache';
import { QuotaBook, quotaStage } from './stages/quota';
import { tracingStage } from './stages/tracing';
import { UsageRecorder, usageStage } from './stages/usage';
import type { Tracing } from '../subgraphs/kit/tracing';

/** What the stages of `/graphql` are made of; `server.ts` builds these once per gateway. */
export interface PipelineParts extends Omit<GraphQLStageOptions, 'config'> {
  config: GatewayConfig;
  logger: Logger;
  metrics: GatewayMetrics;
  authenticator: Authenticator;
  limiter: RateLimiter;
  /** The trusted-documents manifest (id → text), when `TRUSTED_DOCUMENTS` is set. */
  manifest: Map<string, string> | undefined;
  /** The response cache for anonymous public queries, when `RESPONSE_CACHE_ENTRIES` > 0. */
  responseCache: ResponseCache | undefined;
  /** Subscriptions over Server-Sent Events (gateway/subscriptions/sse.ts), when served. */
  streams?: GatewayStage;
  /** The URL of a subgraph by name, once the supergraph names it (usage batches go to `config.usage.subgraph`). */
  subgraphUrl: (name: string) => string | undefined;
  /** OpenTelemetry traces, when on (`OTEL_EXPORTER_OTLP_ENDPOINT`). */
  tracing: Tracing | undefined;
}

/** The started pipeline, as `server.ts` mounts it. */
export interface Pipeline {
  stages: readonly GatewayStage[];
  /** Every stage's request handlers, in order. */
  handlers: RequestHandler[];
  /** The same handlers as one (see {@link inSequence}): what the public listener's front (`front.ts`) runs for `/graphql`, as `app.use('/graphql', ...)` does for its other spellings. */
  handler: RequestHandler;
  /** The stages' error handlers, mounted after everything else. */
  errorHandlers: ErrorRequestHandler[];
  apollo: ApolloServer<GatewayContext>;
  /** Usage recording, when on (`USAGE_RECORDING`): `flush()` sends what it holds now. */
  usage: UsageRecorder | undefined;
  /** Releases every stage's resources, once the HTTP server has drained (subgraphs/kit/shutdown). */
  close: () => Promise<void>;
}

/**
 * The `/graphql` pipeline: every stage a request meets, in the order it meets them. Each
 * stage is one file in `stages/` whose comment says what it refuses, with which status and
 * code; the contract of a stage is in `stage.ts`. Where to look:
 * - a refusal: the stage's file (subgraph failures: `datasource.ts`; the HTTP parser's 431/400: `server.ts`);
 * - the log line `graphql request`, `x-request-id` and the request metrics: `stages/response.ts`;
 * - the error body: `refuse()` in `stages/response.ts`, over the kit's `writeError` (`subgraphs/kit/errors.ts`).
 */
export async function buildPipeline(parts: PipelineParts): Promise<Pipeline> {
  const { config, logger, metrics } = parts;
  const graphql = graphqlStage({ ...parts, config });
  const usage = config.usage.enabled ? usageRecorder(parts, config.assertionKey) : undefined;
  // Budgets are counted from what usage recording sends: without it nothing is refused.
  const quotas = usage ? quotaBook(parts, usage, config.assertionKey) : undefined;
  const stages: GatewayStage[] = [
    // Request id in; on the way out, the one log line, the metrics and the usage record, however the request ends.
    responseStage(metrics, logger, usage && quotas ? [usage.observe, quotas.observe] : []),
    // When tracing: the request's span, around everything after; its trace id for the log line and errors.
    ...(parts.tracing ? [tracingStage(parts.tracing)] : []),
    // CORS, body size, UTF-8, JSON, no batches, input depth: 400/413/415.
    edgeStage(config, logger),
    // Authorization: API key or access token, else anonymous: 401, 503.
    identityStage(parts.authenticator),
    // A member over its monthly budget: 429 QUOTA_EXCEEDED with the reset time.
    ...(quotas ? [quotaStage(quotas)] : []),
    // Per key or address, sized by role: 429 with Retry-After.
    rateLimitStage(config, parts.limiter, metrics, logger),
    // Persisted-query protocol, trusted documents: 400.
    documentsStage(parts.manifest),
    // `Accept: text/event-stream`: a subscription over SSE, answered as a stream; 400/405/415/503.
    ...(parts.streams ? [parts.streams] : []),
    // Anonymous cache hits answered here; filled and cleared inside GraphQL.
    ...(parts.responseCache ? [responseCacheStage(parts.responseCache)] : []),
    // Each operation's document hash and fields, for the usage record the exit point makes; batches sent off the request path.
    ...(usage ? [usageStage(usage)] : []),
    // Parse, CSRF, validate, operation limits, plan, execute: Apollo Server over @apollo/gateway.
    graphql,
  ];
  for (const stage of stages) await stage.start?.(stages);
  const handlers = stages.flatMap((stage) => (stage.onRequest ?? []).map((handler) => entering(stage.name, handler)));
  return {
    stages,
    handlers,
    handler: inSequence(handlers),
    errorHandlers: stages.flatMap((stage) => (stage.onError ? [stage.onError] : [])),
    apollo: graphql.apollo(),
    usage,
    close: async () => {
      // Last stage first: GraphQL (Apollo Server) stops before what it may still use.
      for (const stage of [...stages].reverse()) await stage.close?.();
    },
  };
}

/** The recorder of usage records, sending to the usage subgraph named in the config. */
function usageRecorder(parts: PipelineParts, assertionKey: AssertionKey): UsageRecorder {
  const { config } = parts;
  return new UsageRecorder(
    config.usage,
    { url: () => parts.subgraphUrl(config.usage.subgraph), assertionKey },
    parts.metrics,
    parts.logger,
  );
}

/** The members' budgets, read again after each usage flush. */
function quotaBook(parts: PipelineParts, usage: UsageRecorder, assertionKey: AssertionKey): QuotaBook {
  const book = new QuotaBook({ url: () => parts.subgraphUrl(parts.config.usage.subgraph), assertionKey }, parts.logger);
  usage.listener = book;
  return book;
}

/** `handler`, noting in the request's record that `stage` is at work (a refusal names the stage that made it). */
function entering(stage: string, handler: RequestHandler): RequestHandler {
  return (req, res, next) => {
    recordOf(res).stage = stage;
    return handler(req, res, next);
  };
}

/**
 * Runs `handlers` one after the other as Express's router runs the handlers of one
 * `app.use(path, ...handlers)`, in one router layer instead of one layer each: the router
 * matches the path, and rewrites and restores `req.url`, for every layer it passes (2 % of the
 * gateway's CPU on scenario R for the nine handlers of `/graphql`). As in the router, `next()`
 * and `next('route')` go on to the next handler, `next(error)` and `next('router')` leave the
 * sequence for the router to handle, and a handler that throws or whose promise rejects passes
 * its error on.
 */
function inSequence(handlers: readonly RequestHandler[]): RequestHandler {
  return (req, res, done) => {
    let index = 0;
    const next = (error?: unknown): void => {
      if (error !== undefined && error !== null && error !== 'route') return done(error);
      const handler = handlers[index++];
      if (!handler) return done();
      try {
        const result: unknown = handler(req, res, next);
        if (result instanceof Promise)
          result.then(undefined, (reason: unknown) => next(reason || new Error('Rejected promise')));
      } catch (thrown) {
        next(thrown);
      }
    };
    next();
  };
}
