/**
 * Subscriptions of a subgraph: the `graphql-ws` protocol over WebSocket at `/graphql`, on the
 * subgraph's own HTTP server, fed by the events its outbox relay publishes (`./events`).
 *
 * The gateway connects with its signed identity assertion (`x-gateway-assertion`, in
 * `connectionParams` or on the upgrade request), as on the HTTP path; a connection without a
 * valid one is closed with 4401 (`allowUnsigned` admits it as anonymous, in development only).
 * Each operation gets the context an HTTP request would get. A subscription field's resolver
 * reads events through `ctx.events` ({@link EventFeed}): each event once, with loaders of that
 * event (shared by the process's subscriptions it reaches, fresh for every event), filtered and authorized by the resolver's `select` before it is delivered. All the process's
 * subscriptions to one kind of event share one transport subscription ({@link EventFanOut}).
 */
import type http from 'node:http';
import {
  type DocumentNode,
  type ExecutionArgs,
  type FormattedExecutionResult,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  getOperationAST,
  parse,
  validate,
} from 'graphql';
import { CloseCode, type Context } from 'graphql-ws';
import { type Extra, useServer } from 'graphql-ws/use/ws';
import type { EventsConfig } from './config';
import { DEFAULT_EVENTS_CONFIG } from './config';
import { type EventFeed, type RequestInfo, type SubgraphContext, requestInfoFromHeaders } from './context';
import { TOO_MANY_SUBSCRIPTIONS, createErrorFormatter } from './errors';
import { serveWebSockets } from './websocket';
import type { DeliveredEvent, EventType } from './events/catalogue';
import { EventFanOut } from './events/fan-out';
import type { EventTransport } from './events/transport';
import {
  ANONYMOUS,
  ASSERTION_HEADER,
  AssertionError,
  type Identity,
  type SubgraphSecurity,
  verifyAssertion,
} from './identity';
import type { Logger } from './logger';

/** Largest WebSocket message accepted, as the HTTP path's body limit (`ws` would allow 100 MiB). */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/**
 * The feed of a subscription resolver's context; BAD_REQUEST outside a WebSocket operation
 * (Apollo Server on the HTTP path does not run subscriptions).
 */
export function eventFeedOf(context: { events?: EventFeed }): EventFeed {
  if (!context.events) throw notOverHttp();
  return context.events;
}

/**
 * The `resolve` of a subscription field: the value its stream yielded. Over HTTP, where graphql-js
 * executes a subscription operation like a query with no event, it answers BAD_REQUEST.
 */
export function delivered<T>(value: T | undefined): T {
  if (value === undefined) throw notOverHttp();
  return value;
}

function notOverHttp(): GraphQLError {
  return new GraphQLError('subscriptions are served over WebSocket (graphql-ws protocol) at /graphql, not over HTTP', {
    extensions: { code: 'BAD_REQUEST' },
  });
}

/**
 * Makes the feed of one operation's context, reading `source` (the process's {@link EventFanOut}
 * over the subgraph's transport). `renew` gives the context the loaders of the event about to be
 * delivered: DataLoader caches must not outlive one event, or a later event would show the
 * entity as it was earlier.
 */
export function createEventFeed(
  source: Pick<EventTransport, 'subscribe'>,
  renew: (event: DeliveredEvent) => void,
): EventFeed {
  return {
    subscribe: <T>(types: readonly EventType[], select: (event: DeliveredEvent) => Promise<T | null>) => {
      const subscription = source.subscribe(types);
      async function* deliveries(): AsyncGenerator<T, void, undefined> {
        // The last sequence handled per publishing subgraph: each subgraph's events arrive in
        // order, so anything not above it was handled already (a batch published again).
        const handled = new Map<string, number>();
        try {
          for await (const event of subscription) {
            if (event.sequence <= (handled.get(event.subgraph) ?? -1)) continue;
            handled.set(event.subgraph, event.sequence);
            renew(event);
            const value = await select(event);
            if (value !== null) yield value;
          }
        } finally {
          await subscription.close();
        }
      }
      const generator = deliveries();
      return {
        next: () => generator.next(),
        // An async generator waiting for its next event would only see `return` after that event
        // came: closing the transport's subscription first ends the wait now.
        return: async () => {
          await subscription.close();
          return generator.return(undefined);
        },
        throw: async (error: unknown) => {
          await subscription.close();
          return generator.throw(error);
        },
        [Symbol.asyncIterator]() {
          return this;
        },
      };
    },
  };
}

/** What {@link serveSubscriptions} needs from the subgraph's build. */
export interface SubscriptionServerOptions<Repos, Loaders> {
  httpServer: http.Server;
  schema: GraphQLSchema;
  security: SubgraphSecurity;
  logger: Logger;
  /** Where the subgraph's relay publishes. */
  transport: EventTransport;
  /** The subgraph's events configuration (`subscriptionsPerConnection`); the defaults without it. */
  config?: EventsConfig;
  /** The context of one operation, as the HTTP path builds it. */
  createContext: (info: Partial<RequestInfo>) => SubgraphContext<Repos, Loaders>;
  /** Fresh per-request loaders. */
  createLoaders: () => Loaders;
}

/** A running subscription endpoint. */
export interface SubscriptionServer {
  /**
   * Closes every WebSocket connection with 1001 (going away) and refuses new ones: the first step
   * of a drain, so that the gateway resubscribes through another replica.
   */
  goingAway: () => void;
  /** {@link goingAway}, then waits until the connections are closed. */
  close: () => Promise<void>;
  /** Subscriptions that receive what is published from now on (their transport subscription reads). */
  receiving: () => number;
}

