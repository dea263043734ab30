import { createLogger } from '../subgraphs/kit/logger';
import { exitOnStartupError, listenOrExplain, stopOnSignals } from '../subgraphs/kit/run';
import { loadGatewayConfig } from './config';
import { buildGateway } from './server';

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const logger = createLogger('gateway', config.logLevel);
  const built = await buildGateway(config, logger);
  const port = await listenOrExplain(built.httpServer, config.port, config.host);
  const host = config.host === '0.0.0.0' ? 'localhost' : config.host;
  logger.info({ url: `http://${host}:${port}/graphql` }, 'gateway ready');
  stopOnSignals(logger, built.httpServer, () => built.stop());
}

main().catch((error: unknown) => exitOnStartupError('gateway', error));
