import { plainText, searchText, slug as validSlug } from '../kit/validation';
export { text } from '../kit/validation';
import { badUserInput } from '../kit/errors';
import { MEMBER_KINDS, MEMBER_REGIONS, MEMBER_STATUSES } from './entities';
import type { MemberFilter } from './repositories/members';

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
