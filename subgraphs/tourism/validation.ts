import { type PageArgs, readPageArgs } from '../kit/pagination';
import { isFutureMonth, MAX_FIGURE, searchText, slug as validSlug, todayInShanghai } from '../kit/validation';
export { isFutureMonth, MAX_FIGURE, text, todayInShanghai } from '../kit/validation';
import type { GraphQLError } from 'graphql';
import { badUserInput } from '../kit/errors';
import { ATTRACTION_LEVELS } from './entities';
import { type MonthRange, monthsBetween, NEAR_CURSOR_TAG, type NearPage } from './model';
import type { VisitorStatInput } from './generated/resolvers-types';
import type { AttractionFilter } from './repositories/attractions';

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** Longest month range a query may ask for: 10 years. */
export const MAX_RANGE_MONTHS = 120;
/** Smallest and largest `near` radius, in kilometres. */
export const MIN_RADIUS_KM = 1;
export const MAX_RADIUS_KM = 500;

/** A slug for this subgraph's objects, or BAD_USER_INPUT naming the field. */
export function slug(value: string, field = 'input.slug'): string {
  return validSlug(value, field, 'leshan-giant-buddha');
}

/** True for a `YYYY-MM` month from 1900-01 on. */
export function isMonth(value: string): boolean {
  const match = MONTH.exec(value);
  return match !== null && Number(match[1]) >= 1900;
}

/** A `YYYY-MM` month, or BAD_USER_INPUT naming the field. */
export function month(value: string, field: string): string {
  if (!isMonth(value)) {
    throw badUserInput(`${field} must be a month written YYYY-MM (e.g. 2025-07), got "${value.slice(0, 20)}"`, field);
  }
  return value;
}

/**
 * Validates a month range: each bound `YYYY-MM`, `from` not after `to`, and at most
 * {@link MAX_RANGE_MONTHS} months when both are given.
 */
export function monthRange(from: string | null | undefined, to: string | null | undefined): MonthRange {
  const range: MonthRange = {
    from: from == null ? null : month(from, 'from'),
    to: to == null ? null : month(to, 'to'),
  };
  if (range.from !== null && range.to !== null) {
    if (range.from > range.to) throw badUserInput(`from (${range.from}) must not be after to (${range.to})`, 'from');
    const span = monthsBetween(range.from, range.to);
    if (span > MAX_RANGE_MONTHS) {
      throw badUserInput(
        `the range ${range.from}..${range.to} spans ${span} months: ask for at most ${MAX_RANGE_MONTHS} (10 years) at a time`,
        'to',
      );
    }
  }
  return range;
}

export function latitude(value: number, field: string): number {
  if (!Number.isFinite(value) || value < -90 || value > 90) {
    throw badUserInput(`${field} must be a latitude between -90 and 90 degrees, got ${value}`, field);
  }
  return value;
}

export function longitude(value: number, field: string): number {
  if (!Number.isFinite(value) || value < -180 || value > 180) {
    throw badUserInput(`${field} must be a longitude between -180 and 180 degrees, got ${value}`, field);
  }
  return value;
}

export function radiusKm(value: number, field = 'filter.near.radiusKm'): number {
  if (!Number.isFinite(value) || value < MIN_RADIUS_KM || value > MAX_RADIUS_KM) {
    throw badUserInput(
      `${field} must be between ${MIN_RADIUS_KM} and ${MAX_RADIUS_KM} kilometres, got ${value}`,
      field,
    );
  }
  return value;
}

export function level(value: string | null | undefined, field = 'input.level'): string | null {
  if (value == null) return null;
  if (!(ATTRACTION_LEVELS as readonly string[]).includes(value)) {
    throw badUserInput(
      `${field} must be one of ${ATTRACTION_LEVELS.join(', ')} or null, got "${value.slice(0, 20)}"`,
      field,
    );
  }
  return value;
}

/** A finite figure from 0 to {@link MAX_FIGURE}: exact in the double column, and finite when summed. */
export function isFigure(value: number): boolean {
  return Number.isFinite(value) && value >= 0 && value <= MAX_FIGURE;
}

/**
 * The filter of the `attractions` query, checked: a `near` point on the globe with a radius of
 * {@link MIN_RADIUS_KM} to {@link MAX_RADIUS_KM} km, a search text of 1 to 100 characters (trimmed).
 */
export function attractionFilter(filter: AttractionFilter): AttractionFilter {
  const near = filter.near;
  return {
    ...filter,
    near: near
      ? {
          latitude: latitude(near.latitude, 'filter.near.latitude'),
          longitude: longitude(near.longitude, 'filter.near.longitude'),
          radiusKm: radiusKm(near.radiusKm),
        }
      : null,
    ...(filter.search != null ? { search: searchText(filter.search) } : {}),
  };
}

/** The page arguments of a `near` search: `first` as everywhere, `after` a cursor of a `near` search. */
export function nearPage(args: PageArgs): NearPage {
  const page = readPageArgs(args, 3);
  if (!page.after) return { first: page.first, after: null };
  const [tag, distance, id] = page.after;
  if (tag !== NEAR_CURSOR_TAG || typeof distance !== 'number' || typeof id !== 'string') {
    throw badUserInput(
      '`after` is not a cursor from a `near` search: pass an endCursor or edge cursor of the same query',
      'after',
    );
  }
  return { first: page.first, after: { distance, id } };
}

/** Largest batch `recordVisitorStats` takes. */
export const MAX_STAT_ROWS = 10_000;

const FIGURES = ['domesticVisitors', 'inboundVisitors', 'revenueCny'] as const;

/** A refusal that names the offending row, so that a client can fix that row and resend. */
export function badStatRow(index: number, problem: string, field: string) {
  return badUserInput(`row ${index} (input[${index}]): ${problem}; nothing was written`, `input[${index}].${field}`);
}

/** `recordVisitorStats` takes 1 to {@link MAX_STAT_ROWS} rows. */
export function statRowCount(count: number): void {
  if (count < 1 || count > MAX_STAT_ROWS) {
    throw badUserInput(`input must hold 1 to ${MAX_STAT_ROWS} rows, got ${count}: split larger batches`, 'input');
  }
}

/** The first row that fails the checks needing no database, as the error to answer; null when all pass. */
export function firstInvalidStatRow(input: readonly VisitorStatInput[]): { index: number; error: GraphQLError } | null {
  const seen = new Map<string, number>();
  for (const [index, row] of input.entries()) {
    if (!isMonth(row.month)) {
      return {
        index,
        error: badStatRow(
          index,
          `month must be written YYYY-MM (e.g. 2025-07), got ${JSON.stringify(row.month.slice(0, 20))}`,
          'month',
        ),
      };
    }
    if (isFutureMonth(row.month)) {
      const current = todayInShanghai().slice(0, 7);
      return {
        index,
        error: badStatRow(
          index,
          `month ${row.month} is in the future: record months up to ${current} (Asia/Shanghai)`,
          'month',
        ),
      };
    }
    for (const figure of FIGURES) {
      if (!isFigure(row[figure])) {
        return {
          index,
          error: badStatRow(
            index,
            `${figure} must be a non-negative number of at most ${MAX_FIGURE} (2^53 - 1), got ${row[figure]}`,
            figure,
          ),
        };
      }
    }
    const key = `${row.attractionId}|${row.month}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      return {
        index,
        error: badStatRow(
          index,
          `attraction ${row.attractionId.slice(0, 40)} has month ${row.month} already in row ${earlier}`,
          'month',
        ),
      };
    }
    seen.set(key, index);
  }
  return null;
}
