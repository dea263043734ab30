/**
 * Subscriptions through the gateway: clients speak the `graphql-ws` protocol over WebSocket at
 * `/graphql` on the gateway's public listener (HTTP POST answers subscriptions with
 * `OPERATION_NOT_SUPPORTED`, pointing here).
 *
 * - A connection is authenticated once, when it opens, by the HTTP path's {@link Authenticator}:
 *   `connectionParams.authorization` ("Bearer <key or token>"), else the upgrade request's
 *   `Authorization` header; none is anonymous; a refused credential closes with 4401.
 * - Each subscription is parsed, validated against the API schema and held to the operation
 *   limits (`limits.ts`) as a query is, then planned by the configured planner. The plan's primary
 *   fetch is opened on the owning subgraph over `graphql-ws` (one upstream connection per subgraph
 *   and client connection, carrying the client's signed identity assertion, so the subgraph
 *   authorizes each event for that identity); each event then runs the plan's `rest` with the
 *   gateway's executor (fields of other subgraphs, batched as in a query) and is shaped as a
 *   query's result.
 * - Completion goes both ways: a client's `complete` (or its socket closing) completes the
 *   subgraph's subscription; a subgraph that ends the subscription completes the client's, and
 *   one that goes away ends it with a `SUBGRAPH_UNAVAILABLE` error, so the client resubscribes.
 */
import type http from 'node:http';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import {
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  GraphQLError,
  type GraphQLFormattedError,
  getOperationAST,
  parse,
  validate,
} from 'graphql';
import { type Client, CloseCode, type Context, createClient } from 'graphql-ws';
import { type Extra, useServer } from 'graphql-ws/use/ws';
import WebSocket from 'ws';
import { requestIdFrom } from '../../subgraphs/kit/context';
import { createErrorFormatter } from '../../subgraphs/kit/errors';
import { ASSERTION_HEADER, type Identity } from '../../subgraphs/kit/identity';
import type { Logger } from '../../subgraphs/kit/logger';
import { TOO_MANY_SUBSCRIPTIONS } from '../../subgraphs/kit/subscriptions';
import { serveWebSockets } from '../../subgraphs/kit/websocket';
import type { AssertionCache } from '../assertions';
import type { Authenticator } from '../auth';
import type { GatewayConfig } from '../config';
import type { GatewayMetrics } from '../metrics';
import { type GatewayContext, SUBGRAPH_UNAVAILABLE } from '../datasource';
import {
  OPERATION_NOT_SUPPORTED,
  type ExecutablePlan,
  type LoadedSupergraph,
  type PreparedOperation,
  RESPONSE_VALIDATION_FAILED,
  type SubscriptionEvent,
  type SubscriptionNode,
  executeSubscriptionEvent,
  prepare,
} from '../execution';
import type { SubgraphDataSource } from '../datasource';
import { checkOperationLimits } from '../limits';

/** The close code of a refused credential (graphql-ws's `Unauthorized`). */
const UNAUTHORIZED = CloseCode.Unauthorized;
/** The close code of a server that cannot check credentials now (RFC 6455: try again later). */
const TRY_AGAIN_LATER = 1013;
/** Longest close reason a WebSocket frame carries (RFC 6455: 123 bytes). */
const MAX_REASON_BYTES = 123;

/**
 * Codes the gateway's own errors carry that clients may read (as stages/graphql.ts lets through
 * on the HTTP path); the kit's client codes pass as well, every other error is masked.
 */
const GATEWAY_CLIENT_CODES = new Set([
  SUBGRAPH_UNAVAILABLE,
  'OPERATION_LIMIT_EXCEEDED',
  OPERATION_NOT_SUPPORTED,
  RESPONSE_VALIDATION_FAILED,
  TOO_MANY_SUBSCRIPTIONS,
  'SERVICE_UNAVAILABLE',
]);

/** What {@link serveGatewaySubscriptions} needs from the gateway's build. */
export interface GatewaySubscriptionOptions {
  httpServer: http.Server;
  config: Pick<GatewayConfig, 'executor' | 'limits' | 'subscriptionsPerConnection' | 'nodeEnv' | 'maxBodyBytes'>;
  logger: Logger;
  metrics: GatewayMetrics;
  authenticator: Authenticator;
  assertions: AssertionCache;
  /** The supergraph our executor runs now (undefined before the first load, or with Apollo's executor). */
  supergraph: () => LoadedSupergraph | undefined;
  /** Each subgraph's HTTP URL, by its name in the supergraph; its WebSocket is the same URL. */
  subgraphUrl: (name: string) => string | undefined;
  /** The subgraphs' HTTP clients, for the fetches of each event's `rest`. */
  dataSources: (name: string) => SubgraphDataSource | undefined;
}

