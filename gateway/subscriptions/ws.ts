/**
 * Subscriptions over WebSocket: the `graphql-ws` protocol on upgrades of `/graphql` on the
 * gateway's public listener; everything else a subscription needs is `core.ts`'s.
 *
 * - A connection is authenticated once, when it opens: `connectionParams.authorization`
 *   ("Bearer <key or token>"), else the upgrade request's `Authorization` header; none is
 *   anonymous; a refused credential closes with 4401, an identity service that cannot be asked
 *   with 1013 (try again later).
 * - Completion goes both ways: a client's `complete` (or its socket closing) completes the
 *   subgraph's subscription; a subgraph that ends the subscription completes the client's, and
 *   one that goes away ends it with a `SUBGRAPH_UNAVAILABLE` error, so the client resubscribes.
 * - The gateway closes a connection: 4401 when its credential is revoked (checked again every
 *   `CREDENTIAL_CACHE_TTL_SECONDS`), 1012 (service restart) when it loads a new supergraph, 1001
 *   when it goes away, 1000 when no subscription has run on it for `WEBSOCKET_IDLE_TIMEOUT_MS`.
 */
import type http from 'node:http';
import type { ExecutionArgs, ExecutionResult, GraphQLError } from 'graphql';
import { CloseCode, type Context } from 'graphql-ws';
import { type Extra, useServer } from 'graphql-ws/use/ws';
import { requestIdFrom } from '../../subgraphs/kit/context';
import { GOING_AWAY, serveWebSockets } from '../../subgraphs/kit/websocket';
import type { GatewayConfig } from '../config';
import type { GatewayMetrics } from '../metrics';
import type { ActiveSubscription, EndReason, Session, SubscriptionCore } from './core';

/** The close code of a refused or revoked credential (graphql-ws's `Unauthorized`). */
const UNAUTHORIZED = CloseCode.Unauthorized;
/** The close code of a server that cannot check credentials now (RFC 6455: try again later). */
const TRY_AGAIN_LATER = 1013;
/** The close code after a supergraph reload (RFC 6455 "service restart": graphql-ws clients retry). */
export const SERVICE_RESTART = 1012;
/** The close code of an idle connection (RFC 6455 "normal closure": graphql-ws clients reconnect when they next subscribe). */
export const IDLE_CLOSE = 1000;
/** Longest close reason a WebSocket frame carries (RFC 6455: 123 bytes). */
const MAX_REASON_BYTES = 123;

/** What {@link serveWebSocketSubscriptions} needs. */
export interface WebSocketTransportOptions {
  httpServer: http.Server;
  config: Pick<GatewayConfig, 'maxBodyBytes' | 'websocketIdleTimeoutMs'>;
  metrics: GatewayMetrics;
  core: SubscriptionCore;
  /** The client's address of an upgrade request, as Express's `req.ip` reads it (`TRUST_PROXY`). */
  clientIp: (request: http.IncomingMessage) => string;
}

/** The WebSocket transport, as `index.ts` drives it. */
export interface WebSocketTransport {
  /** Closes every connection with 1001 and refuses new upgrades (503). */
  goingAway: () => void;
  /** {@link goingAway}, then waits until the connections are closed. */
  close: () => Promise<void>;
}

/** What the server keeps on each client connection once it is acknowledged. */
interface ConnectionState extends Record<PropertyKey, unknown> {
  session: Session;
}

type ConnectionContext = Context<Record<string, unknown> | undefined, Extra & Partial<ConnectionState>>;

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

/** The close code and reason of a session the gateway ends. */
function closeFor(why: EndReason, error: GraphQLError): [number, string] {
  if (why === 'revoked') return [UNAUTHORIZED, reason(`Unauthorized: ${error.message}`)];
  if (why === 'reloaded')
    return [SERVICE_RESTART, reason('Service restart: the gateway loaded a new graph; subscribe again')];
  return [GOING_AWAY, reason('Going away: the gateway is shutting down')];
}

