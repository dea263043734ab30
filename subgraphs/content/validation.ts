import { badUserInput } from '../kit/errors';
import { plainText, SEARCH_MAX } from '../kit/validation';
export { optionalText } from '../kit/validation';
import { CONTENT_KINDS, CONTENT_STATUSES } from './entities';
import { type PageArgs, readPageArgs } from '../kit/pagination';
import { CONTENT_ORDER, type ContentFilter } from './repositories/contents';

/** Languages content may be written in (BCP-47), canonical spelling. */
export const SUPPORTED_LANGUAGES = ['zh-CN', 'en', 'zh-TW', 'ja', 'ko', 'fr', 'de', 'es'] as const;
export const TITLE_MAX = 200;
export const SUMMARY_MAX = 1_000;
/** 16,000 characters fit MySQL's TEXT (65,535 bytes) even at 4 UTF-8 bytes a character. */
export const BODY_MAX = 16_000;
export const TAGS_MAX = 20;
export const TAG_MAX_LENGTH = 40;
export const ATTRACTIONS_MAX = 20;
const ID_MAX_LENGTH = 64;

/** The title, trimmed, 1-200 characters without control characters. */
export function title(value: string, field = 'input.title'): string {
  const trimmed = value.trim();
  if (trimmed.length < 1 || trimmed.length > TITLE_MAX) {
    throw badUserInput(`${field} must be 1 to ${TITLE_MAX} characters, got ${trimmed.length}`, field);
  }
  return plainText(trimmed, field);
}

/** A supported BCP-47 tag, matched case-insensitively and answered in its canonical spelling. */
export function language(value: string, field = 'input.language'): string {
  const found = SUPPORTED_LANGUAGES.find((l) => l.toLowerCase() === value.trim().toLowerCase());
  if (!found) {
    throw badUserInput(
      `${field} ${JSON.stringify(value.slice(0, 40))} is not a supported language: use one of ${SUPPORTED_LANGUAGES.join(', ')}`,
      field,
    );
  }
  return found;
}

/** Tags trimmed, lower-cased and de-duplicated (first occurrence kept); at most 20 of 1-40 characters. */
export function tags(values: readonly string[], field = 'input.tags'): string[] {
  if (values.length > TAGS_MAX * 5) throw badUserInput(`${field} may hold at most ${TAGS_MAX} tags`, field);
  const result: string[] = [];
  for (const value of values) {
    const tag = plainText(value, field).trim().toLowerCase();
    if (tag.length < 1 || tag.length > TAG_MAX_LENGTH) {
      throw badUserInput(
        `each of ${field} must be 1 to ${TAG_MAX_LENGTH} characters, got ${JSON.stringify(tag.slice(0, 50))}`,
        field,
      );
    }
    if (!result.includes(tag)) result.push(tag);
  }
  if (result.length > TAGS_MAX) {
    throw badUserInput(`${field} may hold at most ${TAGS_MAX} different tags, got ${result.length}`, field);
  }
  return result;
}

/** Ids, de-duplicated in order, at most `max`. */
export function ids(values: readonly string[], field: string, max = ATTRACTIONS_MAX): string[] {
  const unique = [...new Set(values)];
  if (unique.length > max) throw badUserInput(`${field} may name at most ${max} ids, got ${unique.length}`, field);
  for (const id of unique) {
    if (id.length < 1 || id.length > ID_MAX_LENGTH) throw badUserInput(`${field} holds a malformed id`, field);
  }
  return unique;
}

/**
 * The filter of the `contents` query, checked: known kind and status, a publication window that
 * is not reversed, a search text of 1 to 100 characters (trimmed).
 */
export function contentFilter(filter: ContentFilter): ContentFilter {
  if (filter.kind && !CONTENT_KINDS.includes(filter.kind)) {
    throw badUserInput(`unknown kind ${filter.kind}`, 'filter.kind');
  }
  if (filter.status && !CONTENT_STATUSES.includes(filter.status)) {
    throw badUserInput(`unknown status ${filter.status}`, 'filter.status');
  }
  if (filter.publishedAfter && filter.publishedBefore && filter.publishedAfter > filter.publishedBefore) {
    throw badUserInput('filter.publishedAfter must not be after filter.publishedBefore', 'filter.publishedAfter');
  }
  if (filter.search == null) return filter;
  const search = filter.search.trim();
  if (search.length < 1 || search.length > SEARCH_MAX) {
    // Unlike the other subgraphs' lists, this message has always told the length received.
    throw badUserInput(`filter.search must be 1 to ${SEARCH_MAX} characters, got ${search.length}`, 'filter.search');
  }
  return { ...filter, search };
}

/**
 * The page arguments of a per-parent content list (`Member.contents`, ...), checked before
 * batching so that a bad `first` or cursor is the asking field's error alone.
 */
export function contentPage(args: PageArgs): PageArgs {
  readPageArgs(args, CONTENT_ORDER.length);
  return { first: args.first ?? null, after: args.after ?? null };
}

/** A content subscription's filter, checked and normalized: each condition, or null when not given. */
export interface ContentEventConditions {
  authorId: string | null;
  /** Lower-cased, as content tags are stored. */
  tag: string | null;
  /** In its canonical spelling. */
  language: string | null;
  attractionId: string | null;
  campaignId: string | null;
}

/**
 * The filter of `contentPublished`, checked when the subscription starts: a supported language,
 * a tag as tags are written (trimmed, lower-cased, 1-40 characters), well-formed ids.
 */
export function contentEventFilter(filter: {
  authorId?: string | null;
  tag?: string | null;
  language?: string | null;
  attractionId?: string | null;
  campaignId?: string | null;
}): ContentEventConditions {
  const id = (value: string | null | undefined, field: string) =>
    value == null ? null : ids([value], `filter.${field}`, 1)[0]!;
  return {
    authorId: id(filter.authorId, 'authorId'),
    tag: filter.tag == null ? null : tags([filter.tag], 'filter.tag')[0]!,
    language: filter.language == null ? null : language(filter.language, 'filter.language'),
    attractionId: id(filter.attractionId, 'attractionId'),
    campaignId: id(filter.campaignId, 'campaignId'),
  };
}
