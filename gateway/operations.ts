import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { NextFunction, Request, Response } from 'express';
import Redis from 'ioredis';
import { StartupError } from '../subgraphs/kit/env';
import { graphQLParamsOf, sendError } from './http';

/** Apollo's persisted query manifest format, as `npm run trusted-documents` writes it. */
export interface OperationManifest {
  format: 'apollo-persisted-query-manifest';
  version: 1;
  operations: Array<{ id: string; name: string; type: 'query' | 'mutation' | 'subscription'; body: string }>;
}

/** SHA-256 hex of an operation's text: its id in APQ and in the manifest. */
export function operationId(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/** Reads a trusted-documents manifest into id → operation text; a bad file stops start-up. */
export function loadManifest(file: string): Map<string, string> {
  let manifest: OperationManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as OperationManifest;
  } catch (error) {
    throw new StartupError(`TRUSTED_DOCUMENTS ${file} is not readable JSON (${(error as Error).message})`);
  }
  if (manifest.format !== 'apollo-persisted-query-manifest' || !Array.isArray(manifest.operations)) {
    throw new StartupError(`TRUSTED_DOCUMENTS ${file} is not an apollo-persisted-query-manifest`);
  }
  const operations = new Map<string, string>();
  for (const operation of manifest.operations) {
    if (operationId(operation.body) !== operation.id) {
      throw new StartupError(
        `TRUSTED_DOCUMENTS ${file}: operation ${operation.name} has an id that is not its SHA-256`,
      );
    }
    operations.set(operation.id, operation.body);
  }
  return operations;
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
export function persistedQueryProtocol() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const params = graphQLParamsOf(req);
    const persisted = params ? persistedQueryOf(params) : undefined;
    if (persisted === undefined || persisted === null) return next();
    if (typeof persisted !== 'object' || Array.isArray(persisted)) {
      return sendError(
        res,
        400,
        'BAD_REQUEST',
        'extensions.persistedQuery must be an object { "version": 1, "sha256Hash": "<SHA-256 of the query in hex>" }',
      );
    }
    const { version, sha256Hash } = persisted as { version?: unknown; sha256Hash?: unknown };
    if (version !== 1) {
      return sendError(
        res,
        400,
        'PERSISTED_QUERY_VERSION_NOT_SUPPORTED',
        `persisted query version ${JSON.stringify(version) ?? 'undefined'} is not supported: send extensions.persistedQuery.version 1`,
      );
    }
    if (typeof sha256Hash !== 'string') {
      return sendError(
        res,
        400,
        'BAD_REQUEST',
        'extensions.persistedQuery.sha256Hash must be a string: the SHA-256 of the query in lowercase hex',
      );
    }
    if (typeof params?.query === 'string' && operationId(params.query) !== sha256Hash) {
      return sendError(
        res,
        400,
        'PERSISTED_QUERY_HASH_MISMATCH',
        'extensions.persistedQuery.sha256Hash is not the SHA-256 of the query sent: hash the exact query text (UTF-8) and send it in lowercase hex',
      );
    }
    next();
  };
}

/**
 * Trusted-documents mode: only operations in the manifest run. A client may send the
 * full text (it must hash to a listed id) or just the hash (APQ style), which is
 * replaced by the listed text before Apollo Server sees the request.
 */
export function trustedDocuments(operations: Map<string, string>) {
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
        return sendError(
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
    sendError(res, 400, 'PERSISTED_QUERY_NOT_FOUND', 'unknown operation id: this gateway runs trusted operations only');
  };
}

/** Apollo's key-value cache on Redis, so persisted queries are shared by gateway replicas. */
export class RedisKeyValueCache implements KeyValueCache<string> {
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.prefix + key)) ?? undefined;
  }

  async set(key: string, value: string, options?: { ttl?: number | null }): Promise<void> {
    if (options?.ttl) await this.redis.set(this.prefix + key, value, 'EX', options.ttl);
    else await this.redis.set(this.prefix + key, value);
  }

  async delete(key: string): Promise<boolean> {
    return (await this.redis.del(this.prefix + key)) > 0;
  }

  close(): void {
    this.redis.disconnect();
  }
}
