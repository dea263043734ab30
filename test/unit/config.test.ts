import { loadSubgraphConfig, readDatabaseConfig, redactUrl } from '../../subgraphs/kit/config';
import { membership } from '../../subgraphs/membership/server';
import { tourism } from '../../subgraphs/tourism/server';
import { StartupError } from '../../subgraphs/kit/env';
import { loadGatewayConfig } from '../../gateway/config';
import { productionSecrets } from '../support/secrets';

describe('subgraph configuration', () => {
  it('defaults to an embedded SQLite file per subgraph under data/', () => {
    const config = readDatabaseConfig({}, 'membership');
    expect(config).toEqual({ kind: 'sqlite', file: expect.stringMatching(/data\/membership\.sqlite$/) });
  });

  it('gives each subgraph its own database on a shared MySQL server', () => {
    const env = { DATABASE_URL: 'mysql://app:s3cret@db.internal:3306' };
    expect(readDatabaseConfig(env, 'membership')).toMatchObject({
      kind: 'mysql',
      database: 'alliance_membership',
      url: 'mysql://app:s3cret@db.internal:3306/alliance_membership',
    });
    expect(readDatabaseConfig(env, 'tourism')).toMatchObject({ database: 'alliance_tourism' });
  });

  it('lets a per-subgraph variable override the shared URL and name the database', () => {
    const env = { DATABASE_URL: 'mysql://root@a:3306', MEMBERSHIP_DATABASE_URL: 'mysql://root@b:3307/members_v2' };
    expect(readDatabaseConfig(env, 'membership')).toMatchObject({
      database: 'members_v2',
      url: 'mysql://root@b:3307/members_v2',
    });
    expect(readDatabaseConfig(env, 'content')).toMatchObject({ database: 'alliance_content' });
  });

  it.each([
    ['postgres://root@localhost:5432', /unsupported scheme "postgres"/],
    ['not a url', /DATABASE_URL is not a URL/],
    ['mysql://root@host:3306/shared', /must not name a database/],
  ])('stops with a one-line error naming DATABASE_URL for %s', (value, message) => {
    expect(() => readDatabaseConfig({ DATABASE_URL: value }, 'membership')).toThrow(StartupError);
    expect(() => readDatabaseConfig({ DATABASE_URL: value }, 'membership')).toThrow(message);
  });

  it('names the malformed variable for ports, seed modes and log levels', () => {
    expect(() => loadSubgraphConfig(membership, { PORT: 'eighty' })).toThrow(/PORT="eighty" is not a whole number/);
    expect(() => loadSubgraphConfig(membership, { PORT: '70000' })).toThrow(/PORT=70000 is out of range/);
    expect(() => loadSubgraphConfig(membership, { SEED: 'always' })).toThrow(
      /SEED="always" is not one of: never, if-empty/,
    );
    expect(() => loadSubgraphConfig(membership, { NODE_ENV: 'prod' })).toThrow(/NODE_ENV/);
  });

  it('keeps the unsigned-requests switch off by default and refuses it in production', () => {
    expect(loadSubgraphConfig(membership, {}).security.allowUnsigned).toBe(false);
    expect(loadSubgraphConfig(membership, { ALLOW_UNSIGNED_REQUESTS: 'true' }).security.allowUnsigned).toBe(true);
    expect(() =>
      loadSubgraphConfig(membership, {
        NODE_ENV: 'production',
        ALLOW_UNSIGNED_REQUESTS: 'true',
        GATEWAY_ASSERTION_SECRET: 'a'.repeat(32),
      }),
    ).toThrow(/cannot be used in production/);
  });

  it('reads the outbox relay and event transport settings, naming a malformed one in one line', () => {
    expect(loadSubgraphConfig(membership, {}).events).toEqual({
      pollMs: 250,
      batchSize: 100,
      redisUrl: undefined,
      redisKeyPrefix: 'alliance:',
      streamMaxLength: 100_000,
      retentionHours: 168,
      subscriptionsPerConnection: 100,
    });
    expect(
      loadSubgraphConfig(membership, {
        OUTBOX_POLL_MS: '1000',
        REDIS_URL: 'redis://cache:6379',
        REDIS_KEY_PREFIX: 'x:',
      }).events,
    ).toMatchObject({ pollMs: 1000, redisUrl: 'redis://cache:6379', redisKeyPrefix: 'x:' });
    expect(() => loadSubgraphConfig(membership, { OUTBOX_POLL_MS: 'soon' })).toThrow(
      /^OUTBOX_POLL_MS="soon" is not a whole number \(expected 10\.\.600000\)$/,
    );
    expect(() => loadSubgraphConfig(membership, { OUTBOX_POLL_MS: '0' })).toThrow(/OUTBOX_POLL_MS=0 is out of range/);
    expect(() => loadSubgraphConfig(membership, { OUTBOX_BATCH_SIZE: '5000' })).toThrow(/OUTBOX_BATCH_SIZE=5000/);
    expect(loadSubgraphConfig(membership, { OUTBOX_RETENTION_HOURS: '720' }).events.retentionHours).toBe(720);
    expect(() => loadSubgraphConfig(membership, { OUTBOX_RETENTION_HOURS: '7d' })).toThrow(
      /^OUTBOX_RETENTION_HOURS="7d" is not a whole number \(expected 24\.\.87600\)$/,
    );
    expect(() => loadSubgraphConfig(membership, { OUTBOX_RETENTION_HOURS: '1' })).toThrow(
      /^OUTBOX_RETENTION_HOURS=1 is out of range \(expected 24\.\.87600\)$/,
    );
    expect(() => loadSubgraphConfig(membership, { SUBSCRIPTIONS_PER_CONNECTION: '0' })).toThrow(
      /^SUBSCRIPTIONS_PER_CONNECTION=0 is out of range \(expected 1\.\.100000\)$/,
    );
    expect(() => loadSubgraphConfig(membership, { REDIS_URL: 'cache:6379' })).toThrow(
      /REDIS_URL must look like redis:\/\/host:6379/,
    );
  });

  it('never shows a password when describing a connection', () => {
    expect(redactUrl('mysql://app:s3cret@db:3306/x')).toBe('mysql://app:***@db:3306/x');
  });
});

