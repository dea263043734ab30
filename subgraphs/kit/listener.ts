import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { StartupError } from './env';
import { errorBody } from './errors';
import type { Logger } from './logger';

/**
 * A service's HTTP listener as every process of the platform opens it (subgraphs and the
 * gateway): listening, a port in use as a one-line start-up error, Node's parser refusals as
 * coded JSON. Kept apart from `server.ts` and `run.ts` so that the gateway, which imports these
 * and nothing else of the subgraph kit, does not load the subgraphs' server, database layer
 * (TypeORM, mysql2) and event machinery: about 9 MiB of live heap and 25 MiB of RSS it never uses.
 */

/** Prints a start-up failure as one line and exits non-zero; other errors keep their stack. */
export function exitOnStartupError(service: string, error: unknown): never {
  if (error instanceof StartupError) {
    process.stderr.write(`${service}: ${error.message}\n`);
  } else {
    process.stderr.write(`${service}: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  }
  process.exit(1);
}

/** How a request that Node's HTTP parser refused is answered: status, code and what to fix. */
function clientErrorAnswer(error: NodeJS.ErrnoException): {
  status: number;
  reason: string;
  code: string;
  message: string;
} {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        reason: 'Request Header Fields Too Large',
        code: 'REQUEST_HEADER_FIELDS_TOO_LARGE',
        message: `request headers are larger than the limit of ${http.maxHeaderSize} bytes: send fewer or shorter headers (e.g. a shorter Authorization or Cookie)`,
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        reason: 'Request Timeout',
        code: 'REQUEST_TIMEOUT',
        message: 'the request was not received in time: send the whole request promptly',
      };
    default:
      return {
        status: 400,
        reason: 'Bad Request',
        code: 'BAD_REQUEST',
        message: 'the request is not well-formed HTTP/1.1: check the request line, headers and body framing',
      };
  }
}

/**
 * Answers requests that Node's HTTP parser refuses (headers over `--max-http-header-size`,
 * malformed request lines or headers, header timeouts) with a complete HTTP/1.1 response
 * carrying a coded GraphQL-shaped JSON body and a fresh request id, instead of Node's
 * default bare status line. No request object exists at this point, so the id is made
 * here; it is logged with the refusal so that a client's report can be correlated.
 * `onRefused` lets the gateway count the refusal in its metrics.
 */
export function answerClientErrorsAsJson(
  server: http.Server,
  logger: Logger,
  onRefused?: (refusal: { status: number; code: string }) => void,
): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // Node's own rule: write nothing once a response has started on this socket, or the
    // peer would read a corrupt stream; a reset connection cannot be answered at all.
    const inFlight = (socket as Socket & { _httpMessage?: http.ServerResponse })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const requestId = randomUUID();
    const answer = clientErrorAnswer(error);
    logger.warn(
      { requestId, status: answer.status, reason: error.code ?? error.message },
      'refused malformed HTTP request',
    );
    onRefused?.({ status: answer.status, code: answer.code });
    const body = JSON.stringify(errorBody(answer.code, answer.message, requestId));
    socket.end(
      `HTTP/1.1 ${answer.status} ${answer.reason}\r\n` +
        'content-type: application/json; charset=utf-8\r\n' +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        `x-request-id: ${requestId}\r\n` +
        'connection: close\r\n\r\n' +
        body,
    );
  });
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

/**
 * Listens on the configured address, turning "port in use" into a one-line start-up error
 * naming `variable`, the setting that chose the port.
 */
export async function listenOrExplain(
  server: http.Server,
  port: number,
  host: string,
  variable = 'PORT',
): Promise<number> {
  try {
    return await listen(server, port, host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new StartupError(`cannot listen on ${host}:${port} (${variable}): ${code}`);
  }
}
