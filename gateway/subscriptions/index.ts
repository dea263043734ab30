/**
 * Subscriptions through the gateway, at `/graphql` on its public listener, over two transports:
 * WebSocket (`graphql-ws`, `ws.ts`) and Server-Sent Events (`graphql-sse`'s distinct connections
 * mode, `sse.ts`); HTTP POST answers subscriptions with `OPERATION_NOT_SUPPORTED`, pointing here.
 * What both share (authentication, validation, limits and caps, planning, the subgraph
 * subscription, each event's `rest`, masking, revocation, reloads) is `core.ts`'s.
 */
import type http from 'node:http';
import type { GatewayConfig } from '../config';
import type { GatewayStage } from '../stage';
import { SubscriptionCore, type SubscriptionCoreOptions } from './core';
import { serveServerSentEvents } from './sse';
import { serveWebSocketSubscriptions } from './ws';

/** What {@link serveGatewaySubscriptions} needs from the gateway's build: the core's, and the transports'. */
export interface GatewaySubscriptionOptions extends Omit<SubscriptionCoreOptions, 'config'> {
  httpServer: http.Server;
  config: SubscriptionCoreOptions['config'] & Pick<GatewayConfig, 'websocketIdleTimeoutMs' | 'maxBodyBytes'>;
  /** The client's address of a WebSocket upgrade request, as Express's `req.ip` reads it. */
  clientIp: (request: http.IncomingMessage) => string;
}

/** The gateway's subscription endpoints. */
export interface GatewaySubscriptions {
  /** The `/graphql` pipeline stage that answers SSE requests (before the GraphQL stage). */
  sseStage: GatewayStage;
  /** The gateway loaded a new supergraph: ends every subscription so that clients subscribe again. */
  supergraphChanged: () => void;
  /**
   * Ends every subscription (WebSocket: 1001; SSE: a last `SERVICE_UNAVAILABLE` event) and
   * refuses new ones: the first step of a drain.
   */
  goingAway: () => void;
  /** {@link goingAway}, then waits until the connections and their upstream clients are closed. */
  close: () => Promise<void>;
}

/** Serves subscriptions over WebSocket and SSE at `/graphql` (see the module comment). */
export function serveGatewaySubscriptions(options: GatewaySubscriptionOptions): GatewaySubscriptions {
  const core = new SubscriptionCore(options);
  const ws = serveWebSocketSubscriptions({
    httpServer: options.httpServer,
    config: options.config,
    metrics: options.metrics,
    core,
    clientIp: options.clientIp,
  });
  const sse = serveServerSentEvents(core, options.metrics);
  const goingAway = () => {
    sse.goingAway();
    ws.goingAway();
    core.endAll('shutdown');
  };
  return {
    sseStage: sse.stage,
    supergraphChanged: () => core.endAll('reloaded'),
    goingAway,
    close: async () => {
      goingAway();
      core.stop();
      await ws.close();
    },
  };
}