/**
 * Serves `graphql-ws` on upgrades of `/graphql` (see the module comment). Upgrades to other
 * paths answer 404, upgrades during a drain 503, both as coded JSON.
 */
export function serveWebSocketSubscriptions(options: WebSocketTransportOptions): WebSocketTransport {
  const { httpServer, config, metrics, core } = options;
  // Messages as large as the HTTP path's bodies (`MAX_BODY_BYTES`), not `ws`'s 100 MiB default.
  const endpoint = serveWebSockets({
    httpServer,
    service: 'gateway',
    maxPayload: config.maxBodyBytes,
    onOpen: () => metrics.websocketConnections.inc(),
  });

  const server = useServer<Record<string, unknown> | undefined, ConnectionState>(
    {
      onConnect: async (ctx: ConnectionContext) => {
        const request = ctx.extra.request;
        const socket = ctx.extra.socket;
        const language = request.headers['accept-language'];
        const authorization = sent(ctx, 'authorization', 'authorization');
        try {
          const identity = await core.authenticate(authorization);
          // Closed while its credential was being checked: nothing to open.
          if (socket.readyState !== socket.OPEN) return false;
          let idle: NodeJS.Timeout | undefined;
          const idleFor = config.websocketIdleTimeoutMs;
          const onRunningChange = (running: number) => {
            clearTimeout(idle);
            // Released as the socket closed: nothing left to time.
            if (running > 0 || socket.readyState !== socket.OPEN) return;
            idle = setTimeout(
              () =>
                socket.close(
                  IDLE_CLOSE,
                  reason(`Idle: no subscription for ${idleFor / 1000} s; connect again to subscribe`),
                ),
              idleFor,
            );
            idle.unref();
          };
          ctx.extra.session = core.open({
            transport: 'ws',
            identity,
            authorization,
            ip: options.clientIp(request),
            requestId: requestIdFrom(request.headers),
            acceptLanguage: typeof language === 'string' ? language.slice(0, 256) : undefined,
            end: (why, error) => socket.close(...closeFor(why, error)),
            onRunningChange,
          });
          onRunningChange(0);
          socket.once('close', () => clearTimeout(idle));
          return true;
        } catch (error) {
          const graphQLError = error as GraphQLError;
          const code = graphQLError.extensions?.code;
          const message = error instanceof Error ? error.message : 'authentication failed';
          // 4401 for a refused credential (graphql-ws's own close after `false` would say 4403).
          if (code === 'UNAUTHENTICATED') socket.close(UNAUTHORIZED, reason(`Unauthorized: ${message}`));
          else socket.close(TRY_AGAIN_LATER, reason(message));
          return false;
        }
      },
      onSubscribe: (ctx: ConnectionContext, id, payload): ExecutionArgs | readonly GraphQLError[] => {
        // graphql-ws runs onSubscribe only on acknowledged connections: onConnect has set the session.
        const session = ctx.extra.session!;
        const admitted = core.prepare(
          session,
          id,
          payload,
          (kind) =>
            `this WebSocket serves subscriptions: send ${kind === 'query' ? 'queries' : 'mutations'} as HTTP POST /graphql`,
        );
        if (Array.isArray(admitted)) return admitted;
        const active = admitted as ActiveSubscription;
        return {
          schema: core.schemaOf(active),
          document: active.document,
          operationName: active.operationName,
          variableValues: active.sentVariables,
          contextValue: active,
        };
      },
      subscribe: (args) => core.events(args.contextValue as ActiveSubscription),
      onNext: (_ctx, _id, _payload, _args, result) => core.deliver(result as ExecutionResult),
      onError: (_ctx, _id, _payload, errors) => core.format(errors),
      onComplete: (ctx: ConnectionContext, id) => {
        ctx.extra.session?.running.get(id)?.release();
      },
      onClose: async (ctx: ConnectionContext) => {
        metrics.websocketConnections.dec();
        // Subscriptions a closed connection ended without a `complete` (onComplete is not called then).
        if (ctx.extra.session) await core.close(ctx.extra.session);
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