describe('gateway configuration', () => {
  it('reads subgraph URL overrides and defaults introspection off in production', () => {
    const config = loadGatewayConfig({
      NODE_ENV: 'production',
      SUBGRAPH_MEMBERSHIP_URL: 'http://membership:4001/graphql',
      ...productionSecrets(),
    });
    expect(config.subgraphUrls).toEqual({ membership: 'http://membership:4001/graphql' });
    expect(config.introspection).toBe(false);
    expect(config.port).toBe(4000);
  });

  it('requires real signing secrets in production, and refuses short ones anywhere', () => {
    const { GATEWAY_ASSERTION_SECRET: _unset, ...withoutAssertionSecret } = productionSecrets();
    expect(() => loadGatewayConfig({ NODE_ENV: 'production', ...withoutAssertionSecret })).toThrow(
      'GATEWAY_ASSERTION_SECRET must be set in production (at least 32 characters); generate one with `openssl rand -base64 48`',
    );
    expect(() => loadGatewayConfig({ GATEWAY_ASSERTION_SECRET: 'short' })).toThrow(
      'GATEWAY_ASSERTION_SECRET must be at least 32 characters long',
    );
  });

  it('refuses a subgraph URL that is not http(s)', () => {
    expect(() => loadGatewayConfig({ SUBGRAPH_CONTENT_URL: 'ftp://x/graphql' })).toThrow(
      /SUBGRAPH_CONTENT_URL must be an http/,
    );
  });

  it("runs query plans with the gateway's own executor unless GATEWAY_EXECUTOR=apollo", () => {
    expect(loadGatewayConfig({}).executor).toBe('ours');
    expect(loadGatewayConfig({ GATEWAY_EXECUTOR: 'apollo' }).executor).toBe('apollo');
    expect(() => loadGatewayConfig({ GATEWAY_EXECUTOR: 'fast' })).toThrow(/GATEWAY_EXECUTOR/);
  });

  it("plans with Hive's planner on our executor, with Apollo's on Apollo's executor, and refuses hive there", () => {
    expect(loadGatewayConfig({}).planner).toBe('hive');
    expect(loadGatewayConfig({ GATEWAY_PLANNER: 'apollo' }).planner).toBe('apollo');
    expect(loadGatewayConfig({ GATEWAY_EXECUTOR: 'apollo' }).planner).toBe('apollo');
    expect(() => loadGatewayConfig({ GATEWAY_EXECUTOR: 'ours', GATEWAY_PLANNER: 'rust' })).toThrow(/GATEWAY_PLANNER/);
    expect(() => loadGatewayConfig({ GATEWAY_EXECUTOR: 'apollo', GATEWAY_PLANNER: 'hive' })).toThrow(
      /GATEWAY_PLANNER=hive needs GATEWAY_EXECUTOR=ours/,
    );
  });

  it('serves metrics on a loopback listener of its own by default, never on the public port', () => {
    expect(loadGatewayConfig({})).toMatchObject({ port: 4000, metricsPort: 9464, metricsHost: '127.0.0.1' });
    expect(loadGatewayConfig({ METRICS_PORT: '0', METRICS_HOST: '0.0.0.0' })).toMatchObject({
      metricsPort: 0,
      metricsHost: '0.0.0.0',
    });
    expect(() => loadGatewayConfig({ PORT: '8080', METRICS_PORT: '8080' })).toThrow(
      /^METRICS_PORT must differ from PORT/,
    );
    expect(() => loadGatewayConfig({ METRICS_PORT: 'prometheus' })).toThrow(/METRICS_PORT/);
  });
});

