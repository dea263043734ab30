import http from 'node:http';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginUsageReportingDisabled,
  ApolloServerPluginSchemaReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { GraphQLError } from 'graphql';
import { requestIdFrom } from '../subgraphs/kit/context';
import { ASSERTION_HEADER, type Identity, signAssertion } from '../subgraphs/kit/identity';
import { Authenticator } from './auth';
import { createErrorFormatter } from '../subgraphs/kit/errors';
import type { Logger } from '../subgraphs/kit/logger';
import type { GatewayConfig } from './config';
import { FileSupergraphManager } from './supergraph';

/** The largest request body the gateway reads; larger ones get 413 with a coded error. */
const REQUEST_BODY_LIMIT = '1mb';

/** What the gateway knows about the client request while it plans and fetches. */
export interface GatewayContext {
  requestId: string;
  acceptLanguage: string | undefined;
  identity: Identity;
  /** The signed identity assertion sent to every subgraph this request reaches. */
  assertion: string;
}

/**
 * Sends each subgraph the gateway's signed identity assertion, the request id and the
 * language. Requests to subgraphs are built from scratch, so no other client header
 * (forged identity or trust headers included) ever reaches a subgraph.
 */
class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers || !('requestId' in context)) return;
    headers.set('x-request-id', context.requestId);
    headers.set(ASSERTION_HEADER, context.assertion);
    if (context.acceptLanguage) headers.set('accept-language', context.acceptLanguage);
  }
}

/** A subgraph the gateway routes to, as named in the supergraph. */
export interface SubgraphEndpoint {
  name: string;
  url: string;
}

/** A built (not listening) gateway. */
export interface BuiltGateway {
  apollo: ApolloServer<GatewayContext>;
  httpServer: http.Server;
  subgraphs: Map<string, SubgraphEndpoint>;
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
 * Builds the gateway over the configured supergraph file: `/graphql`, `/healthz`
 * (alive) and `/readyz` (supergraph loaded, with each subgraph's readiness). It serves
 * any valid Federation 2 supergraph; subgraph URLs come from the supergraph unless
 * overridden by `SUBGRAPH_<NAME>_URL`.
 */
export async function buildGateway(config: GatewayConfig, logger: Logger): Promise<BuiltGateway> {
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  const subgraphs = new Map<string, SubgraphEndpoint>();

  const gateway = new ApolloGateway({
    supergraphSdl: new FileSupergraphManager(config.supergraphPath, logger),
    buildService: ({ name, url }) => {
      const target = config.subgraphUrls[name.toLowerCase()] ?? url;
      if (!target) throw new Error(`subgraph ${name} has no URL: set SUBGRAPH_${name.toUpperCase()}_URL`);
      subgraphs.set(name, { name, url: target });
      return new SubgraphDataSource({ url: target });
    },
    logger,
  });

  const formatGatewayError = createErrorFormatter((error) => logger.error({ err: error }, 'unexpected gateway error'));
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    formatError: (formatted, error) => {
      // Subgraph names are internal topology: clients see the graph, not its parts.
      const { serviceName: _serviceName, ...extensions } = formatted.extensions ?? {};
      return formatGatewayError({ ...formatted, extensions }, error);
    },
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      ...(config.nodeEnv === 'production' ? [ApolloServerPluginLandingPageDisabled()] : []),
    ],
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: 'gateway' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = await Promise.all(
      [...subgraphs.values()].map(async ({ name, url }) => [name, (await probe(url)) ? 'ready' : 'unavailable']),
    );
    const report = Object.fromEntries(checks) as Record<string, string>;
    const ready = checks.length > 0 && checks.every(([, state]) => state === 'ready');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'degraded', subgraphs: report });
  });
  const authenticator = new Authenticator(config, () => subgraphs.get(config.identitySubgraph)?.url, logger);

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
      res
        .status(status)
        .json({ errors: [{ message: graphQLError.message, extensions: { code: graphQLError.extensions?.code } }] });
    }
  });
  app.use(
    '/graphql',
    express.json({ limit: REQUEST_BODY_LIMIT }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const identity = await authenticator.authenticate(req.headers.authorization);
        const language = req.headers['accept-language'];
        return {
          requestId: requestIdFrom(req.headers),
          acceptLanguage: typeof language === 'string' ? language.slice(0, 256) : undefined,
          identity,
          assertion: await signAssertion(identity, config.assertionSecret),
        };
      },
    }),
  );
  // Bodies over the limit are refused before GraphQL runs; answer in the GraphQL error shape
  // (not Express's HTML page, which would carry a stack trace) so clients read a code.
  app.use((error: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if ((error as { type?: unknown } | null)?.type !== 'entity.too.large') return next(error);
    res.status(413).json({
      errors: [
        {
          message: `request body is larger than the ${REQUEST_BODY_LIMIT} limit: send less (content bodies, for one, are at most 16,000 characters)`,
          extensions: { code: 'BAD_USER_INPUT' },
        },
      ],
    });
  });
  return { apollo, httpServer, subgraphs };
}
