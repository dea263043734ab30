import path from 'node:path';
import { type TracingConfig, readTracingConfig } from '../subgraphs/kit/tracing';
import {
  GATEWAY_DEFAULT_PORT,
  type HttpServerSettings,
  readAssertionKey,
  readHttpServerSettings,
} from '../subgraphs/kit/config';
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
  envRedisUrl,
  envString,
} from '../subgraphs/kit/env';
import { type AssertionKey, readSecret } from '../subgraphs/kit/identity';
import { DEV_ACCESS_TOKEN_SECRET, SECRET_ADVICE } from '../subgraphs/kit/secrets';
import type { UsageSettings } from './stages/usage';

/** Everything the gateway reads from its environment, read once at start. */
export interface GatewayConfig {
  nodeEnv: NodeEnv;
  host: string;
  port: number;
  /**
   * The operator's listener (`METRICS_PORT`, 9464 by default; 0 turns it off): `/metrics` and
   * `/readyz` with details per subgraph. Never the public port: both name subgraphs and operations.
   */
  metricsPort: number;
  /** Interface of the operator's listener (`METRICS_HOST`), loopback unless set. */
  metricsHost: string;
  /** The composed supergraph the gateway serves; watched for changes. */
  supergraphPath: string;
  /** Subgraph URL overrides by subgraph name (lower case), from `SUBGRAPH_<NAME>_URL`. */
  subgraphUrls: Readonly<Record<string, string>>;
  /**
   * The admin console at `GET /console` (`ADMIN_CONSOLE`; gateway/console): on in development,
   * off in production unless enabled. Its page holds no data; the data needs an admin credential.
   */
  adminConsole: boolean;
  /** Schema introspection; on in development, off in production unless enabled. */
  introspection: boolean;
  logLevel: string;
  /** Signs identity assertions for subgraphs; the same secret and deployment id are set on every subgraph. */
  assertionKey: AssertionKey;
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
  /** Operation limits, enforced before any subgraph is called. */
  limits: OperationLimits;
  /** Largest request body accepted; larger bodies answer 413. */
  maxBodyBytes: number;
  /** Browser origins allowed by CORS; empty means no cross-origin browser access. */
  corsOrigins: readonly string[];
  /** Express `trust proxy` setting, so rate limits see the client's address behind a load balancer. */
  trustProxy: string | false;
  /** Default subgraph request timeout, and per-subgraph overrides (`SUBGRAPH_<NAME>_TIMEOUT_MS`). */
  subgraphTimeoutMs: number;
  subgraphTimeouts: Readonly<Record<string, number>>;
  /** Entries of the response cache for anonymous public queries; 0 turns it off (`RESPONSE_CACHE_ENTRIES`). */
  responseCacheEntries: number;
  /** Bound of the parsed-and-validated document cache, MiB of JSON (`DOCUMENT_CACHE_MB`). */
  documentCacheMiB: number;
  /** Bound of the query-plan cache, MiB of JSON (`QUERY_PLAN_CACHE_MB`). */
  queryPlanCacheMiB: number;
  /** Most keep-alive sockets the gateway opens to each subgraph (`SUBGRAPH_MAX_SOCKETS`). */
  subgraphMaxSockets: number;
  /**
   * How long an idle socket to a subgraph stays open (`SUBGRAPH_KEEP_ALIVE_MS`); below the
   * subgraphs' `KEEP_ALIVE_TIMEOUT_MS`, so that the gateway closes idle sockets, not the subgraph.
   */
  subgraphKeepAliveMs: number;
  /** Identical concurrent subgraph queries of the same identity share one request (`SUBGRAPH_DEDUPE`). */
  subgraphDedupe: boolean;
  /** Token-bucket rate limits, requests per minute (also the burst size); 0 turns one off. */
  rateLimits: Readonly<Record<'anonymous' | 'MEMBER' | 'ADMIN', number>>;
  /** Shared state (rate limits, persisted queries) for gateway replicas; in memory when unset. */
  redisUrl: string | undefined;
  /** Gateway worker processes (node:cluster) sharing the port; 1 runs in-process. */
  workers: number;
  /** Prefix of every Redis key the gateway writes, so deployments can share a Redis. */
  redisKeyPrefix: string;
  /** A trusted-documents manifest: when set, only its operations run. */
  trustedDocumentsPath: string | undefined;
  /** Apollo's own usage telemetry from `@apollo/gateway` to Apollo's cloud; off unless opted in. */
  apolloTelemetry: boolean;
  /** OpenTelemetry traces over OTLP (`OTEL_EXPORTER_OTLP_ENDPOINT`, subgraphs/kit/tracing.ts); off when undefined. */
  tracing: TracingConfig | undefined;
  /** Keep-alive and shutdown of the gateway's HTTP server. */
  http: HttpServerSettings;
  /**
   * Which executor runs query plans (`GATEWAY_EXECUTOR`): `ours` (gateway/execution, the default)
   * or `apollo` (`@apollo/gateway`'s, kept for comparison).
   */
  executor: 'apollo' | 'ours';
  /**
   * Which planner plans (`GATEWAY_PLANNER`): `hive` (Hive Router's Rust planner, the default with
   * our executor: 199/199 audit tests against 193) or `apollo` (`@apollo/query-planner`, the only
   * one Apollo's executor runs, so its default there).
   */
  planner: 'apollo' | 'hive';
  /**
   * Subscriptions one client WebSocket connection may hold open at once
   * (`SUBSCRIPTIONS_PER_CONNECTION`, as the subgraphs' own cap); one more answers
   * `TOO_MANY_SUBSCRIPTIONS` (gateway/subscriptions).
   */
  subscriptionsPerConnection: number;
  /**
   * Subscriptions one credential may hold open at once on this gateway process, over WebSocket
   * and SSE together (`SUBSCRIPTIONS_PER_CREDENTIAL`): an API key with the access tokens made
   * from it; anonymous clients are counted per address.
   */
  subscriptionsPerCredential: number;
  /** Subscriptions clients at one address may hold open at once on this process (`SUBSCRIPTIONS_PER_IP`). */
  subscriptionsPerIp: number;
  /**
   * How long a client WebSocket may stay open with no subscription running before the gateway
   * closes it (`WEBSOCKET_IDLE_TIMEOUT_MS`; 1000 "normal closure", reason `Idle: ...`).
   */
  websocketIdleTimeoutMs: number;
  /**
   * Usage recording (`gateway/stages/usage.ts`): on unless `USAGE_RECORDING=false`, and active
   * while the supergraph has the usage subgraph (`USAGE_SUBGRAPH`); flushed every
   * `USAGE_FLUSH_MS` or at `USAGE_FLUSH_ROWS` rows, at most `USAGE_BUFFER_ROWS` rows held.
   */
  usage: UsageSettings;
}

