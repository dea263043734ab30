/**
 * The tourism subgraph's value types that validation produces and repositories read: month
 * ranges and pages of a `near` search. Here, not in validation.ts, so that repositories (which
 * never throw user errors) import no validation, and no module of the subgraph imports in a circle.
 */

/** An inclusive month range; a missing bound is open. */
export interface MonthRange {
  from: string | null;
  to: string | null;
}

function monthIndex(value: string): number {
  return Number(value.slice(0, 4)) * 12 + Number(value.slice(5, 7)) - 1;
}

/** How many months `from`..`to` spans, both included. */
export function monthsBetween(from: string, to: string): number {
  return monthIndex(to) - monthIndex(from) + 1;
}

/** Every month from `from` to `to` inclusive, in order. */
export function monthsOf(from: string, to: string): string[] {
  const first = monthIndex(from);
  return Array.from({ length: monthsBetween(from, to) }, (_, i) => {
    const index = first + i;
    return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
  });
}

/** Tags `near` cursors so that a cursor of the slug order is refused there, and vice versa. */
export const NEAR_CURSOR_TAG = 'near';

/** A checked page of a `near` search: its size and the (distance, id) it starts after. */
export interface NearPage {
  first: number;
  after: { distance: number; id: string } | null;
}
