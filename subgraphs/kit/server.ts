import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph';
import express, { type NextFunction, type Request, type Response } from 'express';
import { BREAK, type DocumentNode, visit } from 'graphql';
import { createMutationRunner } from './audit/mutations';
import { type RequestInfo, type SubgraphContext, requestInfoFromHeaders } from './context';
import { asBackgroundWork, databaseAnswers, type Database } from './database';
import { ErrorCode, createErrorFormatter, writeError } from './errors';
import {
  ANONYMOUS,
  ASSERTION_HEADER,
  type AssertionAudience,
  AssertionError,
  AssertionVerifier,
  IDENTITY_AUDIENCE,
  type Identity,
  type SubgraphSecurity,
} from './identity';
import { answerClientErrorsAsJson } from './listener';
import type { Logger } from './logger';
import type { BuildEventsOptions, BuiltSubgraph, SubgraphDefinition } from './descriptor';
import { startEvents } from './events';
import { mountEventFeed } from './events/feed';
import { cacheControlPlugin } from './cache-control';
import { graphqlHandler } from './graphql-http';
import { hashQueriesOnce } from './query-hash';
import { DateScalar, DateTimeScalar } from './scalars';
import { serveSubscriptions } from './subscriptions';
import { traceRequest, traceStatements } from './tracing';

// Declared beside the assertion key; re-exported for the subgraphs that build on this module.
export type { SubgraphSecurity } from './identity';
// Tests and tools listen through the kit's server module; the gateway imports `listener.ts` itself.
export { listen } from './listener';

/** Node's response with the two methods {@link writeError} calls, as Express has them. */
function expressLike(res: http.ServerResponse): { status(code: number): { json(body: unknown): void } } {
  return {
    status: (code) => ({
      json: (body) => {
        const text = JSON.stringify(body);
        res.writeHead(code, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
      },
    }),
  };
}

/** Whether a schema puts `@cacheControl` on anything (declaring the directive alone does not count). */
function usesCacheControl(typeDefs: DocumentNode): boolean {
  let found = false;
  visit(typeDefs, {
    Directive(node) {
      if (node.name.value !== 'cacheControl') return undefined;
      found = true;
      return BREAK;
    },
  });
  return found;
}

/** Whether a request is for `/graphql` (the path traced; health probes and stats are not). */
function isGraphqlPath(url: string | undefined): boolean {
  return url === '/graphql' || (url?.startsWith('/graphql?') ?? false);
}

/** Custom scalars every subgraph declares through the shared SDL. */
const SCALAR_RESOLVERS = { Date: DateScalar, DateTime: DateTimeScalar };

/** Answers 401 in the GraphQL error shape, so clients and the gateway read it like any error. */
export function sendUnauthenticated(res: Response, message: string): void {
  writeError(res, 401, ErrorCode.UNAUTHENTICATED, message);
}

/**
 * Express middleware admitting only requests the gateway signed; the verified identity
 * goes to `res.locals.viewer`. Health endpoints are mounted before it and stay open.
 */
export function requireGatewayAssertion(security: SubgraphSecurity, audience?: AssertionAudience) {
  const identify = gatewayIdentifier(security, audience);
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const viewer = await identify(req.headers);
      if (!viewer) return sendUnauthenticated(res, NOT_FROM_GATEWAY);
      res.locals.viewer = viewer;
      next();
    } catch (error) {
      next(error);
    }
  };
}

const NOT_FROM_GATEWAY = 'this service accepts requests from the alliance gateway only';

/**
 * Who is calling, from a request's gateway assertion: the verified identity, anonymous for
 * an unsigned request where those are allowed (local development), or undefined for a caller
 * to refuse. One per mounted route: it remembers the assertions verified with this key and audience.
 */
function gatewayIdentifier(security: SubgraphSecurity, audience?: AssertionAudience) {
  const verifier = new AssertionVerifier(security.assertionKey, audience);
  return async (headers: http.IncomingHttpHeaders): Promise<Identity | undefined> => {
    const token = headers[ASSERTION_HEADER];
    if (typeof token !== 'string' || token === '') return security.allowUnsigned ? ANONYMOUS : undefined;
    try {
      return await verifier.verify(token);
    } catch (error) {
      if (error instanceof AssertionError) return undefined;
      throw error;
    }
  };
}

/**
 * Builds a subgraph: federated schema, Apollo server with masked errors,
 * and an Express app answering `/graphql` (gateway-signed requests only), `/healthz`
 * (alive) and `/readyz` (database answers).
 */
