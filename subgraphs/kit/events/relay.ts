import type { DataSource, QueryRunner } from 'typeorm';
import { serialized } from '../audit/mutations';
import type { Logger } from '../logger';
import type { EventType, PublishedEvent } from './catalogue';
import { onEventsCommitted } from './outbox';
import { OutboxEvent } from './OutboxEvent';
import type { EventTransport } from './transport';

/**
 * Marks the relay's own statements so that the statement counter (`QueryCounter`, read by
 * tests and the benchmark per operation) leaves out this background work.
 */
export const RELAY_COMMENT = 'outbox relay';

/** The MySQL lock's name, `outbox_<database>`: per database, since lock names are server-wide. */
const LOCK_NAME = "CONCAT('outbox_', DATABASE())";

/** What a relay needs. */
export interface RelayOptions {
  dataSource: DataSource;
  /** The subgraph's name: its stream, and the first part of each event's id. */
  subgraph: string;
  transport: EventTransport;
  logger: Logger;
  /** How often the relay looks for unpublished events besides being woken by commits. */
  pollMs: number;
  /** Most events read, published and marked in one round. */
  batchSize: number;
}

/**
 * Publishes a subgraph's outbox: unpublished rows in id order, a batch at a time, then marks
 * them published. At least once: a batch is marked only after the transport took all of it, so
 * a crash or a transport failure in between publishes it again later (consumers drop ids they
 * have seen). Woken right after a commit that wrote events (in this process), and every
 * `pollMs`, which also finds what was committed before a crash or by another replica.
 *
 * Order across replicas (MySQL): only the relay holding `GET_LOCK('outbox_<database>')` publishes;
 * the others stand by and try to take it at each poll. The lock belongs to one connection the
 * holder keeps (and reads and marks through), so it passes to a standby when the holder stops or
 * its connection dies. A row lock (`FOR UPDATE SKIP LOCKED`) would not do: two relays would
 * publish different batches concurrently, in no particular order. On SQLite (one process per
 * database file) the relay's statements queue with the mutations instead.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => void) | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  /** MySQL: the connection holding the lock, or null while standing by. */
  private holder: QueryRunner | null = null;
  private failing = false;
  private readonly mysql: boolean;

  constructor(private readonly options: RelayOptions) {
    this.mysql = options.dataSource.options.type !== 'better-sqlite3';
  }

  /** Starts publishing: at once (what a previous process left), on commits, and every `pollMs`. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unlisten = onEventsCommitted(this.options.dataSource, () => this.wake());
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Runs a round now, or right after the current one. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  /**
   * Stops waking, finishes the current round, publishes what is left once more (so that a clean
   * shutdown leaves nothing behind when the transport works), and gives up the lock.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.unlisten?.();
    await this.running;
    await this.drain();
    await this.releaseLock();
  }

  /** Publishes batches until none is left (or one fails: the next wake or poll tries again). */
  private async drain(): Promise<void> {
    try {
      let published: number | null;
      while ((published = await this.round()) === this.options.batchSize);
      // A standby relay (null) has not shown that publishing works again.
      if (published !== null && this.failing) this.options.logger.info('outbox relay publishes again');
      if (published !== null) this.failing = false;
    } catch (error) {
      // Logged once per outage rather than at every poll.
      if (!this.failing) this.options.logger.warn({ err: error }, 'outbox relay could not publish; will retry');
      this.failing = true;
      await this.releaseLock();
    }
  }

  /** One batch: read, publish, mark. Returns how many events it published; null when standing by. */
  private async round(): Promise<number | null> {
    const { dataSource, subgraph, transport, batchSize } = this.options;
    let runner: QueryRunner | undefined;
    if (this.mysql) {
      runner = (await this.acquireLock()) ?? undefined;
      // Another replica's relay holds the lock and publishes; this one stands by.
      if (!runner) return null;
    }
    const rows = await this.onDatabase(() =>
      dataSource
        .createQueryBuilder(OutboxEvent, 'e', runner)
        .comment(RELAY_COMMENT)
        .where('e.published_at IS NULL')
        .orderBy('e.id', 'ASC')
        .limit(batchSize)
        .getMany(),
    );
    if (rows.length === 0) return 0;
    const events = rows.map((row) => toPublished(subgraph, row));
    await transport.publish(subgraph, events);
    const ids = rows.map((row) => row.id);
    await this.onDatabase(() =>
      dataSource
        .createQueryBuilder(runner)
        .comment(RELAY_COMMENT)
        .update(OutboxEvent)
        .set({ publishedAt: new Date() })
        .whereInIds(ids)
        .execute(),
    );
    return rows.length;
  }

  /** SQLite: in the mutation queue, never inside another request's transaction. */
  private onDatabase<T>(work: () => Promise<T>): Promise<T> {
    return serialized(this.options.dataSource, work);
  }

  /** MySQL: the connection holding the lock, taking it when free; null while another relay holds it. */
  private async acquireLock(): Promise<QueryRunner | null> {
    if (this.holder) return this.holder;
    const runner = this.options.dataSource.createQueryRunner('master');
    try {
      const [row] = (await runner.query(
        `/* ${RELAY_COMMENT} */ SELECT GET_LOCK(${LOCK_NAME}, 0) AS acquired`,
      )) as Array<{ acquired: number | string | null }>;
      if (Number(row?.acquired) !== 1) {
        await runner.release();
        return null;
      }
    } catch (error) {
      await runner.release().catch(() => undefined);
      throw error;
    }
    this.holder = runner;
    this.options.logger.info('outbox relay holds the lock: publishing');
    return runner;
  }

  private async releaseLock(): Promise<void> {
    const holder = this.holder;
    if (!holder) return;
    this.holder = null;
    // Released explicitly: the connection goes back to the pool, and a named lock lives as long as its session.
    await holder.query(`/* ${RELAY_COMMENT} */ SELECT RELEASE_LOCK(${LOCK_NAME})`).catch(() => undefined);
    await holder.release().catch(() => undefined);
  }
}

/** An outbox row as published. */
function toPublished(subgraph: string, row: OutboxEvent): PublishedEvent {
  const sequence = Number(row.id);
  return {
    id: `${subgraph}:${sequence}`,
    subgraph,
    sequence,
    type: row.type as EventType,
    aggregateId: row.aggregateId,
    payload: JSON.parse(row.payload),
    createdAt: row.createdAt.toISOString(),
  } as PublishedEvent;
}