/** The gateway's subscription endpoint. */
export interface GatewaySubscriptions {
  /** Closes every client connection with 1001 (going away) and refuses new ones: the first step of a drain. */
  goingAway: () => void;
  /** {@link goingAway}, then waits until the connections and their upstream clients are closed. */
  close: () => Promise<void>;
}

/** What the server keeps on each client connection once it is acknowledged. */
interface ConnectionState extends Record<PropertyKey, unknown> {
  identity: Identity;
  requestId: string;
  acceptLanguage: string | undefined;
  /** Ids of the subscriptions running on it. */
  running: Set<string>;
  /** One graphql-ws client per subgraph this connection subscribes on, opened on first use. */
  upstream: Map<string, Client>;
}

type ConnectionContext = Context<Record<string, unknown> | undefined, Extra & Partial<ConnectionState>>;

/** One subscription, prepared in `onSubscribe` and run by the server's `subscribe`. */
interface PreparedSubscription {
  node: SubscriptionNode;
  loaded: LoadedSupergraph;
  prepared: PreparedOperation;
  /** The client's variables as sent (fetches send those they use) and as coerced (conditions, shaping). */
  sentVariables: Record<string, unknown>;
  variables: Record<string, unknown>;
  state: ConnectionState;
}

/** A value of `connectionParams`, else of the upgrade request's headers. */
function sent(ctx: ConnectionContext, param: string, header: string): string | undefined {
  const value = ctx.connectionParams?.[param];
  if (typeof value === 'string' && value !== '') return value;
  const fromHeader = ctx.extra.request.headers[header];
  return typeof fromHeader === 'string' && fromHeader !== '' ? fromHeader : undefined;
}

/** A close reason cut to what a close frame carries. */
function reason(text: string): string {
  let cut = text;
  while (Buffer.byteLength(cut) > MAX_REASON_BYTES) cut = cut.slice(0, -1);
  return cut;
}

