import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Operation names become labels; beyond this many distinct names the rest count as `other`. */
const MAX_OPERATION_NAMES = 500;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The gateway's Prometheus metrics, exposed at `/metrics`. */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly seenNames = new Set<string>();

  readonly requests = new Counter({
    name: 'graphql_requests_total',
    help: 'GraphQL requests by operation name and outcome (ok, error, rejected).',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly requestDuration = new Histogram({
    name: 'graphql_request_duration_seconds',
    help: 'Time from request to response, by operation name and outcome.',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({
    name: 'graphql_requests_in_flight',
    help: 'GraphQL requests being processed now.',
    registers: [this.registry],
  });
  readonly subgraphFetchDuration = new Histogram({
    name: 'subgraph_fetch_duration_seconds',
    help: 'Time of each fetch from a subgraph, by subgraph and outcome.',
    labelNames: ['subgraph', 'outcome'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  readonly subgraphErrors = new Counter({
    name: 'subgraph_fetch_errors_total',
    help: 'Failed subgraph fetches by subgraph and kind (timeout, connection, http).',
    labelNames: ['subgraph', 'kind'] as const,
    registers: [this.registry],
  });
  readonly websocketConnections = new Gauge({
    name: 'graphql_websocket_connections',
    help: 'Client WebSocket connections (graphql-ws) open now, acknowledged or not.',
    registers: [this.registry],
  });
  readonly sseStreams = new Gauge({
    name: 'graphql_sse_streams',
    help: 'Client Server-Sent Events streams (graphql-sse, one subscription each) open now.',
    registers: [this.registry],
  });
  readonly subscriptions = new Gauge({
    name: 'graphql_subscriptions_active',
    help: 'Client subscriptions running now.',
    registers: [this.registry],
  });
  readonly subscriptionEvents = new Counter({
    name: 'graphql_subscription_events_total',
    help: 'Events sent to subscribed clients, by outcome (ok, or error when the result has errors).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'rate_limit_refusals_total',
    help: 'Requests refused by the rate limiter, by the role of the caller.',
    labelNames: ['role'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** A bounded-cardinality label for a client-chosen operation name. */
  operationLabel(name: string | null | undefined): string {
    if (!name || !OPERATION_NAME.test(name)) return 'anonymous';
    if (this.seenNames.has(name)) return name;
    if (this.seenNames.size >= MAX_OPERATION_NAMES) return 'other';
    this.seenNames.add(name);
    return name;
  }
}
