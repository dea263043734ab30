import type { DataSource } from 'typeorm';
import { AuditRepository } from '../../kit/audit/repository';
import { readWebhookConfig, readWebhookSecretKey } from '../webhooks/config';
import { SecretBox } from '../webhooks/signing';
import { UrlGuard } from '../webhooks/ssrf';
import { AllianceRepository } from './alliance';
import { ApiKeyRepository } from './apiKeys';
import { MemberRepository } from './members';
import { WebhookRepository } from './webhooks';

/**
 * The membership subgraph's repositories, made once per process. Webhook secrets are sealed with
 * `WEBHOOK_SECRET_KEY` and URLs checked against the webhook settings, both read here, at start
 * (a production process without the key, or allowing private networks, does not start).
 */
export function createMembershipRepositories(dataSource: DataSource) {
  return {
    members: new MemberRepository(dataSource),
    alliance: new AllianceRepository(dataSource),
    apiKeys: new ApiKeyRepository(dataSource),
    audit: new AuditRepository(dataSource),
    webhooks: new WebhookRepository(
      dataSource,
      new SecretBox(readWebhookSecretKey(process.env)),
      new UrlGuard(readWebhookConfig(process.env).policy),
    ),
  };
}

export type MembershipRepositories = ReturnType<typeof createMembershipRepositories>;
