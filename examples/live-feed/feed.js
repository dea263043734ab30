/* global document, fetch, FormData, setTimeout, graphqlWs, graphqlSse */
// The live feed: subscribes to contentPublished over the transport chosen, and shows each story.
'use strict';

const STORIES = `subscription Stories($filter: ContentEventFilter) {
  contentPublished(filter: $filter) { id title author { name } attractions { name } }
}`;

const form = document.getElementById('subscription');
const status = document.getElementById('status');
const stories = document.getElementById('stories');
const stopButton = document.getElementById('stop');
/** Ends the running subscription and lets go of its client. */
let stopRunning = null;

function show(text) {
  status.textContent = text;
}

/** One story as a list item. Titles and names are members' text: set as text, never as HTML. */
function render(story) {
  const item = document.createElement('li');
  item.className = 'story';
  item.dataset.id = story.id;
  const title = document.createElement('h2');
  title.textContent = story.title;
  const author = document.createElement('p');
  author.className = 'author';
  author.textContent = `by ${story.author ? story.author.name : 'an unknown author'}`;
  const attractions = document.createElement('p');
  attractions.className = 'attractions';
  attractions.textContent = story.attractions.length
    ? `About: ${story.attractions.map((attraction) => attraction.name).join(', ')}`
    : 'About no attraction in particular';
  item.append(title, author, attractions);
  return item;
}

/** What both libraries' `subscribe` call with each result, the end and a failure. */
const sink = (label) => ({
  next: ({ data, errors }) => {
    if (errors) show(`Errors: ${errors.map((error) => error.message).join('; ')}`);
    if (data && data.contentPublished) stories.prepend(render(data.contentPublished));
  },
  error: (error) => {
    const reason = Array.isArray(error)
      ? error.map((e) => e.message).join('; ')
      : error && error.reason
        ? `closed ${error.code}: ${error.reason}`
        : String(error && error.message ? error.message : error);
    show(`The subscription over ${label} ended: ${reason}`);
    stop();
  },
  complete: () => show(`The gateway completed the subscription over ${label}.`),
});

function subscribe({ gateway, token, transport, language }) {
  const variables = { filter: language ? { language } : null };
  if (transport === 'ws') {
    const client = graphqlWs.createClient({
      url: gateway.replace(/^http/, 'ws'),
      // The credential travels once, when the connection opens.
      connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      on: { connected: () => show('Connected over WebSocket: waiting for stories.') },
    });
    const end = client.subscribe({ query: STORIES, variables }, sink('WebSocket'));
    return () => {
      end();
      void client.dispose();
    };
  }
  // graphql-sse retries every failed request, refusals included: a refusal (a 4xx other than 408
  // and 429) is noted as it comes, and `retry` ends there instead (its error reaches the sink).
  let refused = null;
  const client = graphqlSse.createClient({
    url: gateway,
    // Distinct connections mode: one streaming request per subscription. The page's origin must be
    // in the gateway's CORS_ORIGINS: this is a fetch with an Authorization header.
    singleConnection: false,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    fetchFn: async (input, init) => {
      const response = await fetch(input, init);
      if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
        const body = await response.clone().text();
        let message = body;
        try {
          message = JSON.parse(body)
            .errors.map((e) => e.message)
            .join('; ');
        } catch {
          // not a GraphQL error body: shown as it is
        }
        refused = new Error(`refused (${response.status}): ${message}`);
      }
      return response;
    },
    retry: async (retries) => {
      if (refused) throw refused;
      await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** (retries + 1) + Math.random() * 2000));
    },
    on: { connected: () => show('Connected over Server-Sent Events: waiting for stories.') },
  });
  const end = client.subscribe({ query: STORIES, variables }, sink('Server-Sent Events'));
  return () => {
    end();
    client.dispose();
  };
}

function stop() {
  if (stopRunning) stopRunning();
  stopRunning = null;
  stopButton.disabled = true;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  stop();
  const fields = new FormData(form);
  const transport = String(fields.get('transport'));
  show(`Connecting over ${transport === 'ws' ? 'WebSocket' : 'Server-Sent Events'}...`);
  stopRunning = subscribe({
    gateway: String(fields.get('gateway')),
    token: String(fields.get('token')).trim(),
    transport,
    language: String(fields.get('language')).trim(),
  });
  stopButton.disabled = false;
});

stopButton.addEventListener('click', () => {
  stop();
  show('Not subscribed.');
});

// The server that serves this page says where the gateway is.
void fetch('/config.json')
  .then((response) => response.json())
  .then((config) => {
    const gateway = document.getElementById('gateway');
    if (!gateway.value) gateway.value = config.gatewayUrl;
  });
