import { plainText, searchText, slug as validSlug, text } from '../kit/validation';
export { text };
import { badUserInput } from '../kit/errors';
import { MEMBER_KINDS, MEMBER_REGIONS, MEMBER_STATUSES } from './entities';
import type { MemberFilter } from './repositories/members';
import type { EventType } from '../kit/events/catalogue';
import type { WebhookFilterValues } from './entities';
import type { WebhookEvent, WebhookFilterInput } from './generated/resolvers-types';
import { catalogueTypes } from './webhooks/events';
import { UnsafeUrlError, type UrlGuard } from './webhooks/ssrf';

// Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is the member's concern.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A slug for this subgraph's objects, or BAD_USER_INPUT naming the field. */
export function slug(value: string, field = 'input.slug'): string {
  return validSlug(value, field, 'leshan-daily');
}

export function email(value: string | null | undefined, field = 'input.contactEmail'): string | null {
  if (value == null) return null;
  const trimmed = plainText(value, field).trim();
  if (trimmed.length > 254 || !EMAIL.test(trimmed)) {
    throw badUserInput(`${field} must be an e-mail address like desk@example.com`, field);
  }
  return trimmed;
}

export function website(value: string | null | undefined, field = 'input.website'): string | null {
  if (value == null) return null;
  // The URL parser would quietly percent-encode control characters; they are refused instead.
  plainText(value, field);
  let url: URL | undefined;
  try {
    url = new URL(value.trim());
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || value.length > 300) {
    throw badUserInput(`${field} must be an absolute http(s) URL of at most 300 characters`, field);
  }
  return url.toString();
}

export function region(value: string, field = 'input.region'): string {
  if (!(MEMBER_REGIONS as readonly string[]).includes(value)) {
    throw badUserInput(`${field} must be one of ${MEMBER_REGIONS.join(', ')}`, field);
  }
  return value;
}

/** The filter of the `members` query, checked: known kind, status and region; the search text trimmed. */
export function memberFilter(filter: MemberFilter): MemberFilter {
  if (filter.kind && !MEMBER_KINDS.includes(filter.kind)) {
    throw badUserInput(`unknown member kind ${filter.kind}`, 'filter.kind');
  }
  if (filter.status && !MEMBER_STATUSES.includes(filter.status)) {
    throw badUserInput(`unknown member status ${filter.status}`, 'filter.status');
  }
  if (filter.region != null) region(filter.region, 'filter.region');
  return filter.search == null ? filter : { ...filter, search: searchText(filter.search) };
}

/** Ids in a webhook filter: what the graph's ids look like (UUIDs and slugs), at most 80 characters. */
function filterId(value: string, field: string): string {
  const trimmed = plainText(value, field).trim();
  if (trimmed === '' || trimmed.length > 80) throw badUserInput(`${field} must be an id of 1-80 characters`, field);
  return trimmed;
}

/** The conditions of `registerWebhook`'s filter, as stored; null when none is given. */
export function webhookFilter(filter: WebhookFilterInput | null | undefined): WebhookFilterValues | null {
  if (!filter) return null;
  const values: WebhookFilterValues = {};
  for (const field of ['authorId', 'campaignId', 'memberId', 'attractionId'] as const) {
    const value = filter[field];
    if (value != null) values[field] = filterId(value, `input.filter.${field}`);
  }
  if (filter.tag != null) values.tag = text(filter.tag, 'input.filter.tag', 1, 50);
  if (filter.language != null) {
    const language = text(filter.language, 'input.filter.language', 2, 35);
    if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(language)) {
      throw badUserInput('input.filter.language must be a BCP 47 language tag, e.g. zh-CN', 'input.filter.language');
    }
    values.language = language;
  }
  return Object.keys(values).length > 0 ? values : null;
}

/** The event kinds of `registerWebhook`: at least one, as the catalogue types they stand for, each once. */
export function webhookEvents(events: readonly WebhookEvent[]): EventType[] {
  if (events.length === 0) {
    throw badUserInput('input.events must name at least one event type, e.g. [CONTENT_PUBLISHED]', 'input.events');
  }
  return [...new Set(events.flatMap(catalogueTypes))];
}

/** A webhook URL: at most 2000 characters, then the SSRF rules (`webhooks/ssrf.ts`), DNS included. */
export async function webhookUrl(value: string, guard: UrlGuard, field = 'input.url'): Promise<string> {
  plainText(value, field);
  if (value.length > 2000) throw badUserInput(`${field} must be at most 2000 characters`, field);
  try {
    return (await guard.vet(value.trim())).url.toString();
  } catch (error) {
    if (error instanceof UnsafeUrlError) throw badUserInput(`${field}: ${error.message}`, field);
    throw error;
  }
}
