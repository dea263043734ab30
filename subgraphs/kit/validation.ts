import { badUserInput } from './errors';

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * C0 control characters other than tab (U+0009), line feed (U+000A) and carriage return
 * (U+000D). Carriage return is allowed because browsers send a textarea's line breaks as
 * CR LF (HTML form submission normalizes them so), and refusing them would refuse every
 * multi-line text typed in a web form. The rest (NUL, bell, escape, ...) have no place in
 * text people read, and can break logs, terminals and other systems the text is passed to.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;

/** Largest reported figure: 2^53 - 1, the largest integer a double (the column type) and JSON hold exactly. */
export const MAX_FIGURE = Number.MAX_SAFE_INTEGER;

/** China Standard Time is UTC+8 all year round (no daylight saving time). */
const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;

/**
 * Refuses a text holding a control character other than tab, line feed and carriage
 * return, with BAD_USER_INPUT naming the field and the character; every free-text input of
 * every subgraph goes through here (directly or through {@link text}).
 */
export function plainText(value: string, field: string): string {
  const match = CONTROL_CHARACTER.exec(value);
  if (match) {
    const code = match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw badUserInput(
      `${field} contains the control character U+${code} at position ${match.index}: remove it (of the control characters only tab, line feed and carriage return are allowed)`,
      field,
    );
  }
  return value;
}

/** A trimmed text of `min`..`max` characters without control characters, or BAD_USER_INPUT naming the field. */
export function text(value: string, field: string, min: number, max: number): string {
  const trimmed = value.trim();
  if (trimmed.length < min || trimmed.length > max) {
    throw badUserInput(`${field} must be ${min} to ${max} characters, got ${trimmed.length}`, field);
  }
  return plainText(trimmed, field);
}

/**
 * An optional free text (a summary, a description): null stays null; otherwise no control
 * characters (anywhere, blanks around it included), trimmed, blank becomes null, and at most
 * `max` characters once trimmed, or BAD_USER_INPUT naming the field. The one rule of every
 * subgraph: content and campaigns had a rule each, counting the length before or after trimming.
 */
export function optionalText(value: string | null | undefined, field: string, max: number): string | null {
  if (value == null) return null;
  const trimmed = plainText(value, field).trim();
  if (trimmed === '') return null;
  if (trimmed.length > max)
    throw badUserInput(`${field} must be at most ${max} characters, got ${trimmed.length}`, field);
  return trimmed;
}

/** Which of `id` and `slug` a single-object query was given: exactly one, else BAD_USER_INPUT. */
export function idOrSlug(
  query: string,
  id: string | null | undefined,
  slug: string | null | undefined,
): { by: 'id' | 'slug'; value: string } {
  if (id != null && slug == null) return { by: 'id', value: id };
  if (slug != null && id == null) return { by: 'slug', value: slug };
  throw badUserInput(`${query} needs exactly one of \`id\` or \`slug\``);
}

/** Longest `search` text of a list filter. */
export const SEARCH_MAX = 100;

/** The text of a list's `search` filter: trimmed, 1 to {@link SEARCH_MAX} characters. */
export function searchText(value: string, field = 'filter.search'): string {
  const trimmed = value.trim();
  if (trimmed.length < 1 || trimmed.length > SEARCH_MAX) {
    throw badUserInput(`${field} must be 1 to ${SEARCH_MAX} characters`, field);
  }
  return trimmed;
}

/** A URL-safe handle of 3-80 characters; `example` shows a good one in the error message. */
export function slug(value: string, field: string, example: string): string {
  if (value.length < 3 || value.length > 80 || !SLUG.test(value)) {
    throw badUserInput(
      `${field} must be 3-80 lower-case letters, digits and single hyphens (like "${example}"), got ${JSON.stringify(value.slice(0, 100))}`,
      field,
    );
  }
  return value;
}

/**
 * A reported figure (a count or an amount): a number from 0 to {@link MAX_FIGURE}. The bound
 * keeps every stored value exact and every sum of them finite: a double column would take
 * 1e308, but two of them sum to Infinity (SQLite), or silently to 0 (MariaDB).
 */
export function figure(value: number, field: string): number {
  if (!Number.isFinite(value) || value < 0 || value > MAX_FIGURE) {
    throw badUserInput(
      `${field} must be a non-negative number of at most ${MAX_FIGURE} (2^53 - 1), got ${value}`,
      field,
    );
  }
  return value;
}

/** Today's date (`YYYY-MM-DD`) in Asia/Shanghai, the alliance's time zone. */
export function todayInShanghai(now: Date = new Date()): string {
  return new Date(now.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** Refuses a `YYYY-MM-DD` date after today in Asia/Shanghai: figures cannot be reported ahead of time. */
export function notInFuture(date: string, field: string, now: Date = new Date()): string {
  const today = todayInShanghai(now);
  if (date > today) {
    throw badUserInput(`${field} ${date} is in the future: report days up to today (${today}, Asia/Shanghai)`, field);
  }
  return date;
}

/** True when a `YYYY-MM` month is after the current month in Asia/Shanghai. */
export function isFutureMonth(month: string, now: Date = new Date()): boolean {
  return month > todayInShanghai(now).slice(0, 7);
}
