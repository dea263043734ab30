import type { DataSource } from 'typeorm';
import { DEFAULT_EVENTS_CONFIG, type EventsConfig } from '../config';
import type { Logger } from '../logger';
import { InProcessTransport } from './in-process';
import { RedisStreamTransport } from './redis';
import { OutboxRelay } from './relay';
import type { EventTransport } from './transport';

/** A subgraph's running event publication: its relay and the transport it publishes to. */
export interface SubgraphEvents {
  relay: OutboxRelay;
  /** Where the relay publishes; subscribe here (`transport.subscribe(types, from)`). */
  transport: EventTransport;
  /** Stops the relay (after a last round) and closes the transport if it was made here. */
  stop: () => Promise<void>;
}

/** What {@link startEvents} needs. */
export interface StartEventsOptions {
  dataSource: DataSource;
  subgraph: string;
  logger: Logger;
  config?: EventsConfig;
  /** A transport the caller owns (and closes); else one is made from `config`. */
  transport?: EventTransport;
}

/** Makes the transport `config` asks for: Redis streams with `REDIS_URL`, else in-process. */
export function createEventTransport(config: EventsConfig): EventTransport {
  return config.redisUrl
    ? new RedisStreamTransport({
        url: config.redisUrl,
        keyPrefix: config.redisKeyPrefix,
        maxLength: config.streamMaxLength,
      })
    : new InProcessTransport();
}

/** Starts the outbox relay of a subgraph that emits events. */
export function startEvents(options: StartEventsOptions): SubgraphEvents {
  const config = options.config ?? DEFAULT_EVENTS_CONFIG;
  const transport = options.transport ?? createEventTransport(config);
  const relay = new OutboxRelay({
    dataSource: options.dataSource,
    subgraph: options.subgraph,
    transport,
    logger: options.logger,
    pollMs: config.pollMs,
    batchSize: config.batchSize,
    retentionHours: config.retentionHours,
  });
  relay.start();
  return {
    relay,
    transport,
    stop: async () => {
      await relay.stop();
      if (!options.transport) await transport.close();
    },
  };
}
