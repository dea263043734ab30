import path from 'node:path';
import {
  type Env,
  type NodeEnv,
  StartupError,
  envBool,
  envEnum,
  envInt,
  envNodeEnv,
  envPort,
  envRedisUrl,
  envString,
} from './env';
import { type TracingConfig, readTracingConfig } from './tracing';
import { type AssertionKey, DEV_DEPLOYMENT_ID, readSecret, type SubgraphSecurity } from './identity';

/**
 * The gateway's default port; each subgraph's is in its descriptor, and the registry
 * (`subgraphs/index.ts`) derives the subgraph names and the whole port table from those.
 */
export const GATEWAY_DEFAULT_PORT = 4000;

/** Where a subgraph keeps its data. */
export type DatabaseConfig =
  | { kind: 'sqlite'; file: string }
  | {
      kind: 'mysql';
      /** Connection URL including the database name. */
      url: string;
      database: string;
      poolSize: number;
      /** Read replicas (URLs including the database name); reads outside transactions go there. */
      readUrls: string[];
    };

/** Seeding at start: never, only when the database is empty, or always (idempotent). */
export type SeedMode = 'never' | 'if-empty';

/** Everything a subgraph process reads from its environment, read once at start. */
export interface SubgraphConfig {
  service: string;
  nodeEnv: NodeEnv;
  /** Interface to bind; 127.0.0.1 by default so that subgraphs are not exposed by accident. */
  host: string;
  port: number;
  database: DatabaseConfig;
  seed: SeedMode;
  logLevel: string;
  /** Whom the subgraph trusts: the gateway's assertion secret, and the development switch. */
  security: SubgraphSecurity;
  /** Keep-alive and shutdown of the HTTP server. */
  http: HttpServerSettings;
  /** The outbox relay and the transport of published events. */
  events: EventsConfig;
  /** OpenTelemetry traces over OTLP (`OTEL_EXPORTER_OTLP_ENDPOINT`, kit/tracing.ts); off when undefined. */
  tracing: TracingConfig | undefined;
}

/** How a subgraph publishes the events of its outbox (`kit/events/`). */
export interface EventsConfig {
  /** How often the relay looks for unpublished events besides being woken by commits (`OUTBOX_POLL_MS`). */
  pollMs: number;
  /** Most events published in one round (`OUTBOX_BATCH_SIZE`). */
  batchSize: number;
  /** Redis streams between processes (`REDIS_URL`); in-process when unset. */
  redisUrl: string | undefined;
  /** Prefix of the stream keys (`REDIS_KEY_PREFIX`, as the gateway's). */
  redisKeyPrefix: string;
  /** Entries each Redis stream keeps, roughly; 0 keeps all (`OUTBOX_STREAM_MAX_LENGTH`). */
  streamMaxLength: number;
  /**
   * How long published outbox rows are kept before the relay deletes them (`OUTBOX_RETENTION_HOURS`).
   * Unpublished rows are never deleted.
   */
  retentionHours: number;
  /**
   * Subscriptions one WebSocket connection may hold open at once (`SUBSCRIPTIONS_PER_CONNECTION`);
   * one more is answered with a `TOO_MANY_SUBSCRIPTIONS` error (`kit/subscriptions.ts`).
   */
  subscriptionsPerConnection: number;
}

/** The defaults, also used by in-process builds (tests, tools) that pass no configuration. */
export const DEFAULT_EVENTS_CONFIG: EventsConfig = {
  // The latency bound for events committed on a replica whose relay does not hold the lock
  // (only the holder publishes, and it is woken by its own process's commits): well under 1 s.
  // One indexed SELECT per poll.
  pollMs: 250,
  batchSize: 100,
  redisUrl: undefined,
  redisKeyPrefix: 'alliance:',
  streamMaxLength: 100_000,
  // A week: the outbox is also a durable log that consumers (webhook deliveries, retried for
  // 24 h; a consumer catching up after an outage) may read back by id.
  retentionHours: 7 * 24,
  // The gateway multiplexes its clients' subscriptions of one identity over a connection; a
  // bound keeps one connection from holding an unbounded number of transport subscriptions.
  subscriptionsPerConnection: 100,
};

