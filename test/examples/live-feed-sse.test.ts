import { describeLiveFeed } from '../support/live-feed';

// Needs the gateway's GraphQL over SSE endpoint at /graphql (graphql-sse, distinct connections mode).
describeLiveFeed('sse', 'Server-Sent Events');
