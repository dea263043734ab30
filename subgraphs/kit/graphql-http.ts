import type http from 'node:http';
import { type ApolloServer, type BaseContext, HeaderMap } from '@apollo/server';
import { ErrorCode, errorBody } from './errors';
import type { Identity } from './identity';
import type { Logger } from './logger';

/** Largest `/graphql` body a subgraph reads (the gateway bounds client bodies at 2 MB by default). */
export const GRAPHQL_BODY_LIMIT = 4 * 1024 * 1024;

/** What {@link graphqlHandler} needs from the subgraph it serves. */
export interface GraphqlHandlerOptions<Context extends BaseContext> {
  apollo: ApolloServer<Context>;
  /**
   * Who is calling, from the request's headers (the gateway's assertion): the identity, or
   * undefined after the refusal has been answered.
   */
  identify: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<Identity | undefined>;
  context: (req: http.IncomingMessage, viewer: Identity) => Context;
  logger: Logger;
}

function answer(res: http.ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify(errorBody(code, message));
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Whether a `Content-Type` is JSON in UTF-8 (no charset parameter, or utf-8), as the gateway sends. */
function isUtf8Json(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const [type, ...parameters] = contentType.split(';');
  if (type!.trim().toLowerCase() !== 'application/json') return false;
  return parameters.every((p) => {
    const [name, value] = p.split('=').map((s) => s.trim().toLowerCase());
    return name !== 'charset' || value === 'utf-8' || value === 'utf8';
  });
}

/**
 * The `/graphql` POST path of a subgraph on Node's own request and response, with no
 * Express router, body-parser or Express response in between: every gateway request takes
 * this path, and those layers were about a sixth of a subgraph's CPU per request. Returns
 * false, touching nothing, for any request it does not take (another path or method, a
 * body that is not UTF-8 JSON, a compressed body): Express serves those as before.
 *
 * What it does is what the Express chain did: refuse unsigned callers (401) before reading
 * the body, read at most {@link GRAPHQL_BODY_LIMIT} bytes, parse a JSON object or array,
 * and hand it to Apollo Server. A body over the limit or that is not such JSON is answered
 * with a coded error, as the kit answers every refusal (413 and 400, `BAD_REQUEST`).
 */
export function graphqlHandler<Context extends BaseContext>(
  options: GraphqlHandlerOptions<Context>,
): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  const { apollo, identify, context, logger } = options;
  const serve = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const viewer = await identify(req, res);
    if (!viewer) {
      // Refused: the body is not wanted, and the connection stays usable.
      req.resume();
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > GRAPHQL_BODY_LIMIT) {
      req.resume();
      return answer(res, 413, 'BAD_REQUEST', `the body must be at most ${GRAPHQL_BODY_LIMIT} bytes`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > GRAPHQL_BODY_LIMIT) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    }
    if (tooLarge) return answer(res, 413, 'BAD_REQUEST', `the body must be at most ${GRAPHQL_BODY_LIMIT} bytes`);
    const text = Buffer.concat(chunks, size).toString('utf8');
    let body: unknown = {};
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      // Objects and arrays only, as body-parser's strict JSON.
      if (body === null || typeof body !== 'object')
        return answer(res, 400, 'BAD_REQUEST', 'the body must be a JSON object');
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: 'POST', headers, search: query >= 0 ? url.slice(query) : '', body },
      context: async () => context(req, viewer),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.setHeader('content-length', Buffer.byteLength(response.body.string));
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
  return (req, res) => {
    if (req.method !== 'POST') return false;
    const url = req.url ?? '';
    if (url !== '/graphql' && !url.startsWith('/graphql?')) return false;
    if (!isUtf8Json(req.headers['content-type'])) return false;
    const encoding = req.headers['content-encoding'];
    if (encoding && encoding.toLowerCase() !== 'identity') return false;
    serve(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'unexpected error serving /graphql');
      if (!res.headersSent) answer(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'internal error');
      else res.destroy();
    });
    return true;
  };
}
