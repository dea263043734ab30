/**
 * Subscriptions over Server-Sent Events: GraphQL over SSE (`graphql-sse`'s protocol) in its
 * distinct connections mode, at `/graphql` on the gateway's public listener. A request whose
 * `Accept` lists `text/event-stream` (and no JSON type) is one subscription, its response the
 * stream of its results; every other request of `/graphql` goes on to the GraphQL stage.
 *
 * It is a stage of the `/graphql` pipeline, after the stages every request meets (log line and
 * metrics, CORS, body limits, `Authorization` as on POST: 401/503, rate limit, trusted
 * documents), so that an SSE request is held to the same rules as a POST; then `core.ts` admits
 * the subscription (validation, operation limits, caps, plan) as for WebSocket.
 *
 * - Bad requests answer HTTP 4xx with a coded JSON error (as POST does): 415 for a body that is
 *   not JSON, 400 for missing or malformed parameters, 405 for another method; 503 while the
 *   gateway goes away. Only GET and POST are served; the single connection mode (PUT, stream
 *   tokens) is not.
 * - A refused operation (invalid, over a limit or a cap, a query or mutation: those go to
 *   `POST /graphql`) is answered on the stream: one `next` event with the coded errors, then
 *   `complete`, as graphql-sse answers validation errors.
 * - The gateway ends a stream with one last `next` event carrying a coded error, then
 *   `complete`: `UNAUTHENTICATED` when the credential is revoked, `SUPERGRAPH_RELOADED` when it
 *   loads a new supergraph, `SERVICE_UNAVAILABLE` when it goes away. The client subscribes again.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { ExecutionResult } from 'graphql';
import { createHandler } from 'graphql-sse';
import { graphQLParamsOf } from '../params';
import type { GatewayMetrics } from '../metrics';
import type { GatewayStage } from '../stage';
import { noteError, recordOf, refuse } from '../stages/response';
import { ANONYMOUS } from '../../subgraphs/kit/identity';
import { type SubscribePayload, type SubscriptionCore, coded } from './core';

/** The media type of an event stream, as graphql-sse's client and browsers' EventSource send it. */
const EVENT_STREAM = 'text/event-stream';
/** The id of a stream's one subscription in its session. */
const STREAM_ID = 'stream';
/** Types whose presence in `Accept` means the client takes a JSON answer: not an SSE request. */
const JSON_TYPES = new Set(['application/json', 'application/graphql-response+json', 'multipart/mixed']);

/** What graphql-sse's handler carries for one request: our parsed parameters and the session's making. */
interface StreamRequest {
  payload: SubscribePayload;
  req: Request;
  res: Response;
}

/** The SSE transport, as `index.ts` drives it. */
export interface SseTransport {
  /** The pipeline stage answering SSE requests of `/graphql`. */
  stage: GatewayStage;
  /** Refuses new streams (503); the core ends the open ones. */
  goingAway: () => void;
}

/** Whether `accept` asks for an event stream (and does not take JSON). */
export function wantsEventStream(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((range) => range.split(';')[0]!.trim().toLowerCase());
  return types.includes(EVENT_STREAM) && !types.some((type) => JSON_TYPES.has(type));
}

/** The request's GraphQL parameters, or why they cannot be used (status, message). */
function payloadOf(req: Request): SubscribePayload | [number, string, string] {
  if (req.method === 'POST' && !req.is('application/json')) {
    return [
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'send the subscription as a JSON body (content-type: application/json), or as GET with query parameters',
    ];
  }
  const params = graphQLParamsOf(req);
  if (!params)
    return [400, 'BAD_REQUEST', 'the request body must be a JSON object { query, variables, operationName }'];
  const { query, variables, operationName, extensions } = params;
  if (typeof query !== 'string' || query.trim() === '') {
    return [
      400,
      'BAD_REQUEST',
      'send the subscription text as "query" (persisted-query hashes alone are not served over SSE)',
    ];
  }
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
    return [400, 'BAD_REQUEST', '"variables" must be a JSON object of variable values'];
  }
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
    return [400, 'BAD_REQUEST', '"operationName" must be a string naming an operation of the document'];
  }
  if (
    extensions !== undefined &&
    extensions !== null &&
    (typeof extensions !== 'object' || Array.isArray(extensions))
  ) {
    return [400, 'BAD_REQUEST', '"extensions" must be a JSON object'];
  }
  return {
    query,
    variables: (variables ?? null) as Record<string, unknown> | null,
    operationName: operationName ?? null,
  };
}