export async function buildSubgraph<Repos, Loaders>(
  definition: SubgraphDefinition<Repos, Loaders>,
  typeDefs: DocumentNode,
  database: Database,
  logger: Logger,
  security: SubgraphSecurity,
  eventOptions: BuildEventsOptions = {},
): Promise<BuiltSubgraph> {
  const app = express();
  app.disable('x-powered-by');
  // No ETag: Express would hash every response body for a validator the gateway never sends back.
  app.set('etag', false);
  const { dataSource } = database;
  const tracing = eventOptions.tracing;
  if (tracing) traceStatements(dataSource);

  const schema = buildSubgraphSchema([
    {
      typeDefs,
      resolvers: { ...SCALAR_RESOLVERS, ...definition.resolvers } as GraphQLResolverMap<unknown>,
    },
  ]);
  hashQueriesOnce();
  const apollo = new ApolloServer<SubgraphContext<Repos, Loaders>>({
    schema,
    // Subgraphs never show stack traces; the gateway is the public face.
    includeStacktraceInErrorResponses: false,
    formatError: createErrorFormatter((error) => logger.error({ err: error }, 'unexpected error in resolver')),
    // The process drains and stops itself on signals (./shutdown); Apollo's handler would kill it first.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // Federated traces are for Apollo Studio, which we do not use; they cost CPU per request.
      ApolloServerPluginInlineTraceDisabled(),
      // Cache hints are computed field by field (a few % of a subgraph's CPU). A subgraph that
      // hints nothing would only ever answer `cache-control: no-store`, and the gateway reads a
      // missing header the same way (max age 0: never cached), so it skips the work. One that
      // hints computes them with the kit's copy of Apollo's plugin: the same header, less work.
      ApolloServerPluginCacheControlDisabled(),
      ...(usesCacheControl(typeDefs) ? [cacheControlPlugin()] : []),
    ],
  });
  await apollo.start();

  const repos = definition.createRepositories(dataSource, security);
  const eventTypes = definition.events ?? [];
  const createContext = (info: Partial<RequestInfo> = {}): SubgraphContext<Repos, Loaders> => {
    const requestId = info.requestId ?? 'local';
    const viewer: Identity = info.viewer ?? ANONYMOUS;
    return {
      requestId,
      locale: info.locale ?? 'en',
      viewer,
      repos,
      loaders: definition.createLoaders(repos),
      mutate: createMutationRunner(dataSource, viewer, requestId, eventTypes),
    };
  };

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: definition.name });
  });
  app.get('/readyz', async (_req, res) => {
    const ready = await databaseAnswers(dataSource);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', service: definition.name });
  });
  // GraphQL requests served so far: the benchmark divides each subgraph's CPU time by them.
  let graphqlRequests = 0;
  // SQL statements sent so far: tests and the benchmark read it to prove statement counts
  // do not grow with page sizes. Internal callers only.
  app.get(
    '/internal/stats',
    requireGatewayAssertion({ ...security, allowUnsigned: false }, IDENTITY_AUDIENCE),
    (_req, res) => {
      res.json({
        service: definition.name,
        sqlStatements: database.queries.count,
        graphqlRequests,
        // Subscriptions that receive what is published now, and outbox rows pruned by this
        // process: operators and process tests read them (there is no other way in).
        subscriptionsReceiving: subscriptions?.receiving() ?? 0,
        outboxPruned: events?.relay.pruned ?? 0,
      });
    },
  );
  definition.routes?.(app, { repos, security, logger });
  // The outbox as a durable feed for consumers in other processes (the webhook dispatcher).
  if (eventTypes.length > 0) {
    mountEventFeed(app, {
      dataSource,
      subgraph: definition.name,
      logger,
      guard: requireGatewayAssertion({ ...security, allowUnsigned: false }, IDENTITY_AUDIENCE),
    });
  }
  const identify = gatewayIdentifier(security);
  const graphql = graphqlHandler({
    apollo,
    identify: async (req, res) => {
      const viewer = await identify(req.headers);
      if (!viewer) writeError(expressLike(res), 401, ErrorCode.UNAUTHENTICATED, NOT_FROM_GATEWAY);
      return viewer;
    },
    context: (req, viewer) => createContext(requestInfoFromHeaders(req.headers, viewer)),
    logger,
  });
  // Gateway requests to /graphql take the direct path (./graphql-http); Express serves the rest.
  const serve = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (graphql(req, res)) graphqlRequests += 1;
    else app(req, res);
  };
  // Traced: each /graphql request in a span of its own, continuing the gateway's trace (kit/tracing.ts).
  const httpServer = http.createServer(
    tracing
      ? (req, res) =>
          isGraphqlPath(req.url) ? traceRequest(tracing, req, res, () => serve(req, res)) : serve(req, res)
      : serve,
  );
  answerClientErrorsAsJson(httpServer, logger);
  // Requests the direct path does not take (GET, other bodies) go through Express as before.
  app.use(
    '/graphql',
    (_req: Request, _res: Response, next: NextFunction) => {
      graphqlRequests += 1;
      next();
    },
    requireGatewayAssertion(security),
    // The gateway bounds client bodies (MAX_BODY_BYTES, 2 MB by default); subgraph requests
    // carry the same operation plus entity representations, so allow somewhat more.
    express.json({ limit: '4mb' }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) =>
        createContext(requestInfoFromHeaders(req.headers, (res.locals.viewer as Identity | undefined) ?? ANONYMOUS)),
    }),
  );
  // Last, so that nothing above can fail and leave a relay running.
  const events =
    eventTypes.length > 0 ? startEvents({ dataSource, subgraph: definition.name, logger, ...eventOptions }) : null;
  // graphql-ws on the same server and path, fed by the relay's transport (./subscriptions).
  const subscriptions =
    events && schema.getSubscriptionType()
      ? serveSubscriptions({
          httpServer,
          schema,
          security,
          logger,
          transport: events.transport,
          config: eventOptions.config,
          createContext,
          createLoaders: () => definition.createLoaders(repos),
        })
      : null;
  // Background work of the subgraph (the webhook dispatcher), only where the caller asks for it.
  const startBackground = definition.background;
  const backgroundOptions = eventOptions.background;
  const background =
    startBackground && backgroundOptions
      ? await asBackgroundWork(() =>
          startBackground({
            dataSource,
            repos,
            logger,
            security,
            transport: events?.transport ?? null,
            ...backgroundOptions,
          }),
        )
      : null;
  return {
    httpServer,
    executeOperation: (request, info) => apollo.executeOperation(request, { contextValue: createContext(info) }),
    events,
    goingAway: () => subscriptions?.goingAway(),
    receiving: () => subscriptions?.receiving() ?? 0,
    stop: async () => {
      await background?.stop();
      await subscriptions?.close();
      await apollo.stop();
      // After Apollo: mutations still finishing commit their events, and the relay's last round publishes them.
      await events?.stop();
    },
  };
}
