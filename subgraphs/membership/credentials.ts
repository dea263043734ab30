import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API key format: `alk_` + 8 lower-case alphanumerics (public prefix, indexed for lookup)
 * + `_` + 43 base64url characters (256 random bits). Only the SHA-256 of the whole
 * key is stored; the prefix lets holders and admins recognise a key without its secret.
 */
const KEY_PATTERN = /^(alk_[a-z0-9]{8})_[A-Za-z0-9_-]{43}$/;
const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** SHA-256 of a key, hex. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The public prefix of a well-formed key, or null for anything else. */
export function apiKeyPrefix(key: string): string | null {
  return KEY_PATTERN.exec(key)?.[1] ?? null;
}

/** Mints a new key: the secret (shown once), its prefix and its hash (stored). */
export function generateApiKey(): { secret: string; prefix: string; hash: string } {
  const prefix = `alk_${Array.from(randomBytes(8), (b) => PREFIX_ALPHABET[b % PREFIX_ALPHABET.length]).join('')}`;
  const secret = `${prefix}_${randomBytes(32).toString('base64url')}`;
  return { secret, prefix, hash: hashApiKey(secret) };
}

/** Compares a presented key with a stored hash in constant time. */
export function apiKeyMatches(key: string, storedHash: string): boolean {
  const presented = Buffer.from(hashApiKey(key), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/**
 * Development credentials, seeded only outside production and printed by `npm start`.
 * They are public by design: never use them for anything real.
 */
export const DEV_CREDENTIALS = {
  admin: {
    secret: 'alk_devadmin_DEVELOPMENT-ONLY-admin-key-not-for-producti',
    memberSlug: 'tianfu-daily',
    label: 'Development admin key (secretariat)',
    role: 'ADMIN' as const,
  },
  member: {
    secret: 'alk_devmembr_DEVELOPMENT-ONLY-member-key-not-for-product',
    memberSlug: 'chengdu-evening-news',
    label: 'Development member key',
    role: 'MEMBER' as const,
  },
};
