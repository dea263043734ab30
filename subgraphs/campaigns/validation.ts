import { slug as validSlug } from '../kit/validation';
export { figure, notInFuture, optionalText, text } from '../kit/validation';
import { badUserInput } from '../kit/errors';
import type { CampaignStatus } from './entities';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Forward moves only; everything else is refused with this table in the message. */
export const ALLOWED_TRANSITIONS: Readonly<Record<CampaignStatus, readonly CampaignStatus[]>> = {
  PLANNED: ['ACTIVE', 'CANCELLED'],
  ACTIVE: ['COMPLETED', 'CANCELLED'],
  COMPLETED: [],
  CANCELLED: [],
};

/** The allowed transitions as clients read them in error messages. */
export const TRANSITIONS_TEXT = 'PLANNED → ACTIVE, ACTIVE → COMPLETED, PLANNED → CANCELLED, ACTIVE → CANCELLED';

/** A slug for this subgraph's objects, or BAD_USER_INPUT naming the field. */
export function slug(value: string, field = 'input.slug'): string {
  return validSlug(value, field, 'panda-summer-2025');
}

/**
 * An id of another subgraph's entity. Its existence cannot be checked here (that
 * subgraph owns the table), so at least its shape is: every id in the graph is a UUID.
 */
export function foreignId(value: string, field: string): string {
  if (!UUID.test(value)) throw badUserInput(`${field} must be an id (a UUID), got "${value.slice(0, 60)}"`, field);
  return value.toLowerCase();
}

/** Featured attraction ids: UUIDs, without repeats, at most 30. */
export function destinationIds(values: readonly string[], field = 'input.destinationIds'): string[] {
  if (values.length > 30) throw badUserInput(`${field} may name at most 30 attractions, got ${values.length}`, field);
  const ids = values.map((v) => foreignId(v, field));
  if (new Set(ids).size !== ids.length) throw badUserInput(`${field} names an attraction twice`, field);
  return ids;
}

/** A `from`..`to` day range of daily metrics: `from` not after `to` (either may be open). */
export function dayRange(from: string | null | undefined, to: string | null | undefined) {
  if (from && to && from > to) throw badUserInput(`from (${from}) must not be after to (${to})`, 'from');
  return { from: from ?? null, to: to ?? null };
}

/** How many top participants to list: 0 to 100, `fallback` when not given. */
export function topCount(first: number | null | undefined, fallback: number): number {
  const limit = first ?? fallback;
  if (!Number.isInteger(limit) || limit < 0 || limit > 100) {
    throw badUserInput(`\`first\` must be between 0 and 100, got ${limit}`, 'first');
  }
  return limit;
}

/** Members join and leave only PLANNED or ACTIVE campaigns. */
export function openToMembers(status: CampaignStatus, verb: 'join' | 'leave'): void {
  if (status !== 'PLANNED' && status !== 'ACTIVE') {
    throw badUserInput(`campaign is ${status}: members ${verb} only PLANNED or ACTIVE campaigns`, 'campaignId');
  }
}

/** The campaign period rule: `endsOn` not before `startsOn`. */
export function period(startsOn: string, endsOn: string): void {
  if (endsOn < startsOn) {
    throw badUserInput(`endsOn (${endsOn}) must not be before startsOn (${startsOn})`, 'input.endsOn');
  }
}