/** One result of errors, as a stream of one result (graphql-sse then sends `complete`). */
async function* only(result: ExecutionResult): AsyncGenerator<ExecutionResult, void, undefined> {
  yield result;
}

/** The SSE transport (see the module comment); the client's address is Express's `req.ip` (`TRUST_PROXY`). */
export function serveServerSentEvents(core: SubscriptionCore, metrics: GatewayMetrics): SseTransport {
  let closing = false;
  const handler = createHandler<StreamRequest, StreamRequest>({
    // Distinct connections mode only: no stream token is ever accepted.
    authenticate: () => undefined,
    onSubscribe: (request) => {
      const { payload, req, res } = request.context;
      const record = recordOf(res);
      const identity = record.identity ?? ANONYMOUS;
      const session = core.open({
        transport: 'sse',
        identity,
        authorization: req.headers.authorization,
        ip: req.ip ?? 'unknown',
        requestId: record.requestId,
        acceptLanguage:
          typeof req.headers['accept-language'] === 'string' ? req.headers['accept-language'].slice(0, 256) : undefined,
        // One subscription per stream: ending the session is ending it, with a last error event.
        end: (_why, error) => session.running.get(STREAM_ID)?.finish([error]),
      });
      res.once('close', () => void core.close(session));
      const admitted = core.prepare(
        session,
        STREAM_ID,
        payload,
        (kind) =>
          `Server-Sent Events at /graphql serve subscriptions only: send ${kind === 'query' ? 'queries' : 'mutations'} as HTTP POST /graphql (Accept: application/json)`,
      );
      if (Array.isArray(admitted)) {
        for (const error of admitted) noteError(record, String(error.extensions.code), error.message);
        void core.close(session);
        return only({ errors: admitted });
      }
      // Went away while this one was being admitted: the core's ending did not reach it (ended
      // through the session, so that its log line says `shutdown`).
      if (closing)
        session.end('shutdown', coded('the gateway is shutting down: subscribe again', 'SERVICE_UNAVAILABLE'));
      return core.events(admitted);
    },
    onNext: (_ctx, _request, result) => core.deliver(result as ExecutionResult) as ExecutionResult,
  });

  const serve: RequestHandler = async (req, res, next) => {
    if (!wantsEventStream(req.headers.accept)) return next();
    if (closing) return refuse(res, 503, 'SERVICE_UNAVAILABLE', 'the gateway is shutting down: subscribe again');
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.set('allow', 'GET, POST');
      return refuse(res, 405, 'BAD_REQUEST', 'subscriptions over Server-Sent Events are GET or POST /graphql');
    }
    const payload = payloadOf(req);
    if (Array.isArray(payload)) return refuse(res, ...payload);
    recordOf(res).operationName = payload.operationName ?? null;
    const context: StreamRequest = { payload, req, res };
    // graphql-sse reads the method, `accept` and the body: given as a JSON POST of the checked parameters.
    const [body, init] = await handler({
      method: 'POST',
      url: req.originalUrl,
      headers: {
        get: (key) =>
          key === 'accept'
            ? EVENT_STREAM
            : key === 'content-type'
              ? 'application/json'
              : (req.headers[key.toLowerCase()] as string | undefined),
      },
      body: payload as unknown as Record<string, unknown>,
      raw: context,
      context,
    });
    if (body === null || typeof body === 'string') {
      // graphql-sse's own refusals; the checks above leave none of them reachable.
      const message = typeof body === 'string' ? body : init.statusText;
      return refuse(res, init.status >= 400 ? init.status : 400, 'BAD_REQUEST', message ?? 'bad request');
    }
    // Keep-alive is HTTP/1.1's default; without graphql-sse's explicit header, a drain can still
    // answer `connection: close` (subgraphs/kit/shutdown.ts).
    const { connection: _connection, ...headers } = init.headers ?? {};
    metrics.sseStreams.inc();
    res.writeHead(init.status, headers as Record<string, string>);
    const stop = () => void body.return(undefined);
    res.once('close', stop);
    try {
      for await (const chunk of body) {
        if (!res.writable) break;
        await new Promise<void>((resolve, reject) => res.write(chunk, (error) => (error ? reject(error) : resolve())));
      }
    } catch {
      // The client went away mid-write: nothing is left to tell it.
    } finally {
      metrics.sseStreams.dec();
      res.off('close', stop);
      res.end();
    }
  };

  return {
    stage: { name: 'server-sent events', onRequest: [serve] },
    goingAway: () => {
      closing = true;
    },
  };
}
