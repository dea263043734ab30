import path from 'node:path';
import { DEFAULT_PORTS } from '../subgraphs/kit/config';
import {
  type Env,
  type NodeEnv,
  StartupError,
  envBool,
  envEnum,
  envHttpUrl,
  envNodeEnv,
  envPort,
  envString,
} from '../subgraphs/kit/env';

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
    logLevel: envEnum(
      env,
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      nodeEnv === 'test' ? 'warn' : 'info',
    ),
  };
}
