import type { DeliveredEvent, EventType } from './catalogue';
import { EventChannel, type EventSubscription, type EventTransport } from './transport';

/** One transport subscription and the subscribers it feeds. */
interface SharedStream {
  source: EventSubscription;
  subscribers: Set<EventChannel>;
  /** True once the source reads its streams. */
  reading: boolean;
}

/**
 * Shares transport subscriptions among the subscribers of one process: one per set of event
 * types, opened with its first subscriber and closed after its last. On Redis each transport
 * subscription holds a connection of its own (`XREAD BLOCK`), so a subgraph serving a thousand
 * GraphQL subscriptions holds one connection per kind, not a thousand.
 *
 * Each subscriber has its own bounded queue ({@link EventChannel}): one that falls too far
 * behind fails alone. A failure or end of the shared subscription (a transport closed or
 * unreachable) fails all its subscribers; the next subscriber opens a new one.
 */
export class EventFanOut {
  private readonly streams = new Map<string, SharedStream>();

  constructor(private readonly transport: EventTransport) {}

  /** Events of `types` from now on, as the transport's `subscribe(types)` would deliver them. */
  subscribe(types: readonly EventType[]): EventSubscription {
    const key = [...new Set(types)].sort().join(',');
    const stream = this.streams.get(key) ?? this.open(key, types);
    const channel: EventChannel = new EventChannel(stream.source.ready, async () => {
      stream.subscribers.delete(channel);
      if (stream.subscribers.size === 0) await this.end(key, stream);
    });
    stream.subscribers.add(channel);
    return channel;
  }

  /** Subscribers whose shared subscription reads its streams: what is published now reaches them. */
  get receiving(): number {
    let count = 0;
    for (const stream of this.streams.values()) if (stream.reading) count += stream.subscribers.size;
    return count;
  }

  private open(key: string, types: readonly EventType[]): SharedStream {
    const stream: SharedStream = { source: this.transport.subscribe(types), subscribers: new Set(), reading: false };
    this.streams.set(key, stream);
    void stream.source.ready.then(() => {
      stream.reading = true;
    });
    void this.pump(key, stream);
    return stream;
  }

  /** Hands each event of the shared subscription to every subscriber, until it ends. */
  private async pump(key: string, stream: SharedStream): Promise<void> {
    let failure: Error;
    try {
      for await (const event of stream.source as AsyncIterable<DeliveredEvent>) {
        for (const channel of stream.subscribers) channel.push(event);
      }
      failure = new Error('the event transport ended the subscription');
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
    }
    if (this.streams.get(key) === stream) this.streams.delete(key);
    // Empty when it ended because its last subscriber left.
    for (const channel of [...stream.subscribers]) channel.fail(failure);
  }

  private async end(key: string, stream: SharedStream): Promise<void> {
    if (this.streams.get(key) === stream) this.streams.delete(key);
    await stream.source.close();
  }
}
