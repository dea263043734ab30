import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { NextFunction, Request, Response } from 'express';
import Redis from 'ioredis';
import { StartupError } from '../subgraphs/kit/env';

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

function refuse(res: Response, code: string, message: string): void {
  res.status(400).json({ errors: [{ message, extensions: { code } }] });
}

interface GraphQLParams {
  query?: unknown;
  extensions?: { persistedQuery?: { sha256Hash?: unknown } } | string;
}

/**
 * Trusted-documents mode: only operations in the manifest run. A client may send the
 * full text (it must hash to a listed id) or just the hash (APQ style), which is
 * replaced by the listed text before Apollo Server sees the request.
 */
export function trustedDocuments(operations: Map<string, string>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const params: GraphQLParams | undefined =
      req.method === 'GET' ? (req.query as GraphQLParams) : (req.body as GraphQLParams | undefined);
    if (!params || typeof params !== 'object' || Array.isArray(params)) return next();
    let extensions = params.extensions;
    if (typeof extensions === 'string') {
      try {
        extensions = JSON.parse(extensions) as GraphQLParams['extensions'];
      } catch {
        extensions = undefined;
      }
    }
    const hash = typeof extensions === 'object' ? extensions?.persistedQuery?.sha256Hash : undefined;
    if (typeof params.query === 'string') {
      if (!operations.has(operationId(params.query))) {
        return refuse(
          res,
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
        (req.body as GraphQLParams).query = operations.get(hash);
      }
      return next();
    }
    refuse(res, 'PERSISTED_QUERY_NOT_FOUND', 'unknown operation id: this gateway runs trusted operations only');
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
