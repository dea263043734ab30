import type { DataSource } from 'typeorm';
import { serialized } from '../../kit/audit/mutations';
import { EVENT_SOURCES, EVENT_TYPES, type PublishedEvent } from '../../kit/events/catalogue';
import { EVENT_FEED_PATH, type FeedPage, readOutbox } from '../../kit/events/feed';
import type { EventTransport } from '../../kit/events/transport';
import { ANONYMOUS, ASSERTION_HEADER, type AssertionKey, IDENTITY_AUDIENCE, signAssertion } from '../../kit/identity';
import type { Logger } from '../../kit/logger';
import { WebhookCursor } from '../entities';

/**
 * Where the webhook dispatcher's events come from, and how it keeps its place (`webhook_cursor`,
 * in membership's database, so that a restart resumes):
 *
 * - without Redis (the embedded default), each subgraph is its own process with an in-process
 *   transport, so the dispatcher reads the outboxes themselves: membership's own table directly,
 *   the others through their `/internal/events` feed (`kit/events/feed.ts`), on a short poll. The
 *   outbox is the durable log; the place is the last outbox id read (`feed:<subgraph>`).
 * - with `REDIS_URL`, it reads the subgraphs' Redis streams through the event transport, from the
 *   stream positions it saved (`redis:<subgraph>`).
 *
 * Either way delivery is at least once into `ingest`, whose unique (webhook, event) key makes it
 * exactly one delivery row.
 */
export interface EventIngest {
  ingest: (events: readonly PublishedEvent[]) => Promise<void>;
}

/** One subgraph's outbox, read after an outbox id. */
export interface OutboxFeed {
  source: string;
  read: (after: number, limit: number, signal?: AbortSignal) => Promise<FeedPage>;
}

/** Membership's own outbox, read from its database. */
export function localFeed(dataSource: DataSource, source: string): OutboxFeed {
  return { source, read: (after, limit) => readOutbox(dataSource, source, after, limit) };
}

/** Another subgraph's outbox, read over its internal feed with an identity-audience assertion. */
export function remoteFeed(source: string, origin: string, key: AssertionKey, timeoutMs = 10_000): OutboxFeed {
  return {
    source,
    read: async (after, limit, signal) => {
      const timeout = AbortSignal.timeout(timeoutMs);
      const response = await fetch(`${origin}${EVENT_FEED_PATH}?after=${after}&limit=${limit}`, {
        headers: { [ASSERTION_HEADER]: await signAssertion(ANONYMOUS, key, IDENTITY_AUDIENCE) },
        signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
      });
      if (!response.ok) throw new Error(`the ${source} event feed answered ${response.status}`);
      return (await response.json()) as FeedPage;
    },
  };
}

/** Reads the saved position of `source`, or undefined before the first event. */
async function loadPosition(dataSource: DataSource, source: string): Promise<string | undefined> {
  const row = await serialized(dataSource, () => dataSource.getRepository(WebhookCursor).findOneBy({ source }));
  return row?.position;
}

async function savePosition(dataSource: DataSource, source: string, position: string, now: Date): Promise<void> {
  await serialized(dataSource, () =>
    dataSource.getRepository(WebhookCursor).upsert({ source, position, updatedAt: now }, ['source']),
  );
}

/** Events read per feed request. */
const FEED_PAGE = 200;

/** Reads the outbox feeds on a poll, each from its saved place. */
export class FeedReader {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private stopped = true;
  /** Aborts a feed read in flight when the reader stops. */
  private halt = new AbortController();
  /** Feeds whose last read failed, logged once per outage. */
  private readonly failing = new Set<string>();

  constructor(
    private readonly options: {
      dataSource: DataSource;
      feeds: readonly OutboxFeed[];
      target: EventIngest;
      logger: Logger;
      pollMs: number;
    },
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.halt = new AbortController();
    const tick = () => {
      if (this.running || this.stopped) return;
      this.running = this.poll()
        .then(() => undefined)
        .finally(() => {
          this.running = null;
        });
    };
    this.timer = setInterval(tick, this.options.pollMs);
    this.timer.unref();
    tick();
  }

  /** Stops polling; a read in flight is aborted (its events are read again after a restart). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.halt.abort();
    await this.running;
  }

  /** Reads every feed until it is caught up; returns the events read. */
  async poll(): Promise<number> {
    let total = 0;
    for (const feed of this.options.feeds) {
      try {
        total += await this.catchUp(feed);
        if (this.failing.delete(feed.source))
          this.options.logger.info({ source: feed.source }, 'event feed readable again');
      } catch (error) {
        if (this.halt.signal.aborted) return total;
        if (!this.failing.has(feed.source)) {
          // The reason only: the error's stack and the feed's internal URL stay out of the logs.
          this.options.logger.warn(
            { source: feed.source, reason: reasonOf(error) },
            'cannot read event feed; will retry',
          );
        }
        this.failing.add(feed.source);
      }
    }
    return total;
  }

  private async catchUp(feed: OutboxFeed): Promise<number> {
    const { dataSource, target } = this.options;
    const key = `feed:${feed.source}`;
    let after = Number((await loadPosition(dataSource, key)) ?? 0);
    let total = 0;
    for (;;) {
      const page = await feed.read(after, FEED_PAGE, this.halt.signal);
      if (page.oldest !== null && after > 0 && page.oldest > after + 1) {
        this.options.logger.error(
          { source: feed.source, after, oldest: page.oldest },
          'events were probably pruned from the outbox before webhooks read them: those are not delivered',
        );
      }
      if (page.events.length === 0) return total;
      await target.ingest(page.events);
      after = page.events.at(-1)!.sequence;
      await savePosition(dataSource, key, String(after), new Date());
      total += page.events.length;
      if (page.events.length < FEED_PAGE || this.stopped) return total;
    }
  }
}

/** Reads the Redis streams of every emitting subgraph through the transport, from the saved positions. */
export class StreamReader {
  private stopped = false;
  private loop: Promise<void> | null = null;
  private current: { close: () => Promise<void> } | null = null;

  constructor(
    private readonly options: {
      dataSource: DataSource;
      transport: EventTransport;
      target: EventIngest;
      logger: Logger;
      /** The wait before subscribing again after a failure. */
      retryMs: number;
    },
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.current?.close();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { dataSource, transport, target, logger } = this.options;
    let failing = false;
    while (!this.stopped) {
      try {
        // `0`, before the first event: the whole stream (events older than a webhook are skipped).
        const positions: Record<string, string> = {};
        for (const subgraph of new Set(Object.values(EVENT_SOURCES))) {
          positions[subgraph] = (await loadPosition(dataSource, `redis:${subgraph}`)) ?? '0';
        }
        const subscription = transport.subscribe(EVENT_TYPES, positions);
        this.current = subscription;
        // Stopped while the positions were read: `stop` closed the previous subscription, not this one.
        if (this.stopped) {
          await subscription.close();
          return;
        }
        await subscription.ready;
        if (failing) logger.info('webhook event stream readable again');
        failing = false;
        for await (const event of subscription) {
          await target.ingest([event]);
          await savePosition(dataSource, `redis:${event.subgraph}`, event.position, new Date());
        }
      } catch (error) {
        if (this.stopped) return;
        if (!failing)
          logger.warn({ reason: reasonOf(error) }, 'cannot read the event streams for webhooks; will retry');
        failing = true;
      }
      if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, this.options.retryMs).unref());
    }
  }
}

/** What went wrong, in a word or two for the log: the cause's code (ECONNREFUSED) or the message. */
function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  if (cause?.code) return cause.code;
  return error instanceof Error ? error.message : String(error);
}
