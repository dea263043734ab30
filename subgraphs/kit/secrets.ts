/**
 * Signing secrets, and what production refuses as one. Anyone who read this repository knows
 * every value in it, so a secret copied from `.env.example`, a development default or the
 * documentation signs nothing an attacker could not sign too: with it, they mint ADMIN tokens
 * and assertions. Production therefore refuses such values at start-up, as well as values
 * that are easy to guess, and one value used for two secrets.
 */

/**
 * Development-only secret for identity assertions. Production refuses to start with it,
 * so it can never sign anything that matters.
 */
export const DEV_ASSERTION_SECRET = 'dev-only-gateway-assertion-secret-change-me-in-production';

/** Development-only secret for browser access tokens; refused in production like the one above. */
export const DEV_ACCESS_TOKEN_SECRET = 'dev-only-access-token-secret-change-me-in-production';

/** Development-only key that seals webhook signing secrets at rest; refused in production like the ones above. */
export const DEV_WEBHOOK_SECRET_KEY = 'dev-only-webhook-secret-key-change-me-in-production';

/** How to make a good secret; every refusal says it. */
export const SECRET_ADVICE = 'generate one with `openssl rand -base64 48`';

/**
 * Every secret-like value published in this repository: the development defaults, the
 * placeholders of `.env.example`, and values written in the documentation and the tests.
 * `test/unit/secrets.test.ts` finds every such value in those files and fails when one is
 * missing here, so this list cannot fall behind them.
 */
export const PUBLISHED_SECRETS: readonly string[] = [
  DEV_ASSERTION_SECRET,
  DEV_ACCESS_TOKEN_SECRET,
  DEV_WEBHOOK_SECRET_KEY,
  // .env.example
  'change-me-mysql-root-password',
  // (and each subgraph's MYSQL_<NAME>_PASSWORD placeholder: see databasePasswordPlaceholder)
  'change-me-to-a-random-string-of-at-least-32-characters',
  'change-me-to-another-random-string-of-32-characters-or-more',
  'change-me-to-a-third-random-string-for-webhook-secrets',
  // tests (wrongly signed tokens and assertions)
  'a-different-secret-of-at-least-32-characters',
  'not-the-gateway-secret-but-32-characters-long',
];

/**
 * The `.env.example` placeholder of a subgraph's MySQL password (`npm run deployment` writes one
 * per registered subgraph), refused like the published secrets: {@link isPublishedSecret}.
 */
export function databasePasswordPlaceholder(service: string): string {
  return `change-me-${service}-db-password`;
}

/** Any subgraph's {@link databasePasswordPlaceholder}, as a pattern: the kit knows no subgraph names. */
const DATABASE_PASSWORD_PLACEHOLDER = /change-me-[a-z0-9-]+-db-password/;

/** True for a value published in this repository: one of {@link PUBLISHED_SECRETS} or a database password placeholder. */
export function isPublishedSecret(value: string): boolean {
  return PUBLISHED_SECRETS.includes(value) || new RegExp(`^${DATABASE_PASSWORD_PLACEHOLDER.source}$`).test(value);
}

/** Fewer different characters than this makes a secret guessable (`aaaa…`, `abab…`, a date). */
const MIN_DISTINCT_CHARACTERS = 10;
/** The shortest published value a secret may not contain (shorter ones are ordinary words). */
const MIN_PUBLISHED_LENGTH = 16;

function characterClass(char: string): string {
  if (/[a-z]/.test(char)) return 'lower';
  if (/[A-Z]/.test(char)) return 'upper';
  if (/[0-9]/.test(char)) return 'digit';
  return 'other';
}

/**
 * Why `value` may not sign anything in production, or undefined when it may. Never
 * includes the value itself: the answer ends up in a start-up error line.
 *
 * Refused: a value published in this repository, or one containing it (`change-me…2`);
 * fewer than 10 different characters; characters of one kind only (only lower-case letters,
 * only digits, ...). Random secrets pass (`openssl rand -base64 48`, or `-hex 32`).
 */
export function weakSecretReason(value: string): string | undefined {
  const published =
    DATABASE_PASSWORD_PLACEHOLDER.test(value) ||
    PUBLISHED_SECRETS.some(
      (known) => value === known || (known.length >= MIN_PUBLISHED_LENGTH && value.includes(known)),
    );
  if (published) return 'is a value published in the repository';
  if (new Set(value).size < MIN_DISTINCT_CHARACTERS) {
    return `is too easy to guess (fewer than ${MIN_DISTINCT_CHARACTERS} different characters)`;
  }
  if (new Set([...value].map(characterClass)).size < 2) {
    return 'is too easy to guess (only one kind of character)';
  }
  return undefined;
}
