import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import express from 'express';
import type { DocumentNode } from 'graphql';
import type { DataSource } from 'typeorm';
import { type RequestInfo, type SubgraphContext, requestInfoFromHeaders } from './context';
import { databaseAnswers, type Database } from './database';
import { createErrorFormatter } from './errors';
import type { Logger } from './logger';
import { DateScalar, DateTimeScalar } from './scalars';

/** What a subgraph contributes; the kit adds HTTP, health, errors and shutdown. */
export interface SubgraphDefinition<Repos, Loaders> {
  name: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<SubgraphContext<Repos, Loaders>>;
  /** The subgraph's repositories, made once per process. */
  createRepositories: (dataSource: DataSource) => Repos;
  /** Fresh loaders for one request: DataLoader caches must never outlive it. */
  createLoaders: (repos: Repos) => Loaders;
}

/** A built (not listening) subgraph: the Apollo server and the HTTP server around it. */
export interface BuiltSubgraph<Repos, Loaders> {
  apollo: ApolloServer<SubgraphContext<Repos, Loaders>>;
  httpServer: http.Server;
  /** Builds a context as the HTTP layer would; tests pass it to `executeOperation`. */
  createContext: (info?: Partial<RequestInfo>) => SubgraphContext<Repos, Loaders>;
}

/** Custom scalars every subgraph may declare in its SDL. */
const SCALAR_RESOLVERS = { Date: DateScalar, DateTime: DateTimeScalar };

/**
 * Builds a subgraph: federated schema, Apollo server with masked errors and drain-on-stop,
 * and an Express app answering `/graphql`, `/healthz` (alive) and `/readyz` (database answers).
 */
export async function buildSubgraph<Repos, Loaders>(
  definition: SubgraphDefinition<Repos, Loaders>,
  database: Database,
  logger: Logger,
): Promise<BuiltSubgraph<Repos, Loaders>> {
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  const { dataSource } = database;

  const schema = buildSubgraphSchema({
    typeDefs: definition.typeDefs,
    resolvers: { ...SCALAR_RESOLVERS, ...definition.resolvers } as GraphQLResolverMap<unknown>,
  });
  const apollo = new ApolloServer<SubgraphContext<Repos, Loaders>>({
    schema,
    // Subgraphs never show stack traces; the gateway is the public face.
    includeStacktraceInErrorResponses: false,
    formatError: createErrorFormatter((error) => logger.error({ err: error }, 'unexpected error in resolver')),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // Federated traces are for Apollo Studio, which we do not use; they cost CPU per request.
      ApolloServerPluginInlineTraceDisabled(),
    ],
  });
  await apollo.start();

  const repos = definition.createRepositories(dataSource);
  const createContext = (info: Partial<RequestInfo> = {}): SubgraphContext<Repos, Loaders> => ({
    requestId: info.requestId ?? 'local',
    locale: info.locale ?? 'en',
    repos,
    loaders: definition.createLoaders(repos),
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: definition.name });
  });
  app.get('/readyz', async (_req, res) => {
    const ready = await databaseAnswers(dataSource);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', service: definition.name });
  });
  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => createContext(requestInfoFromHeaders(req.headers)),
    }),
  );
  return { apollo, httpServer, createContext };
}

/** Starts listening; resolves with the bound port (useful when asked for port 0). */
export function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
