import type { DataSource } from 'typeorm';
import { stableId } from '../kit/ids';
import type { SeedOptions } from '../kit/run';
import { Attraction, Destination, VisitorStat } from './entities';
import { sampleStatsFor } from './sample-stats';
import { ATTRACTIONS, DESTINATIONS } from './seed-data';

/** Rows per upsert statement. */
const CHUNK = 200;

/** True before the first seed: no destinations yet. */
export async function isEmpty(dataSource: DataSource): Promise<boolean> {
  return (await dataSource.getRepository(Destination).count()) === 0;
}

/**
 * Writes the real destinations and attractions and 24 months of synthetic visitor
 * statistics (sample data) per attraction, in one transaction. Idempotent: rows are
 * upserted by primary key, so a second run changes nothing and duplicates nothing.
 */
export async function seed(dataSource: DataSource, _options: SeedOptions): Promise<string> {
  const provinceOf = new Map(DESTINATIONS.map((d) => [d.slug, d.province]));
  const stats = ATTRACTIONS.flatMap(sampleStatsFor).map((s) => ({
    attractionId: stableId('attraction', s.slug),
    month: s.month,
    domesticVisitors: s.domesticVisitors,
    inboundVisitors: s.inboundVisitors,
    revenueCny: s.revenueCny,
  }));
  await dataSource.transaction(async (manager) => {
    await manager.getRepository(Destination).upsert(
      DESTINATIONS.map((d) => ({ id: stableId('destination', d.slug), ...d })),
      ['id'],
    );
    await manager.getRepository(Attraction).upsert(
      ATTRACTIONS.map(({ destination, ...a }) => {
        const province = provinceOf.get(destination);
        if (!province) throw new Error(`seed attraction ${a.slug} names unknown destination ${destination}`);
        return {
          id: stableId('attraction', a.slug),
          destinationId: stableId('destination', destination),
          province,
          ...a,
        };
      }),
      ['id'],
    );
    for (let i = 0; i < stats.length; i += CHUNK) {
      await manager.getRepository(VisitorStat).upsert(stats.slice(i, i + CHUNK), ['attractionId', 'month']);
    }
  });
  return `${DESTINATIONS.length} destinations, ${ATTRACTIONS.length} attractions, ${stats.length} monthly visitor statistics (sample data)`;
}
