import type { DataSource, EntityManager } from 'typeorm';
import { type EventType, type NewEvent, type PublishedEvent } from './catalogue';
import { OUTBOX_LOCK_ROW } from './migration';
import { OutboxEvent } from './OutboxEvent';

/** Emits an event from inside a change; it is written with the change or not at all. */
export type Emit = (event: NewEvent) => void;

/**
 * Writes `events` in the transaction `manager` belongs to: one INSERT, after the writer lock
 * on MySQL. The lock (a row lock on `outbox_lock`, held until commit) makes ids commit in id
 * order: without it, a transaction could take id 7, another id 8 and commit first, and a relay
 * that published 8 would then see 7 appear behind it. Taken last in the transaction, after the
 * change's own writes, so it is held only for this INSERT, the audit record and the commit, and
 * never while waiting for another lock. SQLite needs none: mutations are serialised there.
 */
export async function appendEvents(
  manager: EntityManager,
  events: readonly NewEvent[],
  now: Date = new Date(),
): Promise<void> {
  if (events.length === 0) return;
  if (manager.connection.options.type !== 'better-sqlite3') {
    await manager.query('SELECT name FROM outbox_lock WHERE name = ? FOR UPDATE', [OUTBOX_LOCK_ROW]);
  }
  await manager
    .createQueryBuilder()
    .insert()
    .into(OutboxEvent)
    .values(
      events.map((event) => ({
        type: event.type,
        aggregateId: event.aggregateId,
        payload: JSON.stringify(event.payload),
        createdAt: now,
        publishedAt: null,
      })),
    )
    // The relay reads the ids back; reloading them here would cost a statement per insert.
    .updateEntity(false)
    .execute();
}

/**
 * Collects what a change emits. `allowed` is the subgraph's declared types: emitting another
 * subgraph's type (or any from a subgraph without an outbox) is a programming error, caught
 * here with a message instead of later as a missing table.
 */
export function eventCollector(allowed: readonly EventType[]): {
  emit: Emit;
  events: NewEvent[];
  close: () => void;
} {
  const events: NewEvent[] = [];
  let open = true;
  return {
    events,
    emit: (event) => {
      if (!open) throw new Error(`event ${event.type} emitted after its change finished`);
      if (!allowed.includes(event.type)) {
        throw new Error(`this subgraph does not emit ${event.type} (it emits: ${allowed.join(', ') || 'nothing'})`);
      }
      events.push(event);
    },
    close: () => {
      open = false;
    },
  };
}

/** Who hears, per DataSource, that a transaction with events has committed. */
const committed = new WeakMap<DataSource, Set<() => void>>();

/**
 * Calls `listener` after every commit on `dataSource` that wrote events (the relay's wake-up);
 * returns the function that stops it. In-process only: other replicas find the rows by polling.
 */
export function onEventsCommitted(dataSource: DataSource, listener: () => void): () => void {
  let listeners = committed.get(dataSource);
  if (!listeners) committed.set(dataSource, (listeners = new Set()));
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Tells the listeners of `dataSource` that events were committed. */
export function notifyEventsCommitted(dataSource: DataSource): void {
  for (const listener of committed.get(dataSource) ?? []) listener();
}

/** An outbox row as it is published: by the relay to the transport, and by the outbox feed. */
export function toPublishedEvent(subgraph: string, row: OutboxEvent): PublishedEvent {
  const sequence = Number(row.id);
  return {
    id: `${subgraph}:${sequence}`,
    subgraph,
    sequence,
    type: row.type as EventType,
    aggregateId: row.aggregateId,
    payload: JSON.parse(row.payload) as unknown,
    createdAt: row.createdAt.toISOString(),
  } as PublishedEvent;
}
