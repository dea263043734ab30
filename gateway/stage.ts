import type { ApolloServerPlugin } from '@apollo/server';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { GatewayContext } from './datasource';

/**
 * One stage of the `/graphql` pipeline (see `pipeline.ts`): one job, one file under
 * `stages/`, made by a factory that returns its hooks, in the shape of Envelop's and Hive
 * Gateway's plugins. Before GraphQL a stage works on the HTTP request (`onRequest`: answer
 * it, or pass it on with `next()`); inside GraphQL it hooks Apollo Server's request
 * lifecycle (`plugins`); subgraph fetches are hooked in `datasource.ts`. A stage that
 * refuses answers with `refuse()` from `stages/response.ts`, so that the refusal is logged
 * and counted like every other response.
 */
export interface GatewayStage {
  /** The stage's name, as `pipeline.ts` lists it. */
  readonly name: string;
  /** Express handlers run on `/graphql`, in order. */
  readonly onRequest?: readonly RequestHandler[];
  /** Apollo Server plugins: hooks inside GraphQL (didResolveOperation, willSendResponse, ...). */
  readonly plugins?: ReadonlyArray<ApolloServerPlugin<GatewayContext>>;
  /** Answers what the stage's handlers raise (the body parser's errors); mounted last, app-wide. */
  readonly onError?: ErrorRequestHandler;
  /** Runs once every stage exists, before the first request (the GraphQL stage starts Apollo Server here). */
  readonly start?: (stages: readonly GatewayStage[]) => Promise<void>;
  /** Releases what the stage holds, when the gateway stops. */
  readonly close?: () => Promise<void> | void;
}