/** Reads {@link EventsConfig}. Throws {@link StartupError} when malformed. */
export function readEventsConfig(env: Env): EventsConfig {
  const defaults = DEFAULT_EVENTS_CONFIG;
  return {
    pollMs: envInt(env, 'OUTBOX_POLL_MS', defaults.pollMs, 10, 600_000),
    batchSize: envInt(env, 'OUTBOX_BATCH_SIZE', defaults.batchSize, 1, 1_000),
    redisUrl: envRedisUrl(env, 'REDIS_URL'),
    redisKeyPrefix: envString(env, 'REDIS_KEY_PREFIX', defaults.redisKeyPrefix),
    streamMaxLength: envInt(env, 'OUTBOX_STREAM_MAX_LENGTH', defaults.streamMaxLength, 0, 100_000_000),
    // At least a day: webhook deliveries are retried for 24 h and may read their events back.
    retentionHours: envInt(env, 'OUTBOX_RETENTION_HOURS', defaults.retentionHours, 24, 87_600),
    subscriptionsPerConnection: envInt(
      env,
      'SUBSCRIPTIONS_PER_CONNECTION',
      defaults.subscriptionsPerConnection,
      1,
      100_000,
    ),
  };
}

/** How a service's HTTP server keeps connections and shuts down; the gateway and subgraphs alike. */
export interface HttpServerSettings {
  /**
   * How long an idle keep-alive connection stays open (`KEEP_ALIVE_TIMEOUT_MS`), announced to
   * clients in `Keep-Alive: timeout=N`. Clients and proxies in front must close theirs sooner: the
   * gateway's `SUBGRAPH_KEEP_ALIVE_MS` for subgraphs; a load balancer's idle timeout for the gateway.
   */
  keepAliveTimeoutMs: number;
  /** How long a drain on SIGTERM/SIGINT may take before unanswered requests are cut (`SHUTDOWN_TIMEOUT_MS`). */
  shutdownTimeoutMs: number;
}

