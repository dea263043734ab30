import fs from 'node:fs';
import path from 'node:path';
import { type DocumentNode, Kind, parse } from 'graphql';
import type { Subgraph, SubgraphDefinition } from './descriptor';
import { EVENT_SOURCES } from './events/catalogue';
import { OutboxEvent } from './events/OutboxEvent';
import { readSubgraphSdl } from './sdl';
import { buildSubgraph } from './server';

/**
 * Declares a subgraph: one descriptor from which its process, its tests, composition, codegen,
 * seeding and the deployment files are derived. Reads the SDL now, so a subgraph whose
 * `schema.graphql` is missing fails where it is listed, naming the file.
 */
export function defineSubgraph<Name extends string, Repos, Loaders>(
  definition: SubgraphDefinition<Repos, Loaders> & { name: Name },
): Subgraph<Name> {
  const schemaFile = path.join(definition.dir, 'schema.graphql');
  if (!fs.existsSync(schemaFile)) {
    throw new Error(`subgraph "${definition.name}" has no schema: ${schemaFile} is missing`);
  }
  checkEvents(definition);
  const typeDefs = parse(readSubgraphSdl(definition.dir));
  checkSubscriptions(definition, typeDefs);
  return {
    name: definition.name,
    port: definition.port,
    dir: definition.dir,
    schemaFile,
    typeDefs,
    entities: definition.entities,
    migrations: definition.migrations,
    seed: definition.seed,
    isEmpty: definition.isEmpty,
    events: definition.events ?? [],
    build: (database, logger, security, events) =>
      buildSubgraph(definition, typeDefs, database, logger, security, events),
  };
}

/**
 * A subgraph emits only its own event types (the catalogue's sources), and one that emits any
 * has the outbox among its entities (its migrations create the tables with `createOutboxTables`).
 */
function checkEvents(definition: { name: string; events?: readonly string[]; entities: unknown }): void {
  const events = definition.events ?? [];
  for (const type of events) {
    const source = EVENT_SOURCES[type as keyof typeof EVENT_SOURCES];
    if (source !== definition.name) {
      throw new Error(
        `subgraph "${definition.name}" declares event ${type}, which ${source ? `subgraph "${source}" publishes` : 'is not in kit/events/catalogue.ts'}`,
      );
    }
  }
  if (events.length > 0 && Array.isArray(definition.entities) && !definition.entities.includes(OutboxEvent)) {
    throw new Error(
      `subgraph "${definition.name}" emits events but has no outbox: add OutboxEvent (kit/events/OutboxEvent.ts) to its entities and createOutboxTables to its migrations`,
    );
  }
}

/** Subscription fields read the subgraph's own events: a schema with any needs an outbox. */
function checkSubscriptions(definition: { name: string; events?: readonly string[] }, typeDefs: DocumentNode): void {
  const subscribes = typeDefs.definitions.some(
    (node) =>
      (node.kind === Kind.OBJECT_TYPE_DEFINITION || node.kind === Kind.OBJECT_TYPE_EXTENSION) &&
      node.name.value === 'Subscription',
  );
  if (subscribes && (definition.events ?? []).length === 0) {
    throw new Error(
      `subgraph "${definition.name}" has a Subscription type but emits no events: declare them (events: eventTypesOf('${definition.name}'))`,
    );
  }
}
