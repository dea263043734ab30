import type { PublishedEvent } from '../../subgraphs/kit/events/catalogue';
import { EventFanOut } from '../../subgraphs/kit/events/fan-out';
import { InProcessTransport } from '../../subgraphs/kit/events/in-process';
import { SUBSCRIBER_BUFFER } from '../../subgraphs/kit/events/transport';

/** `count` ContentArchived events of the content subgraph from sequence `from`. */
function events(from: number, count: number): PublishedEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `content:${from + i}`,
    subgraph: 'content',
    sequence: from + i,
    type: 'ContentArchived',
    aggregateId: 'c1',
    payload: { contentId: 'c1', authorId: 'm1', from: 'PUBLISHED', status: 'ARCHIVED', campaignId: null },
    createdAt: '2026-12-03T00:00:00.000Z',
  }));
}

/** Counts the transport's subscriptions opened and closed. */
function counted(transport: InProcessTransport) {
  const counts = { opened: 0, closed: 0 };
  const subscribe = transport.subscribe.bind(transport);
  transport.subscribe = (types, from) => {
    const subscription = subscribe(types, from);
    counts.opened += 1;
    const close = subscription.close.bind(subscription);
    subscription.close = async () => {
      counts.closed += 1;
      await close();
    };
    return subscription;
  };
  return counts;
}

describe('EventFanOut', () => {
  it('feeds every subscriber of a kind from one transport subscription, closed after the last leaves', async () => {
    const transport = new InProcessTransport();
    const counts = counted(transport);
    const fanOut = new EventFanOut(transport);
    const first = fanOut.subscribe(['ContentArchived']);
    const second = fanOut.subscribe(['ContentArchived']);
    const other = fanOut.subscribe(['ContentPublished']);
    expect(counts.opened).toBe(2);
    await transport.publish('content', events(1, 2));
    expect((await first.next()).value?.sequence).toBe(1);
    expect((await second.next()).value?.sequence).toBe(1);
    await first.close();
    expect(counts.closed).toBe(0);
    await second.close();
    expect(counts.closed).toBe(1);
    await other.close();
    expect(counts.closed).toBe(2);
    // A later subscriber opens a new one.
    const later = fanOut.subscribe(['ContentArchived']);
    expect(counts.opened).toBe(3);
    await later.close();
  });

  it('fails a subscriber that falls too far behind, alone', async () => {
    const transport = new InProcessTransport();
    const fanOut = new EventFanOut(transport);
    const slow = fanOut.subscribe(['ContentArchived']);
    const reader = fanOut.subscribe(['ContentArchived']);
    const read: number[] = [];
    const reading = (async () => {
      for await (const event of reader) {
        read.push(event.sequence);
        if (read.length === SUBSCRIBER_BUFFER + 1) break;
      }
    })();
    for (let from = 1; from <= SUBSCRIBER_BUFFER + 1; from += 1000) {
      await transport.publish('content', events(from, Math.min(1000, SUBSCRIBER_BUFFER + 2 - from)));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await reading;
    expect(read).toHaveLength(SUBSCRIBER_BUFFER + 1);
    // What was queued is still read, then the failure.
    let queued = 0;
    await expect(
      (async () => {
        for await (const _event of slow) queued += 1;
      })(),
    ).rejects.toThrow(/fell more than/);
    expect(queued).toBe(SUBSCRIBER_BUFFER);
  });

  it('fails every subscriber when the transport ends their subscription', async () => {
    const transport = new InProcessTransport();
    const fanOut = new EventFanOut(transport);
    const subscribers = [fanOut.subscribe(['ContentArchived']), fanOut.subscribe(['ContentArchived'])];
    await transport.close();
    for (const subscriber of subscribers) {
      await expect(subscriber.next()).rejects.toThrow(/ended the subscription/);
    }
  });
});
