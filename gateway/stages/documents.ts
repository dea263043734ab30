import type { NextFunction, Request, Response } from 'express';
import { graphQLParamsOf } from '../params';
import { operationId } from '../operations';
import type { GatewayStage } from '../stage';
import { refuse } from './response';

/**
 * Documents: which operation text runs. Checks the automatic-persisted-query protocol
 * (400 `BAD_REQUEST`, `PERSISTED_QUERY_VERSION_NOT_SUPPORTED`, `PERSISTED_QUERY_HASH_MISMATCH`);
 * with `TRUSTED_DOCUMENTS`, runs listed operations only (400 `OPERATION_NOT_TRUSTED`,
 * `PERSISTED_QUERY_NOT_FOUND`), replacing a listed hash by its text. Registering and looking
 * up APQ hashes is Apollo Server's own (`persistedQueries`, in the GraphQL stage).
 */
export function documentsStage(manifest: Map<string, string> | undefined): GatewayStage {
  return {
    name: 'trusted documents',
    onRequest: [persistedQueryProtocol, ...(manifest ? [trustedDocuments(manifest)] : [])],
  };
}

/** The `persistedQuery` extension of a request, as sent (not yet checked). */
function persistedQueryOf(params: Record<string, unknown>): unknown {
  const extensions = params.extensions;
  return typeof extensions === 'object' && extensions !== null
    ? (extensions as { persistedQuery?: unknown }).persistedQuery
    : undefined;
}

/**
 * The automatic-persisted-query protocol's client mistakes, answered 400 with a code of
 * their own before Apollo Server runs: Apollo Server refuses them with an uncoded error
 * that formatting would mask as an internal one. An unknown hash without a query is not a
 * mistake but the protocol's first step, and stays Apollo's `PERSISTED_QUERY_NOT_FOUND`.
 */
function persistedQueryProtocol(req: Request, res: Response, next: NextFunction): void {
  const params = graphQLParamsOf(req);
  const persisted = params ? persistedQueryOf(params) : undefined;
  if (persisted === undefined || persisted === null) return next();
  if (typeof persisted !== 'object' || Array.isArray(persisted)) {
    return refuse(
      res,
      400,
      'BAD_REQUEST',
      'extensions.persistedQuery must be an object { "version": 1, "sha256Hash": "<SHA-256 of the query in hex>" }',
    );
  }
  const { version, sha256Hash } = persisted as { version?: unknown; sha256Hash?: unknown };
  if (version !== 1) {
    return refuse(
      res,
      400,
      'PERSISTED_QUERY_VERSION_NOT_SUPPORTED',
      `persisted query version ${JSON.stringify(version) ?? 'undefined'} is not supported: send extensions.persistedQuery.version 1`,
    );
  }
  if (typeof sha256Hash !== 'string') {
    return refuse(
      res,
      400,
      'BAD_REQUEST',
      'extensions.persistedQuery.sha256Hash must be a string: the SHA-256 of the query in lowercase hex',
    );
  }
  if (typeof params?.query === 'string' && operationId(params.query) !== sha256Hash) {
    return refuse(
      res,
      400,
      'PERSISTED_QUERY_HASH_MISMATCH',
      'extensions.persistedQuery.sha256Hash is not the SHA-256 of the query sent: hash the exact query text (UTF-8) and send it in lowercase hex',
    );
  }
  next();
}

/**
 * Trusted-documents mode: only operations in the manifest run. A client may send the
 * full text (it must hash to a listed id) or just the hash (APQ style), which is
 * replaced by the listed text before Apollo Server sees the request.
 */
function trustedDocuments(operations: Map<string, string>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const params = graphQLParamsOf(req);
    if (!params) return next();
    const persisted = persistedQueryOf(params);
    const hash =
      typeof persisted === 'object' && persisted !== null
        ? (persisted as { sha256Hash?: unknown }).sha256Hash
        : undefined;
    if (typeof params.query === 'string') {
      if (!operations.has(operationId(params.query))) {
        return refuse(
          res,
          400,
          'OPERATION_NOT_TRUSTED',
          'this gateway runs trusted operations only: register the operation',
        );
      }
      return next();
    }
    if (typeof hash === 'string' && operations.has(hash)) {
      if (req.method === 'GET') {
        // Express 5 exposes req.query through a getter; redefine it with the listed text.
        Object.defineProperty(req, 'query', { value: { ...(req.query as object), query: operations.get(hash) } });
      } else {
        (req.body as { query?: string }).query = operations.get(hash);
      }
      return next();
    }
    refuse(res, 400, 'PERSISTED_QUERY_NOT_FOUND', 'unknown operation id: this gateway runs trusted operations only');
  };
}