/** What the server keeps on each connection, once it is acknowledged. */
interface ConnectionExtra extends Record<PropertyKey, unknown> {
  /** Who the gateway's assertion names. */
  viewer: Identity;
  /** Ids of the subscription operations running on it (queries and mutations are not counted). */
  running: Set<string>;
}

/** A connection as graphql-ws hands it to the hooks. */
type ConnectionContext = Context<Record<string, unknown> | undefined, Extra & Partial<ConnectionExtra>>;

/**
 * Serves `graphql-ws` at `/graphql` on `httpServer` (see the module comment). Upgrades to any other
 * path are answered 404; upgrades after {@link SubscriptionServer.goingAway}, 503.
 */
export function serveSubscriptions<Repos, Loaders>(
  options: SubscriptionServerOptions<Repos, Loaders>,
): SubscriptionServer {
  const { httpServer, schema, security, logger, transport } = options;
  const limit = (options.config ?? DEFAULT_EVENTS_CONFIG).subscriptionsPerConnection;
  const formatError = createErrorFormatter((error) =>
    logger.error({ err: error }, 'unexpected error in subscription resolver'),
  );
  const format = (errors: readonly GraphQLError[]): GraphQLFormattedError[] =>
    errors.map((error) => formatError(error.toJSON(), error));

  // One transport subscription per kind of event for the whole process, whatever the subscribers.
  const events = new EventFanOut(transport);
  const endpoint = serveWebSockets({ httpServer, service: 'subgraph', maxPayload: MAX_MESSAGE_BYTES });
  // One set of loaders per event, shared by every subscription this process delivers it to (the
  // fan-out hands them all the same event object): a publication read by a thousand subscribers
  // costs the statements of one, as a page of a thousand entities does. Loaders hold no viewer:
  // each subscription's resolvers still authorize what they read for their own viewer.
  const eventLoaders = new WeakMap<DeliveredEvent, Loaders>();
  const loadersOf = (event: DeliveredEvent): Loaders => {
    let loaders = eventLoaders.get(event);
    if (!loaders) eventLoaders.set(event, (loaders = options.createLoaders()));
    return loaders;
  };

  /** A value the gateway sent in `connectionParams`, else on the upgrade request's headers. */
  const sent = (ctx: ConnectionContext, name: string): string | undefined => {
    const param = ctx.connectionParams?.[name];
    if (typeof param === 'string' && param !== '') return param;
    const header = ctx.extra.request.headers[name];
    return typeof header === 'string' && header !== '' ? header : undefined;
  };

  const server = useServer<Record<string, unknown> | undefined, ConnectionExtra>(
    {
      schema,
      onConnect: async (ctx) => {
        const token = sent(ctx, ASSERTION_HEADER);
        ctx.extra.running = new Set();
        if (token === undefined && security.allowUnsigned) {
          ctx.extra.viewer = ANONYMOUS;
          return true;
        }
        try {
          if (token === undefined) throw new AssertionError('no gateway assertion');
          ctx.extra.viewer = await verifyAssertion(token, security.assertionKey);
          return true;
        } catch (error) {
          if (!(error instanceof AssertionError)) throw error;
          // 4401 rather than graphql-ws's 4403 for `false`: the credential is the problem. A close
          // reason is at most 123 bytes. graphql-ws's own close after `false` finds it closing.
          ctx.extra.socket.close(CloseCode.Unauthorized, 'Unauthorized: subscriptions need the gateway assertion');
          return false;
        }
      },
      onSubscribe: (ctx, id, payload): ExecutionArgs | readonly GraphQLError[] => {
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [withCode(error as GraphQLError, 'GRAPHQL_PARSE_FAILED')];
        }
        const invalid = validate(schema, document);
        if (invalid.length > 0) return invalid.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED'));
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) {
          return [
            new GraphQLError(
              payload.operationName
                ? `unknown operation named "${payload.operationName}": operationName must name an operation in the document`
                : 'the document holds several operations: send operationName to choose one',
              { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } },
            ),
          ];
        }
        const running = (ctx.extra.running ??= new Set());
        if (operation.operation === 'subscription') {
          if (running.size >= limit) {
            return [
              new GraphQLError(
                `a connection may hold at most ${limit} subscriptions at once: complete one before starting another`,
                { extensions: { code: TOO_MANY_SUBSCRIPTIONS } },
              ),
            ];
          }
          // Counted from here: onComplete, which graphql-ws calls however the operation ends, uncounts it.
          running.add(id);
        }
        const headers = { ...ctx.extra.request.headers };
        for (const name of ['x-request-id', 'accept-language']) {
          const value = sent(ctx, name);
          if (value !== undefined) headers[name] = value;
        }
        const contextValue = options.createContext(requestInfoFromHeaders(headers, ctx.extra.viewer ?? ANONYMOUS));
        contextValue.events = createEventFeed(events, (event) => {
          contextValue.loaders = loadersOf(event);
        });
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
        };
      },
      onNext: (_ctx, _id, _payload, _args, result): FormattedExecutionResult | void => {
        if (!result.errors) return;
        return { ...result, errors: format(result.errors) };
      },
      onError: (_ctx, _id, _payload, errors) => format(errors),
      onComplete: (ctx, id) => {
        ctx.extra.running?.delete(id);
      },
    },
    endpoint.wss,
  );

  return {
    goingAway: endpoint.goingAway,
    close: async () => {
      endpoint.goingAway();
      await server.dispose();
    },
    receiving: () => events.receiving,
  };
}

/** The error with `extensions.code` set, so that the error formatter shows it to the client. */
function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, code },
  });
}
