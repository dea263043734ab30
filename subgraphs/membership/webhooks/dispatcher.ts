import { randomUUID } from 'node:crypto';
import { type DataSource, In } from 'typeorm';
import { serialized } from '../../kit/audit/mutations';
import type { PublishedEvent } from '../../kit/events/catalogue';
import type { Logger } from '../../kit/logger';
import { Rounds } from '../../kit/rounds';
import { Member, Webhook, WebhookDelivery } from '../entities';
import type { WebhookRepository } from '../repositories/webhooks';
import { deliveryBody, wants } from './events';
import { sendDelivery } from './send';
import { signatureHeaders } from './signing';

/** How long deliveries are retried after their first attempt before they are marked FAILED. */
export const RETRY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** The backoff before retry `n` (1 for the first retry): doubling from `baseMs`, at most `maxMs`. */
export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/** 5 s, 10 s, 20 s, ... up to an hour between attempts: about 30 attempts in 24 hours. */
export const DEFAULT_BACKOFF: Backoff = { baseMs: 5_000, maxMs: 60 * 60 * 1000 };

/** What the dispatcher needs; the clock, randomness and backoff are seams for tests. */
export interface DispatcherOptions {
  dataSource: DataSource;
  webhooks: WebhookRepository;
  logger: Logger;
  /** Bound on each phase of an attempt (`WEBHOOK_TIMEOUT_MS`). */
  timeoutMs: number;
  /** How often it looks for due deliveries (`WEBHOOK_POLL_MS`). */
  pollMs: number;
  now?: () => Date;
  /** In [0, 1): the jitter of each backoff. */
  random?: () => number;
  backoff?: Backoff;
  retryWindowMs?: number;
  /** Most deliveries attempted at once. */
  batchSize?: number;
  /** How long a claimed delivery stays with this dispatcher before another may take it. */
  leaseMs?: number;
}

/**
 * Turns events into deliveries and delivers them. `ingest` writes one delivery row per
 * (webhook, event) the webhook wants (its kinds, its filter, and what its member may read:
 * `kit/events/audience.ts`), keeping rows that exist, so an event read twice is delivered once.
 * `deliverDue` claims due deliveries (a lease, so that replicas never send one at once), POSTs
 * each signed, and records the outcome: SUCCEEDED on a 2xx, else a retry after an exponential,
 * jittered backoff, until 24 hours after the first attempt, then FAILED.
 */
export class WebhookDispatcher {
  private readonly rounds: Rounds;
  /** Aborts attempts in flight when the dispatcher stops. */
  private halt = new AbortController();
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly backoff: Backoff;
  private readonly retryWindowMs: number;
  private readonly batchSize: number;
  private readonly leaseMs: number;

  constructor(private readonly options: DispatcherOptions) {
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.retryWindowMs = options.retryWindowMs ?? RETRY_WINDOW_MS;
    this.batchSize = options.batchSize ?? 20;
    this.leaseMs = options.leaseMs ?? 4 * options.timeoutMs;
    this.rounds = new Rounds(() => this.drain(), options.pollMs);
  }

  /** Delivers what is due every `pollMs` and when woken. */
  start(): void {
    if (this.rounds.active) return;
    this.halt = new AbortController();
    this.rounds.start();
  }

  /** Runs a delivery round now, or right after the current one. */
  wake(): void {
    this.rounds.wake();
  }

  /**
   * Stops waking, aborts the attempts in flight (they are not counted: their deliveries go back to
   * PENDING, due again, for the next dispatcher) and waits for the round under way, so that a
   * shutdown never waits for a slow receiver.
   */
  async stop(): Promise<void> {
    // Stopped before the abort: a round that sees its attempts aborted starts no other.
    const stopped = this.rounds.stop();
    this.halt.abort();
    await stopped;
  }

