import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { DataSource, EntityManager } from 'typeorm';
import type { EventType } from '../events/catalogue';
import { appendEvents, type Emit, eventCollector, notifyEventsCommitted } from '../events/outbox';
import type { Identity } from '../identity';
import { AuditRecord, type AuditOutcome } from './AuditRecord';

/** What a mutation is about, for its audit record. */
export interface AuditedOperation {
  /** The GraphQL mutation name, e.g. `admitMember`. */
  operation: string;
  targetType: string;
  /** Known before the change (e.g. the id argument); else taken from `targetOf`. */
  targetId?: string | null;
  /** Non-secret context worth keeping, e.g. a suspension reason. */
  detail?: string | null;
}

/**
 * Runs one mutation in one transaction with its audit record. The change may `emit` events:
 * they are written to the outbox in the same transaction, so they exist exactly when the
 * change does (see `../events/outbox`).
 */
export type MutationRunner = <T>(
  operation: AuditedOperation,
  change: (manager: EntityManager, emit: Emit) => Promise<T>,
  targetOf?: (result: T) => string,
) => Promise<T>;

function outcomeOf(error: unknown): { outcome: AuditOutcome; code: string } {
  const code =
    error instanceof GraphQLError ? String(error.extensions.code ?? 'INTERNAL_SERVER_ERROR') : 'INTERNAL_SERVER_ERROR';
  if (code === 'UNAUTHENTICATED' || code === 'FORBIDDEN') return { outcome: 'DENIED', code };
  if (code === 'BAD_USER_INPUT' || code === 'CONFLICT' || code === 'NOT_FOUND') return { outcome: 'REJECTED', code };
  return { outcome: 'FAILED', code };
}

/**
 * SQLite runs on one connection: two transactions open at once on it fail ("cannot start a
 * transaction within a transaction"), and a failure record written while another request's
 * transaction is open would join that transaction. So on SQLite, mutations queue per
 * DataSource; MySQL's pool lets them run side by side and the database arbitrates.
 */
const sqliteQueues = new WeakMap<DataSource, Promise<unknown>>();

/**
 * Runs `work` in `dataSource`'s mutation queue on SQLite (at once on MySQL). Anything that
 * writes outside a mutation's transaction on SQLite (the outbox relay) goes through it too, or
 * its statements would run inside whichever transaction is open on the one connection.
 */
export function serialized<T>(dataSource: DataSource, work: () => Promise<T>): Promise<T> {
  if (dataSource.options.type !== 'better-sqlite3') return work();
  const previous = sqliteQueues.get(dataSource) ?? Promise.resolve();
  const result = previous.then(work, work);
  sqliteQueues.set(
    dataSource,
    result.catch(() => undefined),
  );
  return result;
}

/**
 * Binds the audited-mutation runner to one request. The change, the events it emitted and its
 * SUCCESS record commit together; a refused or failed change is rolled back whole (its events
 * with it) and only its DENIED/REJECTED/FAILED record is written, in a transaction of its own.
 * `eventTypes` are the types the subgraph emits (none by default).
 */
export function createMutationRunner(
  dataSource: DataSource,
  viewer: Identity,
  requestId: string,
  eventTypes: readonly EventType[] = [],
): MutationRunner {
  const record = (op: AuditedOperation, outcome: AuditOutcome, targetId: string | null, errorCode: string | null) =>
    Object.assign(new AuditRecord(), {
      id: randomUUID(),
      at: new Date(),
      actorMemberId: viewer.memberId,
      actorRole: viewer.role,
      actorKeyId: viewer.keyId,
      operation: op.operation,
      targetType: op.targetType,
      targetId: targetId?.slice(0, 80) ?? null,
      outcome,
      errorCode,
      requestId,
      detail: op.detail?.slice(0, 500) ?? null,
    });

  return (op, change, targetOf) =>
    serialized(dataSource, async () => {
      const collected = eventCollector(eventTypes);
      try {
        const result = await dataSource.transaction(async (manager) => {
          const result = await change(manager, collected.emit);
          collected.close();
          const targetId = op.targetId ?? (targetOf ? targetOf(result) : null);
          await appendEvents(manager, collected.events);
          await manager.getRepository(AuditRecord).insert(record(op, 'SUCCESS', targetId, null));
          return result;
        });
        if (collected.events.length > 0) notifyEventsCommitted(dataSource);
        return result;
      } catch (error) {
        collected.close();
        const { outcome, code } = outcomeOf(error);
        await dataSource.getRepository(AuditRecord).insert(record(op, outcome, op.targetId ?? null, code));
        throw error;
      }
    });
}