describe('HTTP server settings (keep-alive and shutdown)', () => {
  it('default to a 5 s keep-alive and a 10 s drain, on subgraphs and the gateway alike, and the gateway closes idle subgraph sockets after 2 s', () => {
    const settings = { keepAliveTimeoutMs: 5_000, shutdownTimeoutMs: 10_000 };
    expect(loadSubgraphConfig(tourism, {}).http).toEqual(settings);
    expect(loadGatewayConfig({}).http).toEqual(settings);
    expect(loadGatewayConfig({}).subgraphKeepAliveMs).toBe(2_000);
    expect(loadSubgraphConfig(tourism, { KEEP_ALIVE_TIMEOUT_MS: '65000', SHUTDOWN_TIMEOUT_MS: '30000' }).http).toEqual({
      keepAliveTimeoutMs: 65_000,
      shutdownTimeoutMs: 30_000,
    });
  });

  it('caps subscriptions per WebSocket connection at 100 unless SUBSCRIPTIONS_PER_CONNECTION says otherwise', () => {
    expect(loadGatewayConfig({}).subscriptionsPerConnection).toBe(100);
    expect(loadGatewayConfig({ SUBSCRIPTIONS_PER_CONNECTION: '5' }).subscriptionsPerConnection).toBe(5);
    expect(() => loadGatewayConfig({ SUBSCRIPTIONS_PER_CONNECTION: '0' })).toThrow(
      /SUBSCRIPTIONS_PER_CONNECTION=0 is out of range/,
    );
  });

  it('reads the subscription caps per credential and per address, and the WebSocket idle timeout', () => {
    expect(loadGatewayConfig({})).toMatchObject({
      subscriptionsPerCredential: 1000,
      subscriptionsPerIp: 5000,
      websocketIdleTimeoutMs: 60_000,
    });
    expect(
      loadGatewayConfig({
        SUBSCRIPTIONS_PER_CREDENTIAL: '10',
        SUBSCRIPTIONS_PER_IP: '20',
        WEBSOCKET_IDLE_TIMEOUT_MS: '5000',
      }),
    ).toMatchObject({ subscriptionsPerCredential: 10, subscriptionsPerIp: 20, websocketIdleTimeoutMs: 5000 });
    expect(() => loadGatewayConfig({ SUBSCRIPTIONS_PER_CREDENTIAL: 'many' })).toThrow(
      /^SUBSCRIPTIONS_PER_CREDENTIAL="many" is not a whole number \(expected 1\.\.1000000\)$/,
    );
    expect(() => loadGatewayConfig({ SUBSCRIPTIONS_PER_IP: '0' })).toThrow(/^SUBSCRIPTIONS_PER_IP=0 is out of range/);
    expect(() => loadGatewayConfig({ WEBSOCKET_IDLE_TIMEOUT_MS: '10' })).toThrow(
      /^WEBSOCKET_IDLE_TIMEOUT_MS=10 is out of range \(expected 1000\.\.3600000\)$/,
    );
  });

  it('names the malformed variable in one line', () => {
    expect(() => loadSubgraphConfig(tourism, { KEEP_ALIVE_TIMEOUT_MS: '500' })).toThrow(
      /KEEP_ALIVE_TIMEOUT_MS=500 is out of range \(expected 1000\.\.600000\)/,
    );
    expect(() => loadGatewayConfig({ SHUTDOWN_TIMEOUT_MS: 'soon' })).toThrow(
      /SHUTDOWN_TIMEOUT_MS="soon" is not a whole number/,
    );
    expect(() => loadGatewayConfig({ SUBGRAPH_KEEP_ALIVE_MS: '0' })).toThrow(
      /SUBGRAPH_KEEP_ALIVE_MS=0 is out of range/,
    );
  });
});
