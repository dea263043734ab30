import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadGatewayConfig } from '../../gateway/config';
import { type BuiltGateway, buildGateway } from '../../gateway/server';
import { SUBGRAPHS } from '../../subgraphs';
import { createContentSubgraph } from '../../subgraphs/content/server';
import { HttpReferenceChecker } from '../../subgraphs/content/references';
import { readAssertionKey } from '../../subgraphs/kit/config';
import { type Database, openDatabase } from '../../subgraphs/kit/database';
import type { AssertionKey } from '../../subgraphs/kit/identity';
import { createLogger } from '../../subgraphs/kit/logger';
import type { BuiltSubgraph, Subgraph } from '../../subgraphs/kit/descriptor';
import { type SubgraphSecurity, listen } from '../../subgraphs/kit/server';
import type { Tracing } from '../../subgraphs/kit/tracing';
import { createTestDatabase, type TestDatabase } from './databases';

const SUPERGRAPH = path.resolve(__dirname, '../../schema/supergraph.graphql');

/** One subgraph built by the kit in this process, listening on a port of its own. */
export interface InProcessSubgraph {
  url: string;
  port: number;
  database: Database;
  /** The subgraph as built (its relay, its subscriptions). */
  built: BuiltSubgraph;
  /** Stops the subgraph (its clients then find nothing listening), as a subgraph outage would. */
  stop: () => Promise<void>;
}

/** A gateway built by `buildGateway` in this process, both listeners on fresh ports. */
export interface InProcessGateway {
  /** `http://127.0.0.1:<port>`: `/graphql`, `/auth/token`, `/healthz`, `/readyz`. */
  url: string;
  port: number;
  /** The operator's listener: `/metrics`, detailed `/readyz`. */
  metricsUrl: string;
  built: BuiltGateway;
  /** Every line the gateway has logged so far, parsed. */
  logs: () => Array<Record<string, unknown>>;
  /** The `graphql request` lines of one request id. */
  requestLogs: (requestId: string) => Array<Record<string, unknown>>;
  /** The `graphql subscription` lines (one per subscription, when it ends). */
  subscriptionLogs: () => Array<Record<string, unknown>>;
  /** The Prometheus text of `/metrics`, read in-process. */
  metrics: () => Promise<string>;
}

/** Every subgraph and any number of gateways in this process, over real HTTP, on fresh databases. */
export interface InProcessGraph {
  subgraphs: Record<string, InProcessSubgraph>;
  /** The first gateway, started with the graph. */
  gateway: InProcessGateway;
  /** Starts another gateway over the same subgraphs; `env` as the gateway's environment (stopped with the graph). */
  startGateway: (env?: Record<string, string>) => Promise<InProcessGateway>;
  /** The assertion key gateways and subgraphs share. */
  assertionKey: AssertionKey;
  /** The supergraph file every gateway of the graph serves and watches (rewrite it to reload them). */
  supergraphPath: string;
  /** SQL statements a subgraph has sent so far. */
  sqlStatements: (name: string) => number;
  stop: () => Promise<void>;
}

/** What a test may give every service of an in-process graph. */
export interface InProcessSeams {
  /** Each service's tracer (by service name: `gateway`, or a subgraph's), e.g. to an in-memory exporter. */
  tracing?: (service: string) => Promise<Tracing>;
}

/**
 * The test seam of the gateway: the kit builds every subgraph in this process (seeded, on
 * port 0), and `buildGateway` builds the gateway over them from an environment, as the
 * process would read it. No process is spawned; gateway and subgraphs still talk HTTP.
 * `serviceEnv` is shared by the gateways and (for the assertion key) the subgraphs; `engine`
 * is the subgraphs' database (an in-memory SQLite each, or a fresh MySQL database each).
 */
