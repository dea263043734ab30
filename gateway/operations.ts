import { hash } from 'node:crypto';
import fs from 'node:fs';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import { StartupError } from '../subgraphs/kit/env';
import type { Redis } from './redis';

/** Apollo's persisted query manifest format, as `npm run trusted-documents` writes it. */
export interface OperationManifest {
  format: 'apollo-persisted-query-manifest';
  version: 1;
  operations: Array<{ id: string; name: string; type: 'query' | 'mutation' | 'subscription'; body: string }>;
}

/** SHA-256 hex of an operation's text: its id in APQ and in the manifest. */
export function operationId(body: string): string {
  return hash('sha256', body, 'hex');
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

/** Apollo's key-value cache on Redis, so persisted queries are shared by gateway replicas. */
export class RedisKeyValueCache implements KeyValueCache<string> {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

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
}
