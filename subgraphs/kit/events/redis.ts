import Redis from 'ioredis';
import { type DeliveredEvent, EVENT_SOURCES, type EventType, type PublishedEvent } from './catalogue';
import {
  EventChannel,
  type EventPositions,
  type EventSubscription,
  type EventTransport,
  positionFor,
} from './transport';

/** What the Redis transport needs; `REDIS_URL`, `REDIS_KEY_PREFIX` and `OUTBOX_STREAM_MAX_LENGTH`. */
export interface RedisTransportOptions {
  url: string;
  /** Prefix of the stream keys, as the gateway's (`alliance:` by default). */
  keyPrefix: string;
  /** Entries each stream keeps, roughly (MAXLEN ~); 0 keeps everything. */
  maxLength: number;
  /** How long one XREAD waits before it is sent again (milliseconds). */
  blockMs?: number;
}

/** The stream of one subgraph's events: `<prefix>events:<subgraph>`. */
export function eventStreamKey(keyPrefix: string, subgraph: string): string {
  return `${keyPrefix}events:${subgraph}`;
}

/** Events read per XREAD, per stream. */
const READ_COUNT = 100;

/**
 * Redis streams between processes: the relay XADDs each event to its subgraph's stream, in
 * order (one pipeline per batch); subscribers XREAD BLOCK from `$` (now) or a given entry id,
 * each on a connection of its own (a blocked XREAD holds its connection). A process with many
 * consumers (the gateway's subscriptions) subscribes once and fans out itself.
 *
 * Stream entries carry `type` and `event` (the published event as JSON); the entry id is the
 * event's `position`. Entries are trimmed to about `maxLength` per stream.
 */
export class RedisStreamTransport implements EventTransport {
  readonly kind = 'redis';
  private readonly publisher: Redis;
  private readonly subscriptions = new Set<EventChannel>();
  private readonly blockMs: number;

  constructor(private readonly options: RedisTransportOptions) {
    // Commands wait for the connection (offline queue) but fail after one retry: the relay
    // keeps the rows unpublished and tries again at its next poll.
    this.publisher = new Redis(options.url, { maxRetriesPerRequest: 1, enableOfflineQueue: true });
    // Failures reach the caller as rejected commands; the 'error' event would only repeat them.
    this.publisher.on('error', () => undefined);
    this.blockMs = options.blockMs ?? 5_000;
  }

  async publish(subgraph: string, events: readonly PublishedEvent[]): Promise<void> {
    if (events.length === 0) return;
    const key = eventStreamKey(this.options.keyPrefix, subgraph);
    const trim = this.options.maxLength > 0 ? ['MAXLEN', '~', String(this.options.maxLength)] : [];
    const pipeline = this.publisher.pipeline();
    for (const event of events) {
      pipeline.xadd(key, ...trim, '*', 'type', event.type, 'event', JSON.stringify(event));
    }
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error !== null);
    if (failed || results.length !== events.length) {
      throw new Error(`XADD to ${key} failed: ${failed?.[0]?.message ?? 'no reply'}`);
    }
  }

  subscribe(types: readonly EventType[], from?: EventPositions): EventSubscription {
    const wanted = new Set(types);
    const subgraphs = [...new Set(types.map((type) => EVENT_SOURCES[type]))];
    const keys = subgraphs.map((subgraph) => eventStreamKey(this.options.keyPrefix, subgraph));
    // A blocked XREAD holds its connection, so each subscription has its own; it retries
    // commands across reconnects (no per-command retry limit).
    const connection = this.publisher.duplicate({ maxRetriesPerRequest: null });
    connection.on('error', () => undefined);
    const positions = new Map<string, string>();

    // `$` is resolved to the stream's last entry id now, so that nothing published between two
    // XREADs is missed (XREAD with `$` each time would skip it).
    const ready = Promise.all(
      subgraphs.map(async (subgraph, index) => {
        const key = keys[index]!;
        const start = positionFor(from, subgraph);
        if (start !== '$') return positions.set(key, start);
        const last = await connection.xrevrange(key, '+', '-', 'COUNT', 1);
        positions.set(key, last[0]?.[0] ?? '0-0');
      }),
    ).then(() => undefined);

    const channel: EventChannel = new EventChannel(ready, async () => {
      this.subscriptions.delete(channel);
      connection.disconnect();
    });
    this.subscriptions.add(channel);
    // The ready promise is also awaited by the read loop; this keeps an early failure from
    // being reported as unhandled when the caller never looks at `ready`.
    ready.catch(() => undefined);

    const read = async () => {
      await ready;
      while (!channel.closed) {
        const reply = await connection.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          this.blockMs,
          'STREAMS',
          ...keys,
          ...keys.map((key) => positions.get(key)!),
        );
        for (const [key, entries] of reply ?? []) {
          for (const [id, fields] of entries) {
            positions.set(key, id);
            const event = parseEntry(fields);
            if (event && wanted.has(event.type)) channel.push({ ...event, position: id } as DeliveredEvent);
          }
        }
      }
    };
    read().catch((error: unknown) => {
      if (!channel.closed) channel.fail(error instanceof Error ? error : new Error(String(error)));
    });
    return channel;
  }

  async close(): Promise<void> {
    for (const channel of [...this.subscriptions]) await channel.close();
    if (this.publisher.status === 'ready') await this.publisher.quit().catch(() => undefined);
    this.publisher.disconnect();
  }
}

/** The event of a stream entry's fields (`type`, `event`), or null for an entry that is not one. */
function parseEntry(fields: string[]): PublishedEvent | null {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'event') return JSON.parse(fields[i + 1]!) as PublishedEvent;
  }
  return null;
}
