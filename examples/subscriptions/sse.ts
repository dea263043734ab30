/**
 * A member platform's live feed of published stories over Server-Sent Events (GraphQL over SSE,
 * `graphql-sse`'s distinct connections mode: one HTTP request per subscription), from Node:
 * `npx tsx examples/subscriptions/sse.ts`. Prints one line per story as it is published.
 *
 * Environment:
 * - `GATEWAY_URL`: the gateway's GraphQL address (`http://localhost:4000/graphql`).
 * - `ALLIANCE_KEY`: your API key or access token, sent as the `Authorization` header; without one
 *   you are anonymous and see public stories only.
 * - `FILTER`: the `contentPublished` filter as JSON, e.g. `{"language":"zh-CN"}` or
 *   `{"attractionId":"…"}` (fields: authorId, tag, language, attractionId, campaignId); none: every story.
 *
 * In your project: `npm install graphql-sse` (Node 18+ has the `fetch` it uses).
 */
import { createClient, NetworkError } from 'graphql-sse';

const STORIES = `subscription Stories($filter: ContentEventFilter) {
  contentPublished(filter: $filter) { id title author { name } attractions { name } }
}`;

interface Story {
  id: string;
  title: string;
  author: { name: string } | null;
  attractions: Array<{ name: string }>;
}

const url = process.env.GATEWAY_URL ?? 'http://localhost:4000/graphql';
const key = process.env.ALLIANCE_KEY;
const filter = process.env.FILTER ? (JSON.parse(process.env.FILTER) as Record<string, unknown>) : null;

/** The gateway's refusal of the subscription (a 4xx other than 408 and 429): retrying would not help. */
class Refused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`the gateway refused the subscription (${status}): ${body}`);
  }
}
let refused: Refused | undefined;

const client = createClient({
  url,
  // Distinct connections mode (the default): each subscription is its own streaming POST.
  singleConnection: false,
  headers: key ? { Authorization: `Bearer ${key}` } : {},
  // graphql-sse retries every failed request, refusals included: note a refusal as it comes...
  fetchFn: async (input: string | URL, init?: RequestInit) => {
    const response = await fetch(input, init);
    if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429)
      refused = new Refused(response.status, await response.clone().text());
    return response;
  },
  retryAttempts: 5,
  // ...and end there instead of retrying (an error thrown here reaches `error` below). A stream
  // that broke is retried after 1 s, 2 s, 4 s... (and a random part), as graphql-sse does by default.
  retry: async (retries: number) => {
    if (refused) throw refused;
    await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** (retries + 1) + Math.random() * 2000));
  },
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
      // A refusal (with the gateway's answer, a GraphQL error saying what to fix), GraphQL errors, or a network failure.
      if (error instanceof Refused) console.error(error.message);
      else if (error instanceof NetworkError && error.response)
        console.error(`subscription ended: the gateway answered ${error.response.status}`);
      else console.error('subscription ended:', Array.isArray(error) ? error.map((e) => e.message).join('; ') : error);
      process.exit(1);
    },
    complete: () => console.log('the gateway completed the subscription'),
  },
);
console.log(`subscribed to contentPublished at ${url}${filter ? ` with filter ${JSON.stringify(filter)}` : ''}`);

// Ctrl-C: abort the stream (the gateway completes the subscription), then let go of the client.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    stop();
    client.dispose();
  });