function coded(message: string, code: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

/**
 * Serves subscriptions at `/graphql` on the gateway's public listener (see the module comment).
 * Upgrades to other paths answer 404, upgrades during a drain 503, both as coded JSON.
 */
export function serveGatewaySubscriptions(options: GatewaySubscriptionOptions): GatewaySubscriptions {
  const { httpServer, config, logger, metrics, authenticator, assertions } = options;
  const limit = config.subscriptionsPerConnection;
  const production = config.nodeEnv === 'production';
  const maskInternal = createErrorFormatter((error) => logger.error({ err: error }, 'unexpected subscription error'));
  /** As the HTTP path formats errors: subgraph names removed, internal errors masked. */
  const formatOne = (error: GraphQLError): GraphQLFormattedError => {
    // An error thrown inside the event stream reaches here wrapped by graphql-ws, its code in the original.
    const original = error.originalError instanceof GraphQLError ? error.originalError : error;
    const { serviceName, ...extensions } = original.toJSON().extensions ?? {};
    const code = extensions.code as string | undefined;
    let result: GraphQLFormattedError = { ...original.toJSON(), extensions };
    const borrowed = code === RESPONSE_VALIDATION_FAILED && serviceName !== undefined;
    if (!code || borrowed || !GATEWAY_CLIENT_CODES.has(code)) result = maskInternal(result, original);
    if (production) result = { ...result, message: result.message.replace(/ ?Did you mean .*\?$/, '') };
    return result;
  };
  const format = (errors: readonly GraphQLError[]): GraphQLFormattedError[] => errors.map(formatOne);
  const formatResult = (result: ExecutionResult): FormattedExecutionResult =>
    result.errors ? { ...result, errors: format(result.errors) } : (result as FormattedExecutionResult);

  // Messages as large as the HTTP path's bodies (`MAX_BODY_BYTES`), not `ws`'s 100 MiB default.
  const endpoint = serveWebSockets({
    httpServer,
    service: 'gateway',
    maxPayload: config.maxBodyBytes,
    onOpen: () => metrics.websocketConnections.inc(),
  });

  /** The connection's client of `subgraph`, opened with the connection's identity on first use. */
  const upstreamOf = (state: ConnectionState, subgraph: string): Client => {
    let client = state.upstream.get(subgraph);
    if (client) return client;
    const url = options.subgraphUrl(subgraph);
    if (!url) throw coded('part of the graph is not available for subscriptions', SUBGRAPH_UNAVAILABLE);
    client = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      // A fresh assertion each time the connection opens: the subgraph checks it then.
      connectionParams: async () => ({
        [ASSERTION_HEADER]: await assertions.get(state.identity),
        'x-request-id': state.requestId,
        ...(state.acceptLanguage ? { 'accept-language': state.acceptLanguage } : {}),
      }),
      // No silent reconnection: events published while away would be missed; the client is told
      // (SUBGRAPH_UNAVAILABLE) and resubscribes.
      retryAttempts: 0,
      lazyCloseTimeout: 0,
    });
    state.upstream.set(subgraph, client);
    return client;
  };

  /** The events of one prepared subscription, completed and shaped for the client. */
  const run = (subscription: PreparedSubscription): AsyncIterableIterator<ExecutionResult> => {
    const { node, loaded, prepared, state } = subscription;
    const upstream = upstreamOf(state, node.primary.serviceName).iterate<Record<string, unknown>>({
      query: node.primary.operation,
      variables: Object.fromEntries(
        (node.primary.variableUsages ?? [])
          .filter((name) => subscription.sentVariables[name] !== undefined)
          .map((name) => [name, subscription.sentVariables[name]]),
      ),
      ...(node.primary.operationName ? { operationName: node.primary.operationName } : {}),
    });
    const environment = { ...loaded, dataSources: options.dataSources };
    async function* events(): AsyncGenerator<ExecutionResult, void, undefined> {
      try {
        for await (const event of upstream) {
          const context: GatewayContext = {
            requestId: state.requestId,
            acceptLanguage: state.acceptLanguage,
            identity: state.identity,
            assertion: await assertions.get(state.identity),
          };
          // The executor reads only the request's variables and the context of a request
          // (fetch.ts `fetchTarget`, `send`); a subscription event has no Apollo request.
          const requestContext = {
            request: { variables: subscription.sentVariables },
            context,
          } as unknown as GatewayGraphQLRequestContext;
          const result = await executeSubscriptionEvent(
            node,
            event as SubscriptionEvent,
            environment,
            requestContext,
            subscription.variables,
            prepared.operation,
            prepared.fragments,
            prepared.shaper,
          );
          yield result as ExecutionResult;
        }
      } catch (error) {
        const errors = upstreamFailure(error);
        if (errors[0]?.extensions.code === SUBGRAPH_UNAVAILABLE) {
          logger.warn(
            { subgraph: node.primary.serviceName, requestId: state.requestId, err: error },
            'subscription to a subgraph failed',
          );
        }
        yield { errors };
      }
    }
    const generator = events();
    return {
      next: () => generator.next(),
      // A generator waiting for the subgraph's next event would only see `return` after that
      // event: completing the upstream subscription first ends the wait now.
      return: async () => {
        await upstream.return?.();
        return generator.return(undefined);
      },
      throw: async (error: unknown) => {
        await upstream.return?.();
        return generator.throw(error);
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  };

  const server = useServer<Record<string, unknown> | undefined, ConnectionState>(
    {
      onConnect: async (ctx: ConnectionContext) => {
        const request = ctx.extra.request;
        const language = request.headers['accept-language'];
        ctx.extra.running = new Set();
        ctx.extra.upstream = new Map();
        ctx.extra.requestId = requestIdFrom(request.headers);
        ctx.extra.acceptLanguage = typeof language === 'string' ? language.slice(0, 256) : undefined;
        try {
          ctx.extra.identity = await authenticator.authenticate(sent(ctx, 'authorization', 'authorization'));
          return true;
        } catch (error) {
          const code = error instanceof GraphQLError ? error.extensions.code : undefined;
          const message = error instanceof Error ? error.message : 'authentication failed';
          // 4401 for a refused credential (graphql-ws's own close after `false` would say 4403).
          if (code === 'UNAUTHENTICATED') ctx.extra.socket.close(UNAUTHORIZED, reason(`Unauthorized: ${message}`));
          else ctx.extra.socket.close(TRY_AGAIN_LATER, reason(message));
          return false;
        }
      },
      onSubscribe: (ctx: ConnectionContext, id, payload): ExecutionArgs | readonly GraphQLError[] => {
        // graphql-ws runs onSubscribe only on acknowledged connections: onConnect has set the state.
        const state = ctx.extra as unknown as ConnectionState;
        if (config.executor !== 'ours') {
          return [
            coded(
              "subscriptions need the gateway's own executor: this gateway runs Apollo's (GATEWAY_EXECUTOR=apollo)",
              OPERATION_NOT_SUPPORTED,
            ),
          ];
        }
        const loaded = options.supergraph();
        if (!loaded) return [coded('the gateway has not loaded its supergraph yet', 'SERVICE_UNAVAILABLE')];
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: config.limits.maxTokens });
        } catch (error) {
          return [withCode(error as GraphQLError, 'GRAPHQL_PARSE_FAILED')];
        }
        const invalid = validate(loaded.apiSchema, document);
        if (invalid.length > 0) return invalid.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED'));
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) {
          return [
            coded(
              payload.operationName
                ? `unknown operation named "${payload.operationName}": operationName must name an operation in the document`
                : 'the document holds several operations: send operationName to choose one',
              'OPERATION_RESOLUTION_FAILURE',
            ),
          ];
        }
        if (operation.operation !== 'subscription') {
          return [
            coded(
              `this WebSocket serves subscriptions: send ${operation.operation === 'query' ? 'queries' : 'mutations'} as HTTP POST /graphql`,
              OPERATION_NOT_SUPPORTED,
            ),
          ];
        }
        const sentVariables = payload.variables ?? {};
        let variables: Record<string, unknown>;
        try {
          variables = checkOperationLimits(loaded.apiSchema, document, operation, sentVariables, config.limits);
        } catch (error) {
          if (error instanceof GraphQLError) return [withoutHttp(error)];
          throw error;
        }
        if (state.running.size >= limit) {
          return [
            coded(
              `a connection may hold at most ${limit} subscriptions at once: complete one before starting another`,
              TOO_MANY_SUBSCRIPTIONS,
            ),
          ];
        }
        let plan: ExecutablePlan;
        try {
          plan = loaded.planner.plan(document, payload.operationName ?? undefined);
        } catch (error) {
          logger.error({ err: error }, 'query planning failed');
          return [coded('the gateway could not plan this operation', 'QUERY_PLANNING_FAILED')];
        }
        if (plan.node?.kind !== 'Subscription') {
          return [coded('this subscription selects nothing a subgraph delivers', OPERATION_NOT_SUPPORTED)];
        }
        if (!options.subgraphUrl(plan.node.primary.serviceName)) {
          return [coded('part of the graph is not available for subscriptions', SUBGRAPH_UNAVAILABLE)];
        }
        // Counted from here: onComplete, called however the operation ends, uncounts it.
        state.running.add(id);
        metrics.subscriptions.inc();
        const prepared = prepare(loaded, document, payload.operationName);
        const subscription: PreparedSubscription = {
          node: plan.node,
          loaded,
          prepared,
          sentVariables,
          variables,
          state,
        };
        return {
          schema: loaded.apiSchema,
          document,
          operationName: payload.operationName,
          variableValues: sentVariables,
          contextValue: subscription,
        };
      },
      subscribe: (args) => run(args.contextValue as PreparedSubscription),
      onNext: (_ctx, _id, _payload, _args, result) => {
        metrics.subscriptionEvents.inc({ outcome: result.errors ? 'error' : 'ok' });
        return formatResult(result as ExecutionResult);
      },
      onError: (_ctx, _id, _payload, errors) => format(errors),
      onComplete: (ctx: ConnectionContext, id) => {
        if (ctx.extra.running?.delete(id)) metrics.subscriptions.dec();
      },
      onClose: async (ctx: ConnectionContext) => {
        metrics.websocketConnections.dec();
        // Subscriptions a closed connection ended without a `complete` (onComplete is not called then).
        metrics.subscriptions.dec(ctx.extra.running?.size ?? 0);
        ctx.extra.running?.clear();
        const upstream = [...(ctx.extra.upstream?.values() ?? [])];
        ctx.extra.upstream?.clear();
        await Promise.all(upstream.map((client) => client.dispose()));
      },
    },
    endpoint.wss,
  );

  return {
    goingAway: endpoint.goingAway,
    close: async () => {
      endpoint.goingAway();
      endpoint.detach();
      await server.dispose();
    },
  };
}

/**
 * What the client reads when the subgraph's side of its subscription fails: the subgraph's own
 * errors (refused operation), or `SUBGRAPH_UNAVAILABLE` when the subgraph went away or could not
 * be reached.
 */
function upstreamFailure(error: unknown): GraphQLError[] {
  if (Array.isArray(error) && error.every((e) => typeof e === 'object' && e !== null && 'message' in e)) {
    return (error as GraphQLFormattedError[]).map(
      (e) =>
        new GraphQLError(e.message, {
          extensions: { ...e.extensions, code: e.extensions?.code ?? 'DOWNSTREAM_SERVICE_ERROR' },
        }),
    );
  }
  return [
    coded(
      'part of the graph went away or could not be reached: this subscription has ended, subscribe again',
      SUBGRAPH_UNAVAILABLE,
    ),
  ];
}

/** The error with `extensions.code` set, so that the formatter shows it to the client. */
function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, code },
  });
}

/** A refusal of the HTTP path without its HTTP status, which means nothing over WebSocket. */
function withoutHttp(error: GraphQLError): GraphQLError {
  const { http: _http, ...extensions } = error.extensions;
  return new GraphQLError(error.message, { nodes: error.nodes, extensions });
}
