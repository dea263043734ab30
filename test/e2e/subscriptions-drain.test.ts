/**
 * A gateway process draining (SIGTERM) with a subscription open over Server-Sent Events: the
 * stream ends with a last coded event, nothing is cut, and the process exits 0.
 */
import { type Stack, startStack } from '../support/stack';
import { eventsOf } from '../support/subscriptions';

describe('a gateway process with an SSE subscription open', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('sqlite');
  });
  afterAll(() => stack?.stop());

  it('ends the stream with SERVICE_UNAVAILABLE when the drain begins, cuts nothing and exits 0', async () => {
    const gateway = await stack.startGateway({});
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'subscription { contentPublished { title } }' }),
    });
    expect(response.status).toBe(200);
    const text = response.text();
    expect(await gateway.stop()).toBe(0);
    const events = eventsOf(await text);
    expect(events.map(([event]) => event)).toEqual(['next', 'complete']);
    expect(events[0]![1]).toMatchObject({ errors: [{ extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
    expect(gateway.output()).toMatch(/"cut":0,"msg":"stopped"/);
  });
});
