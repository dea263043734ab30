import type { DataSource, QueryRunner } from 'typeorm';
import { serialized } from '../audit/mutations';
import type { Logger } from '../logger';
import { onEventsCommitted, toPublishedEvent } from './outbox';
import { OutboxEvent } from './OutboxEvent';
import { PRUNE_BATCH_SIZE, pruneOutboxBatch } from './prune';
import { Rounds } from '../rounds';
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
  /**
   * How long published rows are kept before the relay deletes them (`OUTBOX_RETENTION_HOURS`);
   * without it, nothing is pruned.
   */
  retentionHours?: number;
  /** How often the relay prunes (default {@link PRUNE_INTERVAL_MS}). */
  pruneIntervalMs?: number;
  /** Rows deleted per statement (default {@link PRUNE_BATCH_SIZE}). */
  pruneBatchSize?: number;
}

/**
 * How often the publishing relay deletes published rows past the retention. Rows become due one
 * by one as they age, so a short interval keeps each pass small.
 */
export const PRUNE_INTERVAL_MS = 10 * 60_000;
/**
 * Batches one pass deletes at most before publishing goes on: a large backlog (the first pass
 * after a long time without pruning) is worked off over the next rounds, not in one long pause.
 */
const PRUNE_BATCHES_PER_PASS = 10;

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
  private readonly rounds: Rounds;
  private unlisten: (() => void) | undefined;
  /** MySQL: the connection holding the lock, or null while standing by. */
  private holder: QueryRunner | null = null;
  private failing = false;
  private readonly mysql: boolean;
  /** When the next prune pass is due (epoch milliseconds); 0: at the next round. */
  private nextPruneAt = 0;
  private prunedRows = 0;

  constructor(private readonly options: RelayOptions) {
    this.mysql = options.dataSource.options.type !== 'better-sqlite3';
    this.rounds = new Rounds(() => this.drain(), options.pollMs);
  }

  /** Starts publishing: at once (what a previous process left), on commits, and every `pollMs`. */
  start(): void {
    if (!this.rounds.start()) return;
    this.unlisten = onEventsCommitted(this.options.dataSource, () => this.rounds.wake());
  }

  /** Runs a round now, or right after the current one. */
  wake(): void {
    this.rounds.wake();
  }

  /**
   * Stops waking, finishes the current round, publishes what is left once more (so that a clean
   * shutdown leaves nothing behind when the transport works), and gives up the lock.
   */
  async stop(): Promise<void> {
    this.unlisten?.();
    this.unlisten = undefined;
    if (!(await this.rounds.stop())) return;
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
      // Only the publishing relay (the lock holder on MySQL) prunes, and not during a stop.
      if (published !== null && this.rounds.active) await this.prune();
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
    const events = rows.map((row) => toPublishedEvent(subgraph, row));
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

  /** Published rows deleted by this relay so far (retention pruning). */
  get pruned(): number {
    return this.prunedRows;
  }

  /**
   * Deletes published rows older than the retention, in bounded batches (each on SQLite its own
   * turn in the mutation queue), when a pass is due. Logs how many it deleted. A failure is
   * logged and retried at the next interval: publishing does not depend on it.
   */
  private async prune(): Promise<void> {
    const { retentionHours, dataSource } = this.options;
    if (retentionHours === undefined || Date.now() < this.nextPruneAt) return;
    const batchSize = this.options.pruneBatchSize ?? PRUNE_BATCH_SIZE;
    const interval = this.options.pruneIntervalMs ?? PRUNE_INTERVAL_MS;
    const publishedBefore = new Date(Date.now() - retentionHours * 3_600_000);
    let pruned = 0;
    let more = false;
    try {
      for (let pass = 0; pass < PRUNE_BATCHES_PER_PASS; pass += 1) {
        const deleted = await this.onDatabase(() =>
          pruneOutboxBatch({
            dataSource,
            publishedBefore,
            batchSize,
            runner: this.holder ?? undefined,
            comment: RELAY_COMMENT,
          }),
        );
        pruned += deleted;
        more = deleted === batchSize;
        if (!more) break;
      }
      // A backlog left: the next round goes on with it.
      this.nextPruneAt = more ? 0 : Date.now() + interval;
    } catch (error) {
      this.options.logger.warn({ err: error }, 'outbox pruning failed; will retry');
      this.nextPruneAt = Date.now() + interval;
    }
    this.prunedRows += pruned;
    if (pruned > 0) this.options.logger.info({ pruned, retentionHours }, 'outbox pruned published events');
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
