import type { BackgroundContext, BackgroundWork } from '../../kit/descriptor';
import type { MembershipRepositories } from '../repositories';
import { readWebhookConfig, REMOTE_SOURCES } from './config';
import { WebhookDispatcher } from './dispatcher';
import { FeedReader, localFeed, remoteFeed, StreamReader } from './sources';

/**
 * The membership process's webhook work: the dispatcher, and the reader that feeds it events
 * (Redis streams with `REDIS_URL`, else the subgraphs' outbox feeds; see `./sources`).
 */
export async function startWebhooks(context: BackgroundContext<MembershipRepositories>): Promise<BackgroundWork> {
  const { dataSource, repos, logger, security, transport } = context;
  const config = readWebhookConfig(context.env, context.nodeEnv);
  if (config.policy.allowPrivate) {
    logger.warn('WEBHOOK_ALLOW_PRIVATE_NETWORKS is on: webhooks may reach private and loopback addresses');
  }
  const dispatcher = new WebhookDispatcher({
    dataSource,
    webhooks: repos.webhooks,
    logger,
    timeoutMs: config.timeoutMs,
    pollMs: config.pollMs,
  });
  let reader: FeedReader | StreamReader;
  if (transport?.kind === 'redis') {
    reader = new StreamReader({ dataSource, transport, target: dispatcher, logger, retryMs: config.pollMs });
  } else {
    const missing = REMOTE_SOURCES.filter((name) => !config.feeds[name]);
    if (missing.length > 0) {
      logger.warn(
        { missing: missing.map((name) => `SUBGRAPH_${name.toUpperCase()}_URL`) },
        'webhooks: no event feed URL for some subgraphs; their events are not delivered',
      );
    }
    reader = new FeedReader({
      dataSource,
      feeds: [
        localFeed(dataSource, 'membership'),
        ...Object.entries(config.feeds).map(([name, origin]) => remoteFeed(name, origin, security.assertionKey)),
      ],
      target: dispatcher,
      logger,
      pollMs: config.pollMs,
    });
  }
  dispatcher.start();
  reader.start();
  return {
    stop: async () => {
      await reader.stop();
      await dispatcher.stop();
    },
  };
}
