import { requireAdmin } from '../../kit/authz';
import { badUserInput, conflict } from '../../kit/errors';
import { VisitorStat } from '../entities';
import type { MutationResolvers } from '../generated/resolvers-types';
import * as valid from '../validation';

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
        valid.statRowCount(input.length);
        // Every row is checked before anything is written, and the lowest offending index is named.
        const invalid = valid.firstInvalidStatRow(input);
        const checked = invalid ? input.slice(0, invalid.index) : input;
        const known = await repos.attractions.existingIds(manager, [...new Set(checked.map((r) => r.attractionId))]);
        const unknown = checked.findIndex((row) => !known.has(row.attractionId));
        if (unknown >= 0) {
          throw valid.badStatRow(
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
