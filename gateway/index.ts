import cluster from 'node:cluster';
import { createLogger } from '../subgraphs/kit/logger';
import { exitOnStartupError, listenOrExplain } from '../subgraphs/kit/listener';
import { stopOnSignals } from '../subgraphs/kit/shutdown';
import { traceIdLogFields } from '../subgraphs/kit/tracing';
import { loadGatewayConfig } from './config';
import { buildGateway } from './server';

/** Message a worker sends after a mutation cleared its response cache; the primary relays it. */
const CLEAR = 'gateway:response-cache-clear';

/**
 * `GATEWAY_WORKERS=N` (N > 1) forks N worker processes sharing the port (node:cluster);
 * the primary only supervises them and relays response-cache invalidations.
 */
function runPrimary(workers: number): void {
  for (let i = 0; i < workers; i += 1) cluster.fork();
  cluster.on('message', (from, message) => {
    if (message !== CLEAR) return;
    for (const worker of Object.values(cluster.workers ?? {})) if (worker && worker !== from) worker.send(CLEAR);
  });
  const stop = () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  cluster.on('exit', () => {
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  });
}

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  if (cluster.isPrimary && config.workers > 1) return runPrimary(config.workers);
  const logger = createLogger('gateway', config.logLevel, undefined, config.tracing && traceIdLogFields);
  const built = await buildGateway(config, logger);
  if (cluster.isWorker && built.responseCache) {
    built.responseCache.onClear = () => process.send?.(CLEAR);
    process.on('message', (message) => {
      if (message === CLEAR) void built.responseCache?.clear();
    });
  }
  stopOnSignals({
    service: 'gateway',
    logger,
    server: built.httpServer,
    settings: config.http,
    beforeDrain: built.goingAway,
    close: built.stop,
  });
  const port = await listenOrExplain(built.httpServer, config.port, config.host);
  const host = config.host === '0.0.0.0' ? 'localhost' : config.host;
  // Metrics and detailed readiness on the operator's own listener, never the public port (METRICS_PORT=0: off).
  const metricsUrl =
    config.metricsPort > 0
      ? `http://${config.metricsHost}:${await listenOrExplain(built.metricsServer, config.metricsPort, config.metricsHost, 'METRICS_PORT')}/metrics`
      : null;
  logger.info({ url: `http://${host}:${port}/graphql`, metrics: metricsUrl }, 'gateway ready');
}

main().catch((error: unknown) => exitOnStartupError('gateway', error));
