import type express from 'express';
import type { Request, Response } from 'express';
import { MoreThan, type DataSource } from 'typeorm';
import { serialized } from '../audit/mutations';
import { ErrorCode, writeError } from '../errors';
import type { Logger } from '../logger';
import type { PublishedEvent } from './catalogue';
import { OutboxEvent } from './OutboxEvent';
import { toPublishedEvent } from './outbox';

/**
 * The outbox as a durable, ordered feed: `GET /internal/events?after=<outbox id>&limit=<n>`,
 * served by every subgraph that emits events, read by the webhook dispatcher of the membership
 * subgraph (`membership/webhooks/`). In the embedded default each subgraph is its own process
 * with an in-process transport, so another process cannot see its events on the transport; the
 * outbox table itself is the log, and a consumer keeps its place as the last outbox id it read.
 * Only service-to-service callers with an identity-audience assertion may read it.
 */
export const EVENT_FEED_PATH = '/internal/events';

/** Most events one read of the feed returns. */
export const FEED_MAX_LIMIT = 500;

/** What one read of the feed answers. */
export interface FeedPage {
  /** Events with an outbox id above `after`, in id order. */
  events: PublishedEvent[];
  /**
   * The lowest outbox id the subgraph still holds (null when empty): a reader whose `after` is
   * below `oldest - 1` missed events that were pruned.
   */
  oldest: number | null;
}

/**
 * Reads the committed events of `subgraph`'s outbox after outbox id `after`, in id order.
 * Committed rows are in id order on both engines (see `./outbox`); on SQLite the read waits in
 * the mutation queue so that it never runs inside another request's open transaction.
 */
export async function readOutbox(
  dataSource: DataSource,
  subgraph: string,
  after: number,
  limit: number,
): Promise<FeedPage> {
  return serialized(dataSource, async () => {
    const repository = dataSource.getRepository(OutboxEvent);
    const rows = await repository.find({ where: { id: MoreThan(after) }, order: { id: 'ASC' }, take: limit });
    const first = await repository.find({ select: { id: true }, order: { id: 'ASC' }, take: 1 });
    return {
      events: rows.map((row) => toPublishedEvent(subgraph, row)),
      oldest: first[0] ? Number(first[0].id) : null,
    };
  });
}

/**
 * Mounts the feed on a subgraph's app behind `guard` (the identity-audience assertion check).
 * Answers `{ events, oldest }`; 400 BAD_USER_INPUT for a malformed `after` or `limit`.
 */
export function mountEventFeed(
  app: express.Express,
  options: { dataSource: DataSource; subgraph: string; logger: Logger; guard: express.RequestHandler },
): void {
  app.get(EVENT_FEED_PATH, options.guard, async (req: Request, res: Response) => {
    const after = Number(req.query.after ?? 0);
    const limit = Number(req.query.limit ?? 100);
    if (!Number.isSafeInteger(after) || after < 0) {
      writeError(res, 400, ErrorCode.BAD_USER_INPUT, '`after` must be an outbox id (an integer, 0 or more)');
      return;
    }
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > FEED_MAX_LIMIT) {
      writeError(res, 400, ErrorCode.BAD_USER_INPUT, `\`limit\` must be an integer from 1 to ${FEED_MAX_LIMIT}`);
      return;
    }
    try {
      res.json(await readOutbox(options.dataSource, options.subgraph, after, limit));
    } catch (error) {
      options.logger.error({ err: error }, 'event feed read failed');
      writeError(res, 503, 'SERVICE_UNAVAILABLE', 'the event feed is unavailable; try again');
    }
  });
}
