/**
 * The WebSocket endpoint that the gateway and every subgraph serve `graphql-ws` on: upgrades of
 * `/graphql` become WebSockets; any other path is answered 404 and every upgrade once the service
 * is going away 503, both as coded JSON; going away closes open sockets with 1001.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { errorBody } from './errors';

/** Close code of a socket closed because the service is shutting down (RFC 6455 "going away"). */
export const GOING_AWAY = 1001;
/** The one path WebSockets are served at, as `POST /graphql` on the HTTP side. */
export const WEBSOCKET_PATH = '/graphql';

/** A WebSocket endpoint on a service's HTTP server. */
export interface WebSocketEndpoint {
  /** The sockets' server, for graphql-ws's `useServer`. */
  wss: WebSocketServer;
  /** Refuses new upgrades (503) and closes every open socket with {@link GOING_AWAY}. */
  goingAway: () => void;
  /** Stops answering upgrades on the HTTP server. */
  detach: () => void;
}

/**
 * Serves WebSocket upgrades of {@link WEBSOCKET_PATH} on `httpServer`. `service` names the
 * service in the going-away reason; `maxPayload` bounds a message; `onOpen` sees each new socket.
 */
export function serveWebSockets(options: {
  httpServer: http.Server;
  service: string;
  maxPayload: number;
  onOpen?: () => void;
}): WebSocketEndpoint {
  const { httpServer, service, maxPayload, onOpen } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload });
  let closing = false;
  const onUpgrade = (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '').split('?')[0];
    if (closing) return refuseUpgrade(socket, 503, 'Service Unavailable', 'SERVICE_UNAVAILABLE', 'shutting down');
    if (path !== WEBSOCKET_PATH) {
      return refuseUpgrade(socket, 404, 'Not Found', 'NOT_FOUND', `WebSocket is served at ${WEBSOCKET_PATH} only`);
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      onOpen?.();
      wss.emit('connection', ws, request);
    });
  };
  httpServer.on('upgrade', onUpgrade);
  return {
    wss,
    goingAway: () => {
      closing = true;
      for (const client of wss.clients) client.close(GOING_AWAY, `Going away: the ${service} is shutting down`);
    },
    detach: () => void httpServer.off('upgrade', onUpgrade),
  };
}

/** Answers an upgrade request that will not become a WebSocket with a coded JSON error, and closes. */
function refuseUpgrade(socket: Duplex, status: number, reason: string, code: string, message: string): void {
  const body = JSON.stringify(errorBody(code, message));
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n` +
      'content-type: application/json; charset=utf-8\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      'connection: close\r\n\r\n' +
      body,
  );
}