/** Reads {@link HttpServerSettings}. Throws {@link StartupError} when malformed. */
export function readHttpServerSettings(env: Env): HttpServerSettings {
  return {
    keepAliveTimeoutMs: envInt(env, 'KEEP_ALIVE_TIMEOUT_MS', 5_000, 1_000, 600_000),
    shutdownTimeoutMs: envInt(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000),
  };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The database name a subgraph uses on a shared MySQL server. */
export function mysqlDatabaseName(service: string): string {
  return `alliance_${service}`;
}

/** Hides the password of a connection URL for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable URL>';
  }
}

/**
 * Resolves where a subgraph's data lives. `<SERVICE>_DATABASE_URL` wins over
 * `DATABASE_URL`; without either, an embedded SQLite file under `DATA_DIR` is used.
 */
export function readDatabaseConfig(env: Env, service: string): DatabaseConfig {
  const overrideName = `${service.toUpperCase()}_DATABASE_URL`;
  const override = envString(env, overrideName);
  const shared = envString(env, 'DATABASE_URL');
  const variable = override !== undefined ? overrideName : 'DATABASE_URL';
  const value = override ?? shared;
  const poolSize = envInt(env, 'DB_POOL_SIZE', 10, 1, 200);

  if (value === undefined) {
    const dataDir = path.resolve(envString(env, 'DATA_DIR', 'data'));
    return { kind: 'sqlite', file: path.join(dataDir, `${service}.sqlite`) };
  }

  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new StartupError(
      `${variable} is not a URL (expected mysql://user:password@host:port or sqlite:path/to/file.sqlite)`,
    );
  }
  if (url.protocol === 'sqlite:') {
    const file = value.slice('sqlite:'.length).replace(/^\/\//, '');
    if (file === '') throw new StartupError(`${variable} names no SQLite file (use sqlite:path/to/file.sqlite)`);
    return { kind: 'sqlite', file: file === ':memory:' ? file : path.resolve(file) };
  }
  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') {
    throw new StartupError(
      `${variable} has unsupported scheme "${url.protocol.replace(/:$/, '')}" (use mysql://user:password@host:port, or unset it for embedded SQLite)`,
    );
  }
  if (url.hostname === '') throw new StartupError(`${variable} names no host (use mysql://user:password@host:port)`);
  const named = decodeURIComponent(url.pathname.replace(/^\//, ''));
  // The shared URL points at a server; each subgraph keeps its own database on it.
  // Only the per-subgraph override may name the database.
  if (override === undefined && named !== '') {
    throw new StartupError(
      `DATABASE_URL must not name a database ("${named}"): each subgraph uses its own (${mysqlDatabaseName(service)}); set ${overrideName} to choose one`,
    );
  }
  const database = named || mysqlDatabaseName(service);
  if (!/^[A-Za-z0-9_]{1,64}$/.test(database)) {
    throw new StartupError(`${variable} names database "${database}": use letters, digits and _ only`);
  }
  url.protocol = 'mysql:';
  url.pathname = `/${database}`;
  return { kind: 'mysql', url: url.toString(), database, poolSize, readUrls: readReplicaUrls(env, service, database) };
}

/**
 * Read replicas from `<SERVICE>_DATABASE_READ_URLS` or `DATABASE_READ_URLS` (comma-separated
 * `mysql://user:pass@host:port` servers; the subgraph's database name is added unless the
 * per-subgraph variable names one).
 */
function readReplicaUrls(env: Env, service: string, database: string): string[] {
  const overrideName = `${service.toUpperCase()}_DATABASE_READ_URLS`;
  const override = envString(env, overrideName);
  const variable = override !== undefined ? overrideName : 'DATABASE_READ_URLS';
  const value = override ?? envString(env, 'DATABASE_READ_URLS');
  if (value === undefined) return [];
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => {
      let url: URL;
      try {
        url = new URL(item);
      } catch {
        throw new StartupError(`${variable} holds "${redactUrl(item)}", which is not a mysql:// URL`);
      }
      if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') {
        throw new StartupError(`${variable} must list mysql://user:password@host:port URLs`);
      }
      url.protocol = 'mysql:';
      if (override === undefined || url.pathname.replace(/^\//, '') === '') url.pathname = `/${database}`;
      return url.toString();
    });
}

/**
 * Reads a subgraph's configuration from the environment; `subgraph` gives its name and default
 * port. Throws {@link StartupError}.
 */
export function loadSubgraphConfig(subgraph: { name: string; port: number }, env: Env = process.env): SubgraphConfig {
  const service = subgraph.name;
  const nodeEnv = envNodeEnv(env);
  return {
    service,
    nodeEnv,
    host: envString(env, 'HOST', '127.0.0.1'),
    port: envPort(env, 'PORT', subgraph.port),
    database: readDatabaseConfig(env, service),
    seed: envEnum(env, 'SEED', ['never', 'if-empty'] as const, 'never'),
    logLevel: envEnum(env, 'LOG_LEVEL', LOG_LEVELS, nodeEnv === 'test' ? 'warn' : 'info'),
    security: readSubgraphSecurity(env, nodeEnv),
    http: readHttpServerSettings(env),
    events: readEventsConfig(env),
    tracing: readTracingConfig(env, service),
  };
}

/** Reads the trust settings: the assertion key, and the unsigned-requests switch (refused in production). */
export function readSubgraphSecurity(env: Env, nodeEnv: NodeEnv): SubgraphSecurity {
  const allowUnsigned = envBool(env, 'ALLOW_UNSIGNED_REQUESTS', false);
  if (allowUnsigned && nodeEnv === 'production') {
    throw new StartupError('ALLOW_UNSIGNED_REQUESTS is for local development and cannot be used in production');
  }
  return { assertionKey: readAssertionKey(env, nodeEnv), allowUnsigned };
}

/**
 * The key of the gateway's identity assertions: `GATEWAY_ASSERTION_SECRET` and `DEPLOYMENT_ID`,
 * the same on the gateway and every subgraph of one deployment.
 */
export function readAssertionKey(env: Env, nodeEnv: NodeEnv): AssertionKey {
  return {
    secret: readSecret(env, 'GATEWAY_ASSERTION_SECRET', nodeEnv),
    deploymentId: readDeploymentId(env, nodeEnv),
  };
}

/**
 * `DEPLOYMENT_ID` names one deployment (e.g. `sichuan-prod`) in the issuer and audience of
 * every assertion, so that an assertion of another deployment is refused. Production must
 * set it; elsewhere it defaults to `development`.
 */
function readDeploymentId(env: Env, nodeEnv: NodeEnv): string {
  const value = envString(env, 'DEPLOYMENT_ID');
  if (value === undefined) {
    if (nodeEnv === 'production') {
      throw new StartupError(
        'DEPLOYMENT_ID must be set in production: a name for this deployment (e.g. sichuan-prod), the same on the gateway and every subgraph',
      );
    }
    return DEV_DEPLOYMENT_ID;
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(value)) {
    throw new StartupError(`DEPLOYMENT_ID="${value}" must be 1-63 letters, digits, ".", "_" or "-"`);
  }
  return value;
}
