import type { Tracing } from './tracing';
import type http from 'node:http';
import type { GraphQLResponse } from '@apollo/server';
import type { GraphQLResolverMap } from '@apollo/subgraph';
import type express from 'express';
import type { DocumentNode } from 'graphql';
import type { DataSource } from 'typeorm';
import type { RequestInfo, SubgraphContext } from './context';
import type { EventsConfig } from './config';
import type { Env, NodeEnv } from './env';
import type { Database, DatabaseOptions } from './database';
import type { EventType } from './events/catalogue';
import type { SubgraphEvents } from './events';
import type { EventTransport } from './events/transport';
import type { SubgraphSecurity } from './identity';
import type { Logger } from './logger';

// What a subgraph is, as types only: `defineSubgraph` (./subgraph) makes one, `buildSubgraph`
// (./server) builds it. Kept apart from both so that neither imports the other's module back.

/** What a subgraph may add to its HTTP app besides `/graphql` and the health endpoints. */
export interface RouteContext<Repos> {
  repos: Repos;
  security: SubgraphSecurity;
  logger: Logger;
}

/** How seeding may differ between environments. */
export interface SeedOptions {
  /** Development credentials (public, printed by `npm start`); never in production. */
  devCredentials: boolean;
}

/**
 * Everything a subgraph is, written once in its `server.ts` through `defineSubgraph`;
 * the kit adds HTTP, trust, health, errors, audit and shutdown. `Repos` and `Loaders` are the
 * subgraph's own types; nothing outside the subgraph sees them.
 */
export interface SubgraphDefinition<Repos, Loaders> {
  name: string;
  /** Default port (`PORT` overrides it); the gateway's is 4000, subgraphs count up from 4001. */
  port: number;
  /** The subgraph's folder (`__dirname`): its `schema.graphql` is read from there. */
  dir: string;
  entities: DatabaseOptions['entities'];
  migrations: DatabaseOptions['migrations'];
  /** Writes the sample data; must be idempotent. Returns a one-line summary. */
  seed: (dataSource: DataSource, options: SeedOptions) => Promise<string>;
  /** True when the subgraph holds no data yet (first start). */
  isEmpty: (dataSource: DataSource) => Promise<boolean>;
  resolvers: GraphQLResolverMap<SubgraphContext<Repos, Loaders>>;
  /** The subgraph's repositories, made once per process. */
  createRepositories: (dataSource: DataSource, security: SubgraphSecurity) => Repos;
  /** Fresh loaders for one request: DataLoader caches must never outlive it. */
  createLoaders: (repos: Repos) => Loaders;
  /** Extra internal routes (e.g. the identity endpoint of the membership subgraph). */
  routes?: (app: express.Express, context: RouteContext<Repos>) => void;
  /**
   * The event types its mutations emit (`kit/events/catalogue.ts`). A subgraph that emits any
   * has the outbox tables in its migrations (`createOutboxTables`), `OutboxEvent` among its
   * entities, and runs an outbox relay.
   */
  events?: readonly EventType[];
  /**
   * Background work the process runs besides serving requests (the membership subgraph's webhook
   * dispatcher, the usage subgraph's rollup). Started by a build that passes `background` (the process runner does; tests
   * that build the subgraph in-process do not), stopped first by `stop`.
   */
  background?: (context: BackgroundContext<Repos>) => Promise<BackgroundWork>;
}

/** What a subgraph's background work starts from. */
export interface BackgroundContext<Repos> extends BackgroundOptions {
  dataSource: DataSource;
  repos: Repos;
  logger: Logger;
  security: SubgraphSecurity;
  /** Where the subgraph's relay publishes (null for a subgraph without events). */
  transport: EventTransport | null;
}

/** Where the process runs: its environment, read by the background work's own settings. */
export interface BackgroundOptions {
  env: Env;
  nodeEnv: NodeEnv;
}

/** Running background work. */
export interface BackgroundWork {
  /** Finishes what is under way and stops. */
  stop: () => Promise<void>;
}

/** How a build publishes events; both optional (defaults, in-process transport). */
export interface BuildEventsOptions {
  config?: EventsConfig;
  /** A transport the caller owns and closes (e.g. one shared by several in-process subgraphs). */
  transport?: EventTransport;
  /** Starts the subgraph's background work (`SubgraphDefinition.background`) with this environment. */
  background?: BackgroundOptions;
  /** Traces its requests, loader batches and SQL statements (`kit/tracing.ts`); untraced when absent. */
  tracing?: Tracing;
}

/**
 * A built (not listening) subgraph. Its own repository and loader types stay inside: callers
 * get the HTTP server and an in-process entry to Apollo's request pipeline.
 */
export interface BuiltSubgraph {
  httpServer: http.Server;
  /** Runs an operation in-process with the context the HTTP layer would build from `info`. */
  executeOperation: (request: OperationRequest, info?: Partial<RequestInfo>) => Promise<GraphQLResponse>;
  /** Its relay and transport when it emits events; null otherwise. */
  events: SubgraphEvents | null;
  /**
   * Closes its WebSocket connections (subscriptions) with 1001, going away, and refuses new ones:
   * called when a drain begins, since open subscriptions would otherwise hold it to its deadline.
   */
  goingAway: () => void;
  /**
   * Its GraphQL subscriptions that receive what is published from now on: what a subscriber (the
   * gateway) cannot otherwise see, since graphql-ws acknowledges no subscription.
   */
  receiving: () => number;
  /** Stops subscriptions, the Apollo server and the outbox relay (the HTTP server is the caller's). */
  stop: () => Promise<void>;
}

/** An operation as tests and tools send it in-process. */
export interface OperationRequest {
  query: string;
  variables?: Record<string, unknown>;
}

/**
 * A subgraph as the rest of the code base sees it: the registry (`subgraphs/index.ts`), the
 * process runner, the scripts, the tests and the benchmark. Made by {@link defineSubgraph}; its
 * repository and loader types are closed over by `build`, so subgraphs of different types sit in
 * one list without casts.
 */
export interface Subgraph<Name extends string = string> extends Pick<
  SubgraphDefinition<unknown, unknown>,
  'port' | 'dir' | 'entities' | 'migrations' | 'seed' | 'isEmpty'
> {
  /** The event types it emits (none for a subgraph without an outbox). */
  events: readonly EventType[];
  name: Name;
  /** `<dir>/schema.graphql`, the subgraph's own SDL (without the kit's shared types). */
  schemaFile: string;
  /** The full SDL, parsed: the subgraph's own types after the kit's shared ones. */
  typeDefs: DocumentNode;
  /** Builds the subgraph over an open database and starts its outbox relay; it does not listen. */
  build: (
    database: Database,
    logger: Logger,
    security: SubgraphSecurity,
    events?: BuildEventsOptions,
  ) => Promise<BuiltSubgraph>;
}