/** Limits on the shape and size of operations. */
export interface OperationLimits {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  /** Estimated cost, with list fields multiplied by their `first` (or the default page size). */
  maxCost: number;
  /** Root fields in one operation. */
  maxRootFields: number;
}

/** The Prometheus exporters' customary port (as OpenTelemetry's exporter uses), so scrapers find it. */
const DEFAULT_METRICS_PORT = 9464;

const OVERRIDE = /^SUBGRAPH_([A-Z0-9_]+)_URL$/;
const TIMEOUT_OVERRIDE = /^SUBGRAPH_([A-Z0-9_]+)_TIMEOUT_MS$/;

/** Reads the gateway's configuration. Throws a one-line {@link StartupError} when malformed. */
export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const nodeEnv = envNodeEnv(env);
  const subgraphUrls: Record<string, string> = {};
  for (const name of Object.keys(env)) {
    const match = OVERRIDE.exec(name);
    const url = match ? envHttpUrl(env, name) : undefined;
    if (match && url) subgraphUrls[match[1]!.toLowerCase()] = url;
  }
  const subgraphTimeouts: Record<string, number> = {};
  for (const name of Object.keys(env)) {
    const match = TIMEOUT_OVERRIDE.exec(name);
    if (match) subgraphTimeouts[match[1]!.toLowerCase()] = envInt(env, name, 10_000, 50, 300_000);
  }
  const trustProxy = envString(env, 'TRUST_PROXY');
  const trustedDocuments = envString(env, 'TRUSTED_DOCUMENTS');
  const supergraphPath = path.resolve(envString(env, 'SUPERGRAPH_PATH', 'schema/supergraph.graphql'));
  if (!supergraphPath.endsWith('.graphql')) {
    throw new StartupError(`SUPERGRAPH_PATH must name a .graphql file, got "${supergraphPath}"`);
  }
  const port = envPort(env, 'PORT', GATEWAY_DEFAULT_PORT);
  const metricsPort = envPort(env, 'METRICS_PORT', DEFAULT_METRICS_PORT);
  if (metricsPort !== 0 && metricsPort === port) {
    throw new StartupError(`METRICS_PORT must differ from PORT (${port}): metrics are never served on the public port`);
  }
  const assertionKey = readAssertionKey(env, nodeEnv);
  const accessTokenSecret = readSecret(env, 'ACCESS_TOKEN_SECRET', nodeEnv, DEV_ACCESS_TOKEN_SECRET);
  // One leaked value would otherwise give away both: tokens and assertions.
  if (nodeEnv === 'production' && Buffer.from(accessTokenSecret).equals(assertionKey.secret)) {
    throw new StartupError(`ACCESS_TOKEN_SECRET must differ from GATEWAY_ASSERTION_SECRET; ${SECRET_ADVICE}`);
  }
  const executor = envEnum(env, 'GATEWAY_EXECUTOR', ['apollo', 'ours'] as const, 'ours');
  const planner = envEnum(env, 'GATEWAY_PLANNER', ['apollo', 'hive'] as const, executor === 'ours' ? 'hive' : 'apollo');
  // Apollo's executor plans with its own planner; silently ignoring the choice would mislead.
  if (planner === 'hive' && executor !== 'ours') {
    throw new StartupError(
      "GATEWAY_PLANNER=hive needs GATEWAY_EXECUTOR=ours (Apollo's executor runs only its own plans)",
    );
  }
  const usage: UsageSettings = {
    enabled: envBool(env, 'USAGE_RECORDING', true),
    subgraph: envString(env, 'USAGE_SUBGRAPH', 'usage').toLowerCase(),
    flushMs: envInt(env, 'USAGE_FLUSH_MS', 10_000, 10, 600_000),
    flushRows: envInt(env, 'USAGE_FLUSH_ROWS', 1000, 1, 5000),
    bufferRows: envInt(env, 'USAGE_BUFFER_ROWS', 20_000, 1, 1_000_000),
  };
  if (usage.bufferRows < usage.flushRows) {
    throw new StartupError(
      `USAGE_BUFFER_ROWS (${usage.bufferRows}) must be at least USAGE_FLUSH_ROWS (${usage.flushRows}): the buffer holds the rows of a flush`,
    );
  }
  return {
    nodeEnv,
    usage,
    host: envString(env, 'HOST', '127.0.0.1'),
    port,
    metricsPort,
    metricsHost: envString(env, 'METRICS_HOST', '127.0.0.1'),
    supergraphPath,
    subgraphUrls,
    introspection: envBool(env, 'INTROSPECTION', nodeEnv !== 'production'),
    adminConsole: envBool(env, 'ADMIN_CONSOLE', nodeEnv !== 'production'),
    assertionKey,
    accessTokenSecret,
    accessTokenTtlSeconds: envInt(env, 'ACCESS_TOKEN_TTL_SECONDS', 900, 1, 3600),
    credentialCacheTtlSeconds: envInt(env, 'CREDENTIAL_CACHE_TTL_SECONDS', 30, 1, 60),
    identitySubgraph: envString(env, 'IDENTITY_SUBGRAPH', 'membership').toLowerCase(),
    subscriptionsPerConnection: envInt(env, 'SUBSCRIPTIONS_PER_CONNECTION', 100, 1, 100_000),
    subscriptionsPerCredential: envInt(env, 'SUBSCRIPTIONS_PER_CREDENTIAL', 1000, 1, 1_000_000),
    subscriptionsPerIp: envInt(env, 'SUBSCRIPTIONS_PER_IP', 5000, 1, 1_000_000),
    websocketIdleTimeoutMs: envInt(env, 'WEBSOCKET_IDLE_TIMEOUT_MS', 60_000, 1_000, 3_600_000),
    limits: {
      maxDepth: envInt(env, 'LIMIT_MAX_DEPTH', 15, 1, 100),
      maxAliases: envInt(env, 'LIMIT_MAX_ALIASES', 30, 0, 1000),
      maxDirectives: envInt(env, 'LIMIT_MAX_DIRECTIVES', 50, 0, 1000),
      maxTokens: envInt(env, 'LIMIT_MAX_TOKENS', 5000, 100, 100_000),
      maxCost: envInt(env, 'LIMIT_MAX_COST', 50_000, 10, 10_000_000),
      maxRootFields: envInt(env, 'LIMIT_MAX_ROOT_FIELDS', 20, 1, 1000),
    },
    maxBodyBytes: envInt(env, 'MAX_BODY_BYTES', 2_097_152, 1024, 52_428_800),
    corsOrigins: (envString(env, 'CORS_ORIGINS') ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    trustProxy: trustProxy === undefined || trustProxy === 'false' ? false : trustProxy,
    subgraphTimeoutMs: envInt(env, 'SUBGRAPH_TIMEOUT_MS', 10_000, 50, 300_000),
    subgraphTimeouts,
    responseCacheEntries: envInt(env, 'RESPONSE_CACHE_ENTRIES', 1000, 0, 1_000_000),
    documentCacheMiB: envInt(env, 'DOCUMENT_CACHE_MB', 30, 1, 4096),
    queryPlanCacheMiB: envInt(env, 'QUERY_PLAN_CACHE_MB', 30, 1, 4096),
    subgraphMaxSockets: envInt(env, 'SUBGRAPH_MAX_SOCKETS', 64, 1, 10_000),
    subgraphKeepAliveMs: envInt(env, 'SUBGRAPH_KEEP_ALIVE_MS', 2_000, 50, 600_000),
    subgraphDedupe: envBool(env, 'SUBGRAPH_DEDUPE', true),
    rateLimits: {
      anonymous: envInt(env, 'RATE_LIMIT_ANONYMOUS_PER_MINUTE', 300, 0, 1_000_000),
      MEMBER: envInt(env, 'RATE_LIMIT_MEMBER_PER_MINUTE', 1200, 0, 1_000_000),
      ADMIN: envInt(env, 'RATE_LIMIT_ADMIN_PER_MINUTE', 3000, 0, 1_000_000),
    },
    redisUrl: envRedisUrl(env, 'REDIS_URL'),
    redisKeyPrefix: envString(env, 'REDIS_KEY_PREFIX', 'alliance:'),
    workers: envInt(env, 'GATEWAY_WORKERS', 1, 1, 64),
    trustedDocumentsPath: trustedDocuments === undefined ? undefined : path.resolve(trustedDocuments),
    apolloTelemetry: envBool(env, 'APOLLO_GATEWAY_TELEMETRY', false),
    tracing: readTracingConfig(env, 'gateway'),
    http: readHttpServerSettings(env),
    executor,
    planner,
    logLevel: envEnum(
      env,
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      nodeEnv === 'test' ? 'warn' : 'info',
    ),
  };
}
