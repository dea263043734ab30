import { EVENT_SOURCES } from '../../kit/events/catalogue';
import { type Env, type NodeEnv, StartupError, envBool, envHttpUrl, envInt, envNodeEnv } from '../../kit/env';
import { readSecret } from '../../kit/identity';
import { DEV_WEBHOOK_SECRET_KEY } from '../../kit/secrets';
import type { UrlPolicy } from './ssrf';

/** How the membership process delivers webhooks; read once at start. */
export interface WebhookConfig {
  /** What delivery URLs may be (`NODE_ENV`, `WEBHOOK_ALLOW_PRIVATE_NETWORKS`). */
  policy: UrlPolicy;
  /** How often the dispatcher reads the event feeds and looks for due deliveries (`WEBHOOK_POLL_MS`). */
  pollMs: number;
  /** Bound on one attempt: connecting, the answer's headers and its body (`WEBHOOK_TIMEOUT_MS`). */
  timeoutMs: number;
  /**
   * Where the dispatcher reads other subgraphs' outboxes without Redis: each emitting subgraph's
   * origin, from `SUBGRAPH_<NAME>_URL` (as the gateway's routes). `npm start` sets them.
   */
  feeds: Record<string, string>;
}

/** The subgraphs whose events webhooks carry, besides membership itself. */
export const REMOTE_SOURCES = [...new Set(Object.values(EVENT_SOURCES))].filter((name) => name !== 'membership');

/**
 * Reads {@link WebhookConfig}. `WEBHOOK_ALLOW_PRIVATE_NETWORKS=true` (local receivers) is refused
 * in production, where webhook URLs are https:// only.
 */
export function readWebhookConfig(env: Env, nodeEnv: NodeEnv = envNodeEnv(env)): WebhookConfig {
  const allowPrivate = envBool(env, 'WEBHOOK_ALLOW_PRIVATE_NETWORKS', false);
  if (allowPrivate && nodeEnv === 'production') {
    throw new StartupError(
      'WEBHOOK_ALLOW_PRIVATE_NETWORKS=true is refused in production: webhooks may reach public addresses only',
    );
  }
  const feeds: Record<string, string> = {};
  for (const name of REMOTE_SOURCES) {
    const url = envHttpUrl(env, `SUBGRAPH_${name.toUpperCase()}_URL`);
    if (url) feeds[name] = new URL(url).origin;
  }
  return {
    policy: { allowHttp: nodeEnv !== 'production', allowPrivate },
    pollMs: envInt(env, 'WEBHOOK_POLL_MS', 1_000, 50, 600_000),
    timeoutMs: envInt(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000),
    feeds,
  };
}

/**
 * The key that seals signing secrets at rest (`WEBHOOK_SECRET_KEY`, 32+ characters; required in
 * production, a development value elsewhere). Changing it makes the stored secrets unreadable:
 * webhooks must then be registered again.
 */
export function readWebhookSecretKey(env: Env, nodeEnv: NodeEnv = envNodeEnv(env)): Uint8Array {
  return readSecret(env, 'WEBHOOK_SECRET_KEY', nodeEnv, DEV_WEBHOOK_SECRET_KEY);
}
