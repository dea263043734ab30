import { randomBytes } from 'node:crypto';

/** A fresh random signing secret, as `openssl rand -base64 48` makes one (production accepts it). */
export function strongSecret(): string {
  return randomBytes(48).toString('base64');
}

/**
 * What production needs to start: both signing secrets and the key of webhook secrets (the
 * membership subgraph's), different and random, and a deployment id.
 */
export function productionSecrets(deploymentId = 'e2e-production'): {
  GATEWAY_ASSERTION_SECRET: string;
  ACCESS_TOKEN_SECRET: string;
  WEBHOOK_SECRET_KEY: string;
  DEPLOYMENT_ID: string;
} {
  return {
    GATEWAY_ASSERTION_SECRET: strongSecret(),
    ACCESS_TOKEN_SECRET: strongSecret(),
    WEBHOOK_SECRET_KEY: strongSecret(),
    DEPLOYMENT_ID: deploymentId,
  };
}
