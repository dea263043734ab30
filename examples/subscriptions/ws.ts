/**
 * A member platform's live feed of published stories over WebSocket (the `graphql-ws` protocol),
 * from Node: `npx tsx examples/subscriptions/ws.ts`. Prints one line per story as it is published.
 *
 * Environment:
 * - `GATEWAY_URL`: the gateway's GraphQL address (`http://localhost:4000/graphql`; `http` becomes `ws`).
 * - `ALLIANCE_KEY`: your API key or access token; without one you are anonymous and see public stories only.
 * - `FILTER`: the `contentPublished` filter as JSON, e.g. `{"language":"zh-CN"}` or
 *   `{"attractionId":"…"}` (fields: authorId, tag, language, attractionId, campaignId); none: every story.
 *
 * In your project: `npm install graphql-ws ws`.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const STORIES = `subscription Stories($filter: ContentEventFilter) {
  contentPublished(filter: $filter) { id title author { name } attractions { name } }
}`;

interface Story {
  id: string;
  title: string;
  author: { name: string } | null;
  attractions: Array<{ name: string }>;
}

const url = (process.env.GATEWAY_URL ?? 'http://localhost:4000/graphql').replace(/^http/, 'ws');
const key = process.env.ALLIANCE_KEY;
const filter = process.env.FILTER ? (JSON.parse(process.env.FILTER) as Record<string, unknown>) : null;

const client = createClient({
  url,
  webSocketImpl: WebSocket, // browsers have their own WebSocket: leave this out there
  // The credential travels once, when the connection opens.
  connectionParams: key ? { authorization: `Bearer ${key}` } : {},
  // After the gateway restarts (close 1001) the client reconnects and subscribes again by itself.
  retryAttempts: 5,
});

client.on('closed', (event) => {
  const { code, reason } = event as { code: number; reason: string };
  // 4401: the credential was refused; reconnecting with the same one would be refused again.
  if (code === 4401) {
    console.error(`the gateway refused the credential: ${reason}`);
    process.exit(1);
  }
});

const stop = client.subscribe<{ contentPublished: Story }>(
  { query: STORIES, variables: { filter } },
  {
    next: ({ data, errors }) => {
      if (errors) console.error('errors:', errors.map((e) => e.message).join('; '));
      const story = data?.contentPublished;
      if (!story) return;
      const places = story.attractions.map((a) => a.name).join(', ') || 'no attraction';
      console.log(`published: "${story.title}" by ${story.author?.name ?? 'unknown'} (${places}) [${story.id}]`);
    },
    error: (error) => {
      // A list of GraphQL errors (the subscription was refused), or what closed the connection.
      console.error('subscription ended:', Array.isArray(error) ? error.map((e) => e.message).join('; ') : error);
      process.exit(1);
    },
    complete: () => console.log('the gateway completed the subscription'),
  },
);
console.log(`subscribed to contentPublished at ${url}${filter ? ` with filter ${JSON.stringify(filter)}` : ''}`);

// Ctrl-C: complete the subscription, then close the connection.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    stop();
    void client.dispose();
  });
