import { randomUUID } from 'node:crypto';
import { type DataSource, type EntityManager, In, IsNull } from 'typeorm';
import { type Connection, type PageArgs, paginate } from '../../kit/pagination';
import { Webhook, WebhookDelivery, type WebhookDeliveryStatus, type WebhookFilterValues } from '../entities';
import type { EventType } from '../../kit/events/catalogue';
import { generateSigningSecret, type SecretBox } from '../webhooks/signing';
import type { UrlGuard } from '../webhooks/ssrf';

/** A newly registered webhook and its signing secret, which exists only in this answer. */
export interface RegisteredWebhook {
  webhook: Webhook;
  secret: string;
}

/** Most webhooks one member may have. */
export const MAX_WEBHOOKS_PER_MEMBER = 10;

/** Reads and writes webhooks and their delivery log (the dispatcher writes attempts itself). */
export class WebhookRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly secrets: SecretBox,
    /** What webhook URLs may be, checked at registration and at every attempt. */
    readonly guard: UrlGuard,
  ) {}

  /** A webhook's signing secret, unsealed for one attempt; never logged. */
  signingSecret(webhook: Pick<Webhook, 'id' | 'secretSealed'>): string {
    return this.secrets.open(webhook.secretSealed, webhook.id);
  }

  /** Webhooks of many members at once (for a page of members), oldest first. */
  findByMembers(memberIds: readonly string[]): Promise<Webhook[]> {
    return this.dataSource
      .getRepository(Webhook)
      .find({ where: { memberId: In([...memberIds]) }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Every member's webhooks (admins), oldest first. */
  findAll(): Promise<Webhook[]> {
    return this.dataSource.getRepository(Webhook).find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  findByIds(ids: readonly string[]): Promise<Webhook[]> {
    return this.dataSource.getRepository(Webhook).findBy({ id: In([...ids]) });
  }

  findById(manager: EntityManager, id: string): Promise<Webhook | null> {
    return manager.getRepository(Webhook).findOneBy({ id });
  }

  countOf(manager: EntityManager, memberId: string): Promise<number> {
    return manager.getRepository(Webhook).countBy({ memberId });
  }

  /** Registers a webhook with a new secret, stored sealed. */
  async register(
    manager: EntityManager,
    input: { memberId: string; url: string; events: readonly EventType[]; filter: WebhookFilterValues | null },
  ): Promise<RegisteredWebhook> {
    const id = randomUUID();
    const secret = generateSigningSecret();
    const webhook = Object.assign(new Webhook(), {
      id,
      memberId: input.memberId,
      url: input.url,
      events: input.events.join(','),
      filter: input.filter ? JSON.stringify(input.filter) : null,
      secretSealed: this.secrets.seal(secret, id),
      createdAt: new Date(),
      disabledAt: null,
    });
    await manager.getRepository(Webhook).insert(webhook);
    return { webhook, secret };
  }

  async setEnabled(manager: EntityManager, webhook: Webhook, enabled: boolean): Promise<Webhook> {
    if (enabled === (webhook.disabledAt === null)) return webhook;
    webhook.disabledAt = enabled ? null : new Date();
    await manager.getRepository(Webhook).update({ id: webhook.id }, { disabledAt: webhook.disabledAt });
    return webhook;
  }

  /** Deletes a webhook and its delivery log. */
  async delete(manager: EntityManager, webhook: Webhook): Promise<void> {
    await manager.getRepository(WebhookDelivery).delete({ webhookId: webhook.id });
    await manager.getRepository(Webhook).delete({ id: webhook.id });
  }

  /** A webhook's deliveries, newest first; only those with `outcome` when given. */
  deliveries(
    webhookId: string,
    outcome: WebhookDeliveryStatus | null,
    page: PageArgs,
  ): Promise<Connection<WebhookDelivery>> {
    const query = this.dataSource
      .getRepository(WebhookDelivery)
      .createQueryBuilder('d')
      .where('d.webhook_id = :webhookId', { webhookId });
    if (outcome) query.andWhere('d.status = :outcome', { outcome });
    return paginate(query, page, [
      {
        column: 'd.created_at',
        direction: 'DESC',
        value: (d) => d.createdAt.toISOString(),
        param: (value) => new Date(String(value)),
      },
      { column: 'd.id', direction: 'DESC', value: (d) => d.id },
    ]);
  }

  findDelivery(manager: EntityManager, id: string): Promise<WebhookDelivery | null> {
    return manager.getRepository(WebhookDelivery).findOneBy({ id });
  }

  /** Makes a delivery due now, with a new retry window; the dispatcher sends it at its next round. */
  async redeliver(manager: EntityManager, delivery: WebhookDelivery, now: Date = new Date()): Promise<WebhookDelivery> {
    Object.assign(delivery, { status: 'PENDING', nextAttemptAt: now, firstAttemptAt: null, leaseUntil: null });
    await manager
      .getRepository(WebhookDelivery)
      .update({ id: delivery.id }, { status: 'PENDING', nextAttemptAt: now, firstAttemptAt: null, leaseUntil: null });
    return delivery;
  }

  /** Enabled webhooks, for the dispatcher. */
  enabled(): Promise<Webhook[]> {
    return this.dataSource.getRepository(Webhook).findBy({ disabledAt: IsNull() });
  }
}
