import cors from 'cors';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../../subgraphs/kit/logger';
import { jsonBodyParser } from '../body';
import type { GatewayConfig } from '../config';
import { graphQLParamsOf } from '../params';
import { MAX_INPUT_DEPTH, tooDeeplyNested } from '../limits';
import type { GatewayStage } from '../stage';
import { refuse } from './response';

/**
 * The edge: what the HTTP request itself must satisfy before anyone reads it as GraphQL.
 * In order: CORS (browsers' origins); the body: at most `MAX_BODY_BYTES` (413
 * `BAD_USER_INPUT`), UTF-8 (415 `UNSUPPORTED_MEDIA_TYPE` for another charset, 400
 * `BAD_REQUEST` for invalid bytes), JSON (400 `BAD_REQUEST`); no batches (400 `BAD_REQUEST`);
 * parameters nested at most {@link MAX_INPUT_DEPTH} deep (400 `BAD_USER_INPUT`).
 * CSRF prevention is Apollo Server's (`csrfPrevention`, in the GraphQL stage).
 */
export function edgeStage(config: GatewayConfig, logger: Logger): GatewayStage {
  const browserPolicy = cors({
    origin: config.corsOrigins.length ? [...config.corsOrigins] : false,
    methods: ['GET', 'POST'],
    allowedHeaders: ['content-type', 'authorization', 'x-request-id', 'accept-language', 'apollo-require-preflight'],
    exposedHeaders: ['x-request-id', 'retry-after'],
    maxAge: 600,
  });
  // CORS concerns browsers, which always send `Origin` on cross-origin requests and preflights;
  // member platforms' servers send none, and pay nothing for it.
  const corsPolicy: RequestHandler = (req, res, next) =>
    req.headers.origin === undefined ? next() : browserPolicy(req, res, next);
  // express.json with invalid UTF-8 refused, and a fast path for plain UTF-8 JSON (body.ts).
  const parseJson = jsonBodyParser(config.maxBodyBytes);
  return {
    name: 'edge',
    onRequest: [corsPolicy, parseJson, refuseBatches, inputDepthGuard()],
    onError: bodyErrors(config, logger),
  };
}

/**
 * Batching is off (`allowBatchedHttpRequests: false`); refused here rather than by Apollo
 * Server, whose refusal happens before its plugins and formatter.
 */
function refuseBatches(req: Request, res: Response, next: NextFunction): void {
  if (!Array.isArray(req.body)) return next();
  refuse(
    res,
    400,
    'BAD_REQUEST',
    'batched requests (a JSON array of operations) are off: send one operation per request',
  );
}

/**
 * Refuses request parameters (variables, extensions) that nest deeper than `limit` with 400
 * `BAD_USER_INPUT`, before anything walks them.
 */
export function inputDepthGuard(limit: number = MAX_INPUT_DEPTH) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const params: unknown = req.method === 'GET' ? graphQLParamsOf(req) : req.body;
    const field = tooDeeplyNested(params, limit);
    if (field === undefined) return next();
    refuse(
      res,
      400,
      'BAD_USER_INPUT',
      `request parameter "${field}" nests deeper than ${limit} levels of objects and lists: no input of this API is that deep; send flatter values`,
    );
  };
}

/** Body-parser failures (too large, bad JSON, bad charset or encoding) as coded JSON, never HTML. */
function bodyErrors(config: GatewayConfig, logger: Logger) {
  return (
    error: { status?: number; type?: string; message?: string },
    _req: Request,
    res: Response,
    next: NextFunction,
  ): void => {
    if (res.headersSent) return next(error);
    const status = error.status ?? 500;
    const code =
      status === 413
        ? 'BAD_USER_INPUT' // too large is bad input in the contract's terms; HTTP 413 says which kind
        : status === 415
          ? 'UNSUPPORTED_MEDIA_TYPE'
          : status < 500
            ? 'BAD_REQUEST'
            : 'INTERNAL_SERVER_ERROR';
    const message =
      status === 413
        ? `request body is larger than the limit of ${config.maxBodyBytes} bytes: send less (e.g. smaller batches)`
        : error.type === 'charset.unsupported'
          ? 'request body must be UTF-8 (send content-type: application/json; charset=utf-8)'
          : error.type === 'entity.parse.failed'
            ? 'request body is not valid JSON'
            : status < 500
              ? (error.message ?? 'bad request')
              : 'Internal server error';
    if (status >= 500) logger.error({ err: error }, 'unexpected HTTP error');
    refuse(res, status, code, message);
  };
}
