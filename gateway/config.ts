import path from 'node:path';
import { DEFAULT_PORTS } from '../subgraphs/kit/config';
import {
  type Env,
  type NodeEnv,
  StartupError,
  envBool,
  envEnum,
  envHttpUrl,
  envInt,
  envNodeEnv,
  envPort,
  envString,
} from '../subgraphs/kit/env';
import { readSecret } from '../subgraphs/kit/identity';

/** Everything the gateway reads from its environment, read once at start. */
export interface GatewayConfig {
  nodeEnv: NodeEnv;
  host: string;
  port: number;
  /** The composed supergraph the gateway serves; watched for changes. */
  supergraphPath: string;
  /** Subgraph URL overrides by subgraph name (lower case), from `SUBGRAPH_<NAME>_URL`. */
  subgraphUrls: Readonly<Record<string, string>>;
  /** Schema introspection; on in development, off in production unless enabled. */
  introspection: boolean;
  logLevel: string;
  /** Signs identity assertions for subgraphs; the same value is set on every subgraph. */
  assertionSecret: Uint8Array;
  /** Signs the short-lived access tokens browser apps get in exchange for an API key. */
  accessTokenSecret: Uint8Array;
  accessTokenTtlSeconds: number;
  /**
   * How long a checked credential is trusted without asking the identity subgraph again.
   * Revocation and suspension take effect within this time (at most 60 s) on every replica.
   */
  credentialCacheTtlSeconds: number;
  /** The subgraph that owns API keys and answers credential checks. */
  identitySubgraph: string;
}

const OVERRIDE = /^SUBGRAPH_([A-Z0-9_]+)_URL$/;

/** Reads the gateway's configuration. Throws a one-line {@link StartupError} when malformed. */
export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const nodeEnv = envNodeEnv(env);
  const subgraphUrls: Record<string, string> = {};
  for (const name of Object.keys(env)) {
    const match = OVERRIDE.exec(name);
    const url = match ? envHttpUrl(env, name) : undefined;
    if (match && url) subgraphUrls[match[1]!.toLowerCase()] = url;
  }
  const supergraphPath = path.resolve(envString(env, 'SUPERGRAPH_PATH', 'schema/supergraph.graphql'));
  if (!supergraphPath.endsWith('.graphql')) {
    throw new StartupError(`SUPERGRAPH_PATH must name a .graphql file, got "${supergraphPath}"`);
  }
  return {
    nodeEnv,
    host: envString(env, 'HOST', '127.0.0.1'),
    port: envPort(env, 'PORT', DEFAULT_PORTS.gateway),
    supergraphPath,
    subgraphUrls,
    introspection: envBool(env, 'INTROSPECTION', nodeEnv !== 'production'),
    assertionSecret: readSecret(env, 'GATEWAY_ASSERTION_SECRET', nodeEnv),
    accessTokenSecret: readSecret(
      env,
      'ACCESS_TOKEN_SECRET',
      nodeEnv,
      'dev-only-access-token-secret-change-me-in-production',
    ),
    accessTokenTtlSeconds: envInt(env, 'ACCESS_TOKEN_TTL_SECONDS', 900, 1, 3600),
    credentialCacheTtlSeconds: envInt(env, 'CREDENTIAL_CACHE_TTL_SECONDS', 30, 1, 60),
    identitySubgraph: envString(env, 'IDENTITY_SUBGRAPH', 'membership').toLowerCase(),
    logLevel: envEnum(
      env,
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      nodeEnv === 'test' ? 'warn' : 'info',
    ),
  };
}
