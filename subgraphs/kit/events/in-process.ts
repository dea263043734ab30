import { type DeliveredEvent, EVENT_SOURCES, type EventType, type PublishedEvent } from './catalogue';
import {
  EventChannel,
  type EventPositions,
  type EventSubscription,
  type EventTransport,
  positionFor,
} from './transport';

/** Published events each subgraph's in-process stream keeps for subscribers that start from a position. */
export const IN_PROCESS_HISTORY = 1_000;

/**
 * The embedded default transport: subscribers in the same process receive what the relay
 * publishes, synchronously in publish order. Positions are the events' sequences; the last
 * {@link IN_PROCESS_HISTORY} events per subgraph can be replayed with `from`. Nothing survives
 * the process: a consumer in another process needs the Redis transport.
 */
export class InProcessTransport implements EventTransport {
  readonly kind = 'in-process';
  private readonly history = new Map<string, DeliveredEvent[]>();
  private readonly subscribers = new Set<{ types: ReadonlySet<EventType>; channel: EventChannel }>();
  private closed = false;

  async publish(subgraph: string, events: readonly PublishedEvent[]): Promise<void> {
    if (this.closed) throw new Error('the in-process event transport is closed');
    let kept = this.history.get(subgraph);
    if (!kept) this.history.set(subgraph, (kept = []));
    for (const event of events) {
      const delivered: DeliveredEvent = { ...event, position: String(event.sequence) };
      kept.push(delivered);
      for (const subscriber of this.subscribers) {
        if (subscriber.types.has(event.type)) subscriber.channel.push(delivered);
      }
    }
    if (kept.length > IN_PROCESS_HISTORY) kept.splice(0, kept.length - IN_PROCESS_HISTORY);
  }

  subscribe(types: readonly EventType[], from?: EventPositions): EventSubscription {
    const wanted = new Set(types);
    const subscriber = {
      types: wanted,
      channel: new EventChannel(Promise.resolve(), async () => {
        this.subscribers.delete(subscriber);
      }),
    };
    if (this.closed) {
      subscriber.channel.fail(new Error('the in-process event transport is closed'));
      return subscriber.channel;
    }
    // Replay first, then live: both happen before any later publish can run.
    for (const subgraph of new Set(types.map((type) => EVENT_SOURCES[type]))) {
      const start = positionFor(from, subgraph);
      if (start === '$') continue;
      const after = Number(start);
      if (!Number.isFinite(after)) throw new Error(`from: "${start}" is not a position of the in-process transport`);
      for (const event of this.history.get(subgraph) ?? []) {
        if (event.sequence > after && wanted.has(event.type)) subscriber.channel.push(event);
      }
    }
    this.subscribers.add(subscriber);
    return subscriber.channel;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const { channel } of [...this.subscribers]) await channel.close();
  }
}
