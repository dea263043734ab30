import type { GatewayInterface } from '@apollo/server-gateway-interface';
import {
  ApolloServer,
  type ApolloServerPlugin,
  type BaseContext,
  type ContextFunction,
  HeaderMap,
} from '@apollo/server';
import {
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { Request, RequestHandler, Response } from 'express';
import { parse as parseUrl } from 'node:url';
import type { DocumentNode, GraphQLFormattedError } from 'graphql';
import { createErrorFormatter } from '../../subgraphs/kit/errors';
import type { Logger } from '../../subgraphs/kit/logger';
import type { AssertionCache } from '../assertions';
import type { GatewayConfig } from '../config';
import { type GatewayContext, SUBGRAPH_UNAVAILABLE } from '../datasource';
import { incrementalDeliveryPlugin } from '../incremental';
import { RESPONSE_VALIDATION_FAILED } from '../execution/shape';
import { operationLimitsPlugin } from '../limits';
import type { GatewayStage } from '../stage';
import { directExecution } from './direct';
import { enterRequestScope, noteFormattedError, recordOf } from './response';

/** Codes whose errors may pass from subgraphs to clients unchanged. */
const GATEWAY_CLIENT_CODES = new Set([
  SUBGRAPH_UNAVAILABLE,
  'OPERATION_LIMIT_EXCEEDED',
  'OPERATION_NOT_SUPPORTED',
  'RATE_LIMITED',
  // A subgraph's data broke the API schema (result shaping of either executor): the message names
  // only the field the client selected, the path says where.
  RESPONSE_VALIDATION_FAILED,
]);

/** What the GraphQL stage is built from. */
export interface GraphQLStageOptions {
  config: Pick<GatewayConfig, 'introspection' | 'nodeEnv' | 'limits'> & Partial<Pick<GatewayConfig, 'executor'>>;
  logger: Logger;
  /** `@apollo/gateway` over the supergraph: plans and fetches (subgraph hooks in `datasource.ts`). */
  gateway: GatewayInterface;
  /** The parsed-and-validated document cache. */
  documents: KeyValueCache<DocumentNode>;
  /** Where automatic persisted queries are kept (Redis); Apollo's in-memory default when absent. */
  apqCache: KeyValueCache<string> | undefined;
  assertions: AssertionCache;
}

/**
 * GraphQL: Apollo Server over `@apollo/gateway`. Parses (a token limit: 400
 * `GRAPHQL_PARSE_FAILED`), prevents CSRF (400), validates (400 `GRAPHQL_VALIDATION_FAILED`),
 * resolves the operation and checks the operation limits (`limits.ts`: 400
 * `OPERATION_LIMIT_EXCEEDED`, `OPERATION_RESOLUTION_FAILURE`, `OPERATION_NOT_SUPPORTED`), plans,
 * and executes against the subgraphs (`datasource.ts`: `SUBGRAPH_UNAVAILABLE` at the
 * affected paths); `@defer` (our executor only) answers `multipart/mixed` parts (`incremental.ts`,
 * 406 `BAD_REQUEST` for a client that does not accept them). Errors are formatted here: internal ones masked, subgraph names and (in
 * production) suggestions removed, the request id added. The other stages' plugins join
 * Apollo Server when the pipeline starts. With `GATEWAY_EXECUTOR=ours`, a POST of a document
 * Apollo Server has already validated is answered the same way without its request pipeline
 * (`direct.ts`); everything else goes through Apollo Server.
 */
export function graphqlStage(
  options: GraphQLStageOptions,
): GatewayStage & { apollo: () => ApolloServer<GatewayContext> } {
  const { config, logger } = options;
  const production = config.nodeEnv === 'production';
  const maskInternal = createErrorFormatter((error) => logger.error({ err: error }, 'unexpected gateway error'));
  let apollo: ApolloServer<GatewayContext> | undefined;
  let serve: RequestHandler | undefined;
  // The gateway's own handling of common requests (`direct.ts`), with GATEWAY_EXECUTOR=ours.
  let direct: RequestHandler | undefined;

  const formatError = (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    // Subgraph names are internal topology: clients see the graph, not its parts.
    const { serviceName, ...extensions } = formatted.extensions ?? {};
    const code = extensions.code as string | undefined;
    let result: GraphQLFormattedError = { ...formatted, extensions };
    // Result shaping's code is the gateway's own: a subgraph error claiming it is masked as any other.
    const borrowed = code === RESPONSE_VALIDATION_FAILED && serviceName !== undefined;
    if (!code || !GATEWAY_CLIENT_CODES.has(code) || borrowed) result = maskInternal(result, error);
    // Suggestions reveal schema that introspection may be hiding.
    if (production) result = { ...result, message: result.message.replace(/ ?Did you mean .*\?$/, '') };
    return noteFormattedError(result);
  };

  return {
    name: 'graphql',
    apollo: () => {
      if (!apollo) throw new Error('the GraphQL stage has not started');
      return apollo;
    },
    start: async (stages) => {
      const fromStages = stages.flatMap((stage) => stage.plugins ?? []);
      const plugins: Array<ApolloServerPlugin<GatewayContext>> = [
        ApolloServerPluginUsageReportingDisabled(),
        ApolloServerPluginSchemaReportingDisabled(),
        operationLimitsPlugin<GatewayContext>(config.limits),
        // Before the stages' plugins: their willSendResponse sees the body once it is incremental.
        incrementalDeliveryPlugin<GatewayContext>(formatError),
        ...fromStages,
        // Apollo's landing page loads from a CDN; development gets the offline explorer instead.
        ApolloServerPluginLandingPageDisabled(),
      ];
      // Apollo Server adds its implicit plugins to the array it is given: the direct path runs these only.
      const given = [...plugins];
      apollo = new ApolloServer<GatewayContext>({
        gateway: options.gateway,
        introspection: config.introspection,
        includeStacktraceInErrorResponses: false,
        allowBatchedHttpRequests: false,
        csrfPrevention: true,
        // Variable coercion errors answer 400: the default in Apollo Server 5 (status400ForVariableCoercionErrors).
        // graphql-js's own token limit stops huge documents while parsing, before any recursion.
        parseOptions: { maxTokens: config.limits.maxTokens },
        documentStore: options.documents,
        ...(options.apqCache ? { persistedQueries: { cache: options.apqCache, ttl: 86_400 } } : {}),
        formatError,
        // The process drains and stops itself on signals (subgraphs/kit/shutdown); Apollo's handler would kill it first.
        stopOnTerminationSignals: false,
        plugins: given,
      });
      await apollo.start();
      const context = async (res: Response): Promise<GatewayContext> => {
        const { requestId, identity } = recordOf(res);
        const language = res.req.headers['accept-language'];
        if (!identity) throw new Error('the identity stage did not run');
        return {
          requestId,
          acceptLanguage: typeof language === 'string' ? language.slice(0, 256) : undefined,
          identity,
          assertion: await options.assertions.get(identity),
        };
      };
      serve = apolloHandler(apollo, { context: async ({ res }) => context(res) });
      // Common requests skip Apollo Server's request pipeline (`direct.ts`) with the gateway's own
      // executor, the only one that path runs.
      if (config.executor === 'ours')
        direct = directExecution({
          apollo,
          plugins,
          formatError,
          context: async (_req, res) => context(res),
          write: writeComplete,
          logger,
        });
    },
    onRequest: [
      enterRequestScope,
      (req, res, next) => {
        if (!serve) return next(new Error('the GraphQL stage has not started'));
        if (!direct) return serve(req, res, next);
        // What the direct path leaves goes to Apollo Server, as it came.
        return direct(req, res, (error?: unknown) => (error ? next(error) : serve!(req, res, next)));
      },
    ],
    close: async () => {
      await apollo?.stop();
    },
  };
}

/**
 * Writes a complete answer (of Apollo Server, or of the direct path) with its status and headers.
 * A POST answered as JSON is written with `res.end` (head and body in one socket write) instead of
 * Express's `res.send`, which copies the body into a Buffer, parses the content type again and
 * checks freshness (for GET only); whatever else (GET, HEAD, another content type or status) goes
 * through `res.send`.
 */
function writeComplete(req: Request, res: Response, status: number, headers: HeaderMap, body: string): void {
  for (const [key, value] of headers) res.setHeader(key, value);
  res.statusCode = status;
  const type = res.getHeader('content-type');
  const plain = res.statusCode !== 204 && res.statusCode !== 205 && res.statusCode !== 304;
  if (req.method === 'POST' && plain && typeof type === 'string' && SENT_AS_IS.has(type)) {
    // As Express writes them (its header names, a string length), so that the head is the same.
    res.setHeader('Content-Type', type);
    res.setHeader('Content-Length', String(Buffer.byteLength(body, 'utf8')));
    res.end(body, 'utf8');
  } else res.send(body);
}

/** Content types Express's `res.send` would write back unchanged (it only ensures `charset=utf-8`). */
const SENT_AS_IS = new Set(['application/json; charset=utf-8', 'application/graphql-response+json; charset=utf-8']);

/**
 * Apollo Server's Express 5 integration (`@as-integrations/express5`'s `expressMiddleware` 1.1),
 * with the same request and response, written for the gateway's common case: a POST answered
 * whole is written with `res.end` (head and body in one socket write) instead of Express's
 * `res.send`, which copies the body into a Buffer, parses the content type again and checks
 * freshness (for GET only). Whatever that case does not cover (GET, HEAD, another content type
 * or status) goes through `res.send` as before. The query string is parsed only when there is one.
 */
function apolloHandler<TContext extends BaseContext>(
  server: ApolloServer<TContext>,
  options: { context: ContextFunction<[{ req: Request; res: Response }], TContext> },
): RequestHandler {
  return async (req, res) => {
    if (!('body' in req)) {
      res.status(500);
      res.send(
        '`req.body` is not set; this probably means you forgot to set up the `json` middleware before the Apollo Server middleware.',
      );
      return;
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: req.method.toUpperCase(),
        headers,
        // url.parse gives no search (null) for a URL without `?`.
        search: req.url.includes('?') ? (parseUrl(req.url).search ?? '') : '',
        body: req.body as unknown,
      },
      context: () => options.context({ req, res }),
    });
    if (response.body.kind === 'complete') {
      writeComplete(req, res, response.status || 200, response.headers, response.body.string);
      return;
    }
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status || 200;
    for await (const chunk of response.body.asyncIterator) {
      res.write(chunk);
      const flushable = res as Response & { flush?: () => void };
      if (typeof flushable.flush === 'function') flushable.flush();
    }
    res.end();
  };
}