export async function startInProcessGraph(
  gatewayEnv: Record<string, string> = {},
  serviceEnv: Record<string, string> = {},
  engine: 'sqlite' | 'mysql' = 'sqlite',
  seams: InProcessSeams = {},
): Promise<InProcessGraph> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alliance-inproc-'));
  const supergraphPath = path.join(dir, 'supergraph.graphql');
  fs.copyFileSync(SUPERGRAPH, supergraphPath);
  const security: SubgraphSecurity = { assertionKey: readAssertionKey(serviceEnv, 'test'), allowUnsigned: false };
  const quiet = createLogger('test', 'silent');
  const subgraphs: Record<string, InProcessSubgraph> = {};
  const stops: Array<() => Promise<void>> = [];
  const urlOf = (name: string) => subgraphs[name]!.url;

  const start = async (definition: Subgraph) => {
    const testDatabase: TestDatabase = await createTestDatabase(engine);
    const database = await openDatabase({
      config: testDatabase.config,
      entities: definition.entities,
      migrations: definition.migrations,
    });
    await definition.seed(database.dataSource, { devCredentials: true });
    const tracing = await seams.tracing?.(definition.name);
    const built = await definition.build(database, quiet, security, tracing ? { tracing } : {});
    const port = await listen(built.httpServer, 0, '127.0.0.1');
    let stopped: Promise<void> | undefined;
    const stop = () =>
      (stopped ??= (async () => {
        built.httpServer.closeAllConnections();
        built.httpServer.close();
        await built.stop();
        await database.dataSource.destroy();
        await testDatabase.drop();
      })());
    subgraphs[definition.name] = { url: `http://127.0.0.1:${port}/graphql`, port, database, built, stop };
    stops.push(stop);
  };
  // The content subgraph checks ids with their owners: it starts last, told where they listen.
  for (const definition of SUBGRAPHS) if (definition.name !== 'content') await start(definition);
  await start(
    createContentSubgraph(
      (trust) =>
        new HttpReferenceChecker(
          { Member: urlOf('membership'), Attraction: urlOf('tourism'), Campaign: urlOf('campaigns') },
          trust.assertionKey,
        ),
    ),
  );

  const gateways: InProcessGateway[] = [];
  const startGateway = async (env: Record<string, string> = {}): Promise<InProcessGateway> => {
    const config = loadGatewayConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      SUPERGRAPH_PATH: supergraphPath,
      ...Object.fromEntries(
        Object.entries(subgraphs).map(([name, { url }]) => [`SUBGRAPH_${name.toUpperCase()}_URL`, url]),
      ),
      ...serviceEnv,
      ...env,
    });
    const lines: string[] = [];
    const logger = createLogger('gateway', config.logLevel, { write: (line: string) => void lines.push(line) });
    const built = await buildGateway(config, logger, { tracing: await seams.tracing?.('gateway') });
    const port = await listen(built.httpServer, 0, '127.0.0.1');
    await listen(built.metricsServer, 0, '127.0.0.1');
    const logs = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const gateway: InProcessGateway = {
      url: `http://127.0.0.1:${port}`,
      port,
      metricsUrl: `http://127.0.0.1:${(built.metricsServer.address() as AddressInfo).port}`,
      built,
      logs,
      requestLogs: (requestId) =>
        logs().filter((line) => line.requestId === requestId && line.msg === 'graphql request'),
      subscriptionLogs: () => logs().filter((line) => line.msg === 'graphql subscription'),
      metrics: () => built.metrics.registry.metrics(),
    };
    gateways.push(gateway);
    return gateway;
  };
  const gateway = await startGateway(gatewayEnv);

  return {
    subgraphs,
    gateway,
    startGateway,
    assertionKey: security.assertionKey,
    supergraphPath,
    sqlStatements: (name) => subgraphs[name]!.database.queries.count,
    stop: async () => {
      for (const { built } of gateways) {
        built.httpServer.closeAllConnections();
        await built.stop();
        if (built.httpServer.listening) built.httpServer.close();
      }
      for (const stop of stops) await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