  private async drain(): Promise<void> {
    try {
      while (this.rounds.active && (await this.deliverDue()) === this.batchSize);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'webhook delivery round failed; will retry');
    }
  }

  /**
   * Writes the deliveries `events` call for (none twice). Webhooks of members that
   * are not ACTIVE, disabled webhooks, and events from before a webhook was registered get none.
   */
  async ingest(events: readonly PublishedEvent[]): Promise<void> {
    if (events.length === 0) return;
    const { dataSource } = this.options;
    const webhooks = await this.options.webhooks.enabled();
    const members = webhooks.length
      ? await dataSource.getRepository(Member).findBy({ id: In([...new Set(webhooks.map((w) => w.memberId))]) })
      : [];
    const active = new Set(members.filter((m) => m.status === 'ACTIVE').map((m) => m.id));
    const created = this.now();
    const rows: WebhookDelivery[] = [];
    for (const event of events) {
      const at = new Date(event.createdAt);
      for (const webhook of webhooks) {
        if (!active.has(webhook.memberId) || at < webhook.createdAt || !wants(webhook, event)) continue;
        rows.push(
          Object.assign(new WebhookDelivery(), {
            id: randomUUID(),
            webhookId: webhook.id,
            eventId: event.id,
            eventType: event.type,
            body: deliveryBody(event),
            status: 'PENDING',
            attempts: 0,
            responseStatus: null,
            lastError: null,
            createdAt: created,
            firstAttemptAt: null,
            lastAttemptAt: null,
            nextAttemptAt: created,
            deliveredAt: null,
            leaseUntil: null,
          }),
        );
      }
    }
    if (rows.length === 0) return;
    // The unique (webhook, event) key keeps what exists: the conflict "updates" a key column to
    // its own value. Not INSERT IGNORE, which on MySQL would also turn real errors into warnings.
    await serialized(dataSource, () =>
      dataSource
        .createQueryBuilder()
        .insert()
        .into(WebhookDelivery)
        .values(rows)
        .orUpdate(['webhook_id'], ['webhook_id', 'event_id'])
        .updateEntity(false)
        .execute(),
    );
    this.wake();
  }

  /** One round: claims up to `batchSize` due deliveries and attempts them. Returns how many it attempted. */
  async deliverDue(): Promise<number> {
    const { dataSource } = this.options;
    const now = this.now();
    const due = await serialized(dataSource, () =>
      dataSource
        .getRepository(WebhookDelivery)
        .createQueryBuilder('d')
        .innerJoin(Webhook, 'w', 'w.id = d.webhook_id AND w.disabled_at IS NULL')
        .where('d.status = :pending AND d.next_attempt_at <= :now', { pending: 'PENDING', now })
        .andWhere('(d.lease_until IS NULL OR d.lease_until < :now)', { now })
        .orderBy('d.next_attempt_at', 'ASC')
        .addOrderBy('d.id', 'ASC')
        .limit(this.batchSize)
        .getMany(),
    );
    const claimed: WebhookDelivery[] = [];
    for (const delivery of due) if (await this.claim(delivery, now)) claimed.push(delivery);
    if (claimed.length === 0) return due.length;
    const webhooks = new Map(
      (await this.options.webhooks.findByIds([...new Set(claimed.map((d) => d.webhookId))])).map((w) => [w.id, w]),
    );
    await Promise.all(claimed.map((delivery) => this.attempt(delivery, webhooks.get(delivery.webhookId))));
    return due.length;
  }

  /** Takes a delivery for this dispatcher until the lease ends; false when another took it first. */
  private async claim(delivery: WebhookDelivery, now: Date): Promise<boolean> {
    const { dataSource } = this.options;
    const result = await serialized(dataSource, () =>
      dataSource
        .createQueryBuilder()
        .update(WebhookDelivery)
        .set({ leaseUntil: new Date(now.getTime() + this.leaseMs) })
        .where('id = :id AND status = :pending', { id: delivery.id, pending: 'PENDING' })
        .andWhere('(lease_until IS NULL OR lease_until < :now)', { now })
        .execute(),
    );
    return result.affected === 1;
  }

  /** Gives a claimed delivery back without an attempt: due at once for whichever dispatcher runs next. */
  private async release(delivery: WebhookDelivery): Promise<void> {
    const { dataSource } = this.options;
    await serialized(dataSource, () =>
      dataSource.getRepository(WebhookDelivery).update({ id: delivery.id }, { leaseUntil: null }),
    );
  }

  /** One attempt of one delivery, and its record. */
  private async attempt(delivery: WebhookDelivery, webhook: Webhook | undefined): Promise<void> {
    const started = this.now();
    let result;
    if (!webhook) {
      result = { ok: false, status: null, error: 'the webhook was deleted' };
    } else {
      const headers = signatureHeaders(
        this.options.webhooks.signingSecret(webhook),
        delivery.id,
        started,
        delivery.body,
      );
      result = await sendDelivery({
        guard: this.options.webhooks.guard,
        url: webhook.url,
        headers,
        body: delivery.body,
        timeoutMs: this.options.timeoutMs,
        signal: this.halt.signal,
      });
      if ('aborted' in result) {
        await this.release(delivery);
        return;
      }
    }
    const finished = this.now();
    const attempts = delivery.attempts + 1;
    const firstAttemptAt = delivery.firstAttemptAt ?? started;
    const deadline = firstAttemptAt.getTime() + this.retryWindowMs;
    let next: Date | null = null;
    let status: WebhookDelivery['status'] = 'SUCCEEDED';
    if (!result.ok) {
      status = finished.getTime() >= deadline || !webhook ? 'FAILED' : 'PENDING';
      if (status === 'PENDING') next = new Date(Math.min(finished.getTime() + this.delayBefore(attempts), deadline));
    }
    const { dataSource } = this.options;
    await serialized(dataSource, () =>
      dataSource.getRepository(WebhookDelivery).update(
        { id: delivery.id },
        {
          status,
          attempts,
          responseStatus: result.status,
          lastError: result.error?.slice(0, 200) ?? null,
          firstAttemptAt,
          lastAttemptAt: started,
          nextAttemptAt: next,
          deliveredAt: result.ok ? finished : null,
          leaseUntil: null,
        },
      ),
    );
  }

  /**
   * The wait after attempt `attempts` failed: `baseMs · 2^(attempts-1)`, at most `maxMs`, of which
   * a random half is taken off ("equal jitter"), so that receivers that come back are not hit by
   * every retry at once.
   */
  delayBefore(attempts: number): number {
    const full = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** Math.min(attempts - 1, 30));
    return Math.round(full / 2 + (full / 2) * this.random());
  }
}
