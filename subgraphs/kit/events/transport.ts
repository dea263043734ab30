import type { DeliveredEvent, EventType, PublishedEvent } from './catalogue';

/**
 * Where to start reading, per subgraph stream. A string applies to every stream the subscription
 * reads: `$` (the default) means events published from now on, `0` everything the transport
 * still holds, any other value a `position` of a delivered event (resume after it). A record
 * gives a position per subgraph (`{ content: '1733...-0' }`); subgraphs it does not name start
 * at `$`.
 */
export type EventPositions = string | Readonly<Record<string, string>>;

/** The start position for `subgraph`'s stream. */
export function positionFor(from: EventPositions | undefined, subgraph: string): string {
  if (from === undefined) return '$';
  if (typeof from === 'string') return from;
  return from[subgraph] ?? '$';
}

/**
 * A live subscription: an async iterator of events in each subgraph's order. Leaving a
 * `for await` loop (or `close()`) ends it and frees what it holds. It fails (the iterator
 * rejects) when it cannot keep up or its transport is closed.
 */
export interface EventSubscription extends AsyncIterableIterator<DeliveredEvent> {
  /** Resolves once the subscription reads its streams: events published after this reach it. */
  readonly ready: Promise<void>;
  close: () => Promise<void>;
}

/**
 * How published events travel from a subgraph's relay to subscribers: Redis streams between
 * processes (`REDIS_URL`), or an in-process bus (the embedded default).
 */
export interface EventTransport {
  /** `redis` or `in-process`, for logs. */
  readonly kind: string;
  /**
   * Publishes one subgraph's events in the given order. Resolves once the transport holds them
   * all; rejects when any may be missing (the relay then publishes the batch again).
   */
  publish: (subgraph: string, events: readonly PublishedEvent[]) => Promise<void>;
  /** Subscribes to `types` (from the subgraphs that publish them), from `from` (default `$`). */
  subscribe: (types: readonly EventType[], from?: EventPositions) => EventSubscription;
  /** Ends every subscription and releases connections. */
  close: () => Promise<void>;
}

/** Events a subscriber may have waiting before it is cut off as too slow. */
export const SUBSCRIBER_BUFFER = 10_000;

/**
 * The queue behind a subscription: the transport pushes, the consumer pulls. Bounded: a consumer
 * that falls {@link SUBSCRIBER_BUFFER} events behind fails rather than growing memory without end.
 */
export class EventChannel implements EventSubscription {
  private readonly queue: DeliveredEvent[] = [];
  private waiting: {
    resolve: (result: IteratorResult<DeliveredEvent>) => void;
    reject: (error: Error) => void;
  } | null = null;
  private failure: Error | null = null;
  private ended = false;
  private released: Promise<void> | null = null;
  readonly ready: Promise<void>;

  constructor(
    ready: Promise<void>,
    private readonly onClose: () => Promise<void>,
  ) {
    this.ready = ready;
  }

  /** Adds an event for the consumer. */
  push(event: DeliveredEvent): void {
    if (this.ended || this.failure) return;
    if (this.waiting) {
      const waiting = this.waiting;
      this.waiting = null;
      waiting.resolve({ value: event, done: false });
      return;
    }
    if (this.queue.length >= SUBSCRIBER_BUFFER) {
      this.fail(new Error(`event subscriber fell more than ${SUBSCRIBER_BUFFER} events behind`));
      return;
    }
    this.queue.push(event);
  }

  /** Ends the subscription with an error, after the events already queued. */
  fail(error: Error): void {
    if (this.ended || this.failure) return;
    this.failure = error;
    void this.release().catch(() => undefined);
    if (this.waiting && this.queue.length === 0) {
      const waiting = this.waiting;
      this.waiting = null;
      waiting.reject(error);
    }
  }

  get closed(): boolean {
    return this.ended || this.failure !== null;
  }

  next(): Promise<IteratorResult<DeliveredEvent>> {
    const event = this.queue.shift();
    if (event) return Promise.resolve({ value: event, done: false });
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  async return(): Promise<IteratorResult<DeliveredEvent>> {
    await this.close();
    return { value: undefined, done: true };
  }

  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.queue.length = 0;
    if (this.waiting) {
      const waiting = this.waiting;
      this.waiting = null;
      waiting.resolve({ value: undefined, done: true });
    }
    await this.release();
  }

  /** Frees the transport's resources once, however the subscription ended. */
  private release(): Promise<void> {
    this.released ??= this.onClose();
    return this.released;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<DeliveredEvent> {
    return this;
  }
}
