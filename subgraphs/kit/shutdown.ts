/**
 * Graceful shutdown of a service's HTTP server, shared by the gateway and the subgraphs.
 *
 * On SIGTERM or SIGINT the server stops accepting connections but keeps answering on the
 * connections it has: requests already received, and requests still arriving on open keep-alive
 * sockets (a client may have sent one just before it saw anything of the shutdown). Every answer
 * from then on says `Connection: close`, so clients stop reusing the socket and the server closes
 * it after that answer. A socket that stays idle is closed by the server's keep-alive timeout, as
 * at any other time, never early: closing an idle socket is exactly when a request the client has
 * just sent on it is lost. At the drain deadline whatever is left is cut. Then the service closes
 * its own resources (database, Redis, sockets to subgraphs), logs `stopped` and exits 0.
 *
 * Apollo Server's own signal handler must be off (`stopOnTerminationSignals: false`): it stops
 * Apollo and re-raises the signal, killing the process (exit 143) before this clean-up runs.
 */
import type http from 'node:http';
import net from 'node:net';
import type { HttpServerSettings } from './config';
import type { Logger } from './logger';

/** Time the service's own clean-up (database, Redis) gets after the drain before exiting anyway. */
const CLEAN_UP_GRACE_MS = 5_000;

/** What a drain did, for the log line. */
export interface DrainOutcome {
  /** Requests answered after the drain began (in flight then, or arriving on open sockets). */
  answered: number;
  /** Requests still unanswered at the deadline, whose connections were cut. */
  cut: number;
  /** How long the drain took. */
  ms: number;
}

/**
 * Applies the keep-alive timeout to `server` and starts tracking its requests; returns the drain
 * described in the module comment. Call it before the server listens.
 */
export function prepareDrain(
  server: http.Server,
  settings: HttpServerSettings,
): (deadlineMs?: number) => Promise<DrainOutcome> {
  server.keepAliveTimeout = settings.keepAliveTimeoutMs;
  const unanswered = new Set<http.ServerResponse>();
  let draining = false;
  let answered = 0;
  // First of the listeners, so that the header is set before a handler answers synchronously.
  server.prependListener('request', (_request: http.IncomingMessage, response: http.ServerResponse) => {
    unanswered.add(response);
    if (draining) closeAfter(response);
    response.once('close', () => {
      unanswered.delete(response);
      if (draining && response.writableFinished) answered += 1;
    });
  });

  return async (deadlineMs = settings.shutdownTimeoutMs) => {
    const started = Date.now();
    draining = true;
    for (const response of unanswered) closeAfter(response);
    let cut = 0;
    await new Promise<void>((resolve) => {
      const deadline = setTimeout(() => {
        cut = unanswered.size;
        server.closeAllConnections();
      }, deadlineMs);
      // net.Server's close, not http.Server's: that one first destroys every connection without a
      // request in progress, including those whose next request is already on its way.
      net.Server.prototype.close.call(server, () => {
        clearTimeout(deadline);
        resolve();
      });
    });
    return { answered, cut, ms: Date.now() - started };
  };
}

/** The response's connection closes once it is sent; it tells the client so if it still can. */
function closeAfter(response: http.ServerResponse): void {
  if (!response.headersSent) response.setHeader('connection', 'close');
}

/** What {@link stopOnSignals} needs to stop a service. */
export interface ShutdownOptions {
  /** The service's name, in the log lines. */
  service: string;
  logger: Logger;
  server: http.Server;
  settings: HttpServerSettings;
  /**
   * Called as the drain begins: ends long-lived connections (WebSocket subscriptions) that would
   * otherwise keep the server open until the deadline.
   */
  beforeDrain?: () => void;
  /** Closes the service's own resources once no request is left (Apollo, database, Redis). */
  close: () => Promise<void>;
}

/**
 * Makes SIGTERM and SIGINT drain the service (see the module comment) and exit 0 with a log line,
 * or 1 when its clean-up fails or hangs. Call it before the server listens. A second signal while
 * stopping is logged and ignored: the drain deadline already bounds the wait.
 */
export function stopOnSignals({ service, logger, server, settings, beforeDrain, close }: ShutdownOptions): void {
  const drain = prepareDrain(server, settings);
  let stopping = false;
  const onSignal = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.info({ signal }, 'already shutting down');
      return;
    }
    stopping = true;
    logger.info({ signal, deadlineMs: settings.shutdownTimeoutMs }, 'shutting down: draining requests');
    setTimeout(() => {
      logger.error(`${service} did not finish stopping in time; exiting`);
      process.exit(1);
    }, settings.shutdownTimeoutMs + CLEAN_UP_GRACE_MS).unref();
    beforeDrain?.();
    const drained = await drain();
    if (drained.cut > 0) logger.warn({ cut: drained.cut }, 'drain deadline reached: unanswered requests cut');
    try {
      await close();
    } catch (error) {
      logger.error({ err: error }, 'unclean shutdown');
      process.exit(1);
    }
    logger.info({ signal, drainMs: drained.ms, answered: drained.answered, cut: drained.cut }, 'stopped');
    process.exit(0);
  };
  process.on('SIGTERM', (signal) => void onSignal(signal));
  process.on('SIGINT', (signal) => void onSignal(signal));
}
