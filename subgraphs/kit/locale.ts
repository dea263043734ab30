import Negotiator from 'negotiator';

/** Languages the graph answers in; the first is the default. */
export const SUPPORTED_LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];

/**
 * Picks the best supported locale for an `Accept-Language` header (RFC 4647 lookup
 * with q-values, via `negotiator`). Any Chinese tag (`zh`, `zh-Hans`, `zh-TW`) maps to
 * `zh-CN`, the only Chinese text we hold; anything else falls back to English.
 */
export function negotiateLocale(acceptLanguage: string | undefined | null): Locale {
  if (!acceptLanguage) return 'en';
  const normalized = acceptLanguage.replace(/\bzh(-[A-Za-z]+)*/gi, 'zh-CN');
  const best = new Negotiator({ headers: { 'accept-language': normalized } }).language([...SUPPORTED_LOCALES]);
  return best === 'zh-CN' ? 'zh-CN' : 'en';
}

/** Chooses between an English and a Chinese text for the request's locale. */
export function localized(locale: Locale, en: string, zh: string): string {
  return locale === 'zh-CN' ? zh : en;
}
