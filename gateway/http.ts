import type { NextFunction, Request, Response } from 'express';
import { requestIdFrom } from '../subgraphs/kit/context';

/** What the HTTP layer keeps per request in `res.locals`. */
interface RequestIdLocals {
  requestId?: string;
}

/**
 * First middleware of the gateway: fixes the request id (the client's `x-request-id` when
 * well-formed, else a fresh one), sets the response header, and keeps it in `res.locals`,
 * so that every answer, refusals before Apollo Server included, carries the same id.
 */
export function assignRequestId(req: Request, res: Response, next: NextFunction): void {
  const requestId = requestIdFrom(req.headers);
  (res.locals as RequestIdLocals).requestId = requestId;
  res.set('x-request-id', requestId);
  next();
}

/** The request id {@link assignRequestId} fixed for this response. */
export function requestIdOf(res: Response): string | undefined {
  return (res.locals as RequestIdLocals).requestId;
}

/** Answers with one coded error in the GraphQL response shape, carrying the request id. */
export function sendError(res: Response, status: number, code: string, message: string): void {
  const requestId = requestIdOf(res);
  res.status(status).json({ errors: [{ message, extensions: { code, ...(requestId ? { requestId } : {}) } }] });
}

/**
 * The GraphQL request parameters, from the JSON body of a POST or the query string of a GET,
 * with `variables` and `extensions` parsed when a GET sends them as JSON text (as Apollo
 * Server will). Text that is not JSON is left as it is, for Apollo Server to refuse.
 */
export function graphQLParamsOf(req: Request): Record<string, unknown> | undefined {
  const source: unknown = req.method === 'GET' ? req.query : req.body;
  if (typeof source !== 'object' || source === null || Array.isArray(source)) return undefined;
  if (req.method !== 'GET') return source as Record<string, unknown>;
  const params = { ...(source as Record<string, unknown>) };
  for (const name of ['variables', 'extensions']) {
    const text = params[name];
    if (typeof text !== 'string') continue;
    try {
      params[name] = JSON.parse(text) as unknown;
    } catch {
      // Apollo Server answers malformed JSON here with its own 400.
    }
  }
  return params;
}
