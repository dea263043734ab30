import type { GraphQLError } from 'graphql';
import { requireAdmin } from '../../kit/authz';
import { badUserInput, conflict } from '../../kit/errors';
import { VisitorStat } from '../entities';
import type { MutationResolvers, VisitorStatInput } from '../generated/resolvers-types';
import * as valid from '../validation';

/** Largest batch `recordVisitorStats` takes. */
export const MAX_STAT_ROWS = 10_000;

const FIGURES = ['domesticVisitors', 'inboundVisitors', 'revenueCny'] as const;

/** A refusal that names the offending row, so that a client can fix that row and resend. */
function badRow(index: number, problem: string, field: string) {
  return badUserInput(`row ${index} (input[${index}]): ${problem}; nothing was written`, `input[${index}].${field}`);
}

/** The first row that fails the checks needing no database, as the error to answer; null when all pass. */
function firstInvalidRow(input: readonly VisitorStatInput[]): { index: number; error: GraphQLError } | null {
  const seen = new Map<string, number>();
  for (const [index, row] of input.entries()) {
    if (!valid.isMonth(row.month)) {
      return {
        index,
        error: badRow(
          index,
          `month must be written YYYY-MM (e.g. 2025-07), got ${JSON.stringify(row.month.slice(0, 20))}`,
          'month',
        ),
      };
    }
    if (valid.isFutureMonth(row.month)) {
      const current = valid.todayInShanghai().slice(0, 7);
      return {
        index,
        error: badRow(
          index,
          `month ${row.month} is in the future: record months up to ${current} (Asia/Shanghai)`,
          'month',
        ),
      };
    }
    for (const figure of FIGURES) {
      if (!valid.isFigure(row[figure])) {
        return {
          index,
          error: badRow(
            index,
            `${figure} must be a non-negative number of at most ${valid.MAX_FIGURE} (2^53 - 1), got ${row[figure]}`,
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
        error: badRow(
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

export const Mutation: MutationResolvers = {
  upsertAttraction: (_parent, { input }, { viewer, repos, mutate }) =>
    mutate(
      { operation: 'upsertAttraction', targetType: 'Attraction', detail: `slug ${input.slug.slice(0, 80)}` },
      async (manager) => {
        requireAdmin(viewer, 'upsertAttraction');
        const slug = valid.slug(input.slug);
        const destination = await repos.destinations.findById(manager, input.destinationId);
        if (!destination) {
          throw badUserInput(
            `input.destinationId ${input.destinationId.slice(0, 40)} is not a destination: pick one from \`destinations\``,
            'input.destinationId',
          );
        }
        const attraction = await repos.attractions.upsertBySlug(manager, {
          slug,
          nameEn: valid.text(input.name, 'input.name', 1, 200),
          nameZh: valid.text(input.localName, 'input.localName', 1, 200),
          destinationId: destination.id,
          province: destination.province,
          category: input.category,
          level: valid.level(input.level),
          worldHeritage: input.worldHeritage ?? false,
          inBaShuCorridor: input.inBaShuCorridor ?? false,
          latitude: valid.latitude(input.location.latitude, 'input.location.latitude'),
          longitude: valid.longitude(input.location.longitude, 'input.location.longitude'),
        });
        if (!attraction) throw conflict(`attraction "${slug}" was created concurrently: retry`);
        return attraction;
      },
      (attraction) => attraction.id,
    ),

  recordVisitorStats: (_parent, { input }, { viewer, repos, mutate }) =>
    mutate(
      { operation: 'recordVisitorStats', targetType: 'VisitorStat', detail: `${input.length} rows` },
      async (manager) => {
        requireAdmin(viewer, 'recordVisitorStats');
        if (input.length < 1 || input.length > MAX_STAT_ROWS) {
          throw badUserInput(
            `input must hold 1 to ${MAX_STAT_ROWS} rows, got ${input.length}: split larger batches`,
            'input',
          );
        }
        // Every row is checked before anything is written, and the lowest offending index is named.
        const invalid = firstInvalidRow(input);
        const checked = invalid ? input.slice(0, invalid.index) : input;
        const known = await repos.attractions.existingIds(manager, [...new Set(checked.map((r) => r.attractionId))]);
        const unknown = checked.findIndex((row) => !known.has(row.attractionId));
        if (unknown >= 0) {
          throw badRow(
            unknown,
            `attractionId ${input[unknown]!.attractionId.slice(0, 40)} is not an attraction`,
            'attractionId',
          );
        }
        if (invalid) throw invalid.error;
        return repos.visitorStats.record(
          manager,
          input.map((row) =>
            Object.assign(new VisitorStat(), {
              attractionId: row.attractionId,
              month: row.month,
              domesticVisitors: row.domesticVisitors,
              inboundVisitors: row.inboundVisitors,
              revenueCny: row.revenueCny,
            }),
          ),
        );
      },
    ),
};
