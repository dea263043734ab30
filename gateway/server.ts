import { randomUUID } from 'node:crypto';
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
import { createErrorFormatter } from '../subgraphs/kit/errors';
import type { Logger } from '../subgraphs/kit/logger';
import type { GatewayConfig } from './config';
import { FileSupergraphManager } from './supergraph';

/** What the gateway knows about the client request while it plans and fetches. */
export interface GatewayContext {
  requestId: string;
  acceptLanguage: string | undefined;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Forwards to each subgraph only what it may trust from the client: the language and
 * the request id. Every other client header stays at the gateway.
 */
class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers || !('requestId' in context)) return;
    headers.set('x-request-id', context.requestId);
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
  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const sent = req.headers['x-request-id'];
        const language = req.headers['accept-language'];
        return {
          requestId: typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID(),
          acceptLanguage: typeof language === 'string' ? language.slice(0, 256) : undefined,
        };
      },
    }),
  );
  return { apollo, httpServer, subgraphs };
}
