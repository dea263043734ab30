import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/** The prefix of a signing secret, as the Standard Webhooks libraries expect it. */
const SECRET_PREFIX = 'whsec_';

/** A new signing secret: `whsec_` and 32 random bytes in base64 (what `standardwebhooks` verifies with). */
export function generateSigningSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/**
 * Encrypts and decrypts signing secrets at rest (AES-256-GCM). HMAC needs the secret itself at
 * every delivery, so it cannot be hashed like an API key; encrypting it with a key that lives
 * only in the process's environment (`WEBHOOK_SECRET_KEY`) keeps a database dump or replica from
 * revealing it. The webhook's id is the associated data: a sealed secret copied to another
 * webhook's row does not open.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(keyMaterial: Uint8Array) {
    this.key = Buffer.from(hkdfSync('sha256', keyMaterial, Buffer.alloc(0), 'alliance webhook signing secrets', 32));
  }

  seal(secret: string, webhookId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(webhookId, 'utf8'));
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), sealed]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /** The secret; throws when the value was sealed with another key or for another webhook. */
  open(sealed: string, webhookId: string): string {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('sealed webhook secret is malformed');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(webhookId, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }
}

/**
 * The Standard Webhooks headers of one attempt: `webhook-id`, `webhook-timestamp` (Unix seconds)
 * and `webhook-signature` (`v1,` and the base64 HMAC-SHA256, keyed with the secret's decoded
 * bytes, of `${id}.${timestamp}.${body}`).
 */
export function signatureHeaders(secret: string, id: string, timestamp: Date, body: string): Record<string, string> {
  const seconds = Math.floor(timestamp.getTime() / 1000);
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${seconds}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(seconds), 'webhook-signature': `v1,${signature}` };
}
