/**
 * Synthetic monthly visitor statistics for the seeded attractions. SAMPLE DATA: the
 * figures are plausible, not official. They are deterministic (a PRNG seeded from each
 * attraction's slug, never Math.random) so every seed writes the same numbers, and they
 * follow the shape of Sichuan and Chongqing tourism: winter peaks at ski resorts and hot
 * springs; summer holidays, the Spring Festival, May Day and the October Golden Week
 * elsewhere; a higher inbound share at famous World Heritage sites and the panda bases.
 */
import type { Attraction, AttractionLevel } from './seed-data';
import { hashSeed, seededRandom } from '../kit/random';

/** The months seeded for every attraction: 2024-01 .. 2025-12. */
export const SAMPLE_MONTHS: readonly string[] = [2024, 2025].flatMap((year) =>
  Array.from({ length: 12 }, (_, m) => `${year}-${String(m + 1).padStart(2, '0')}`),
);

/** One generated row, keyed by slug; the seed turns slugs into ids. */
export interface SampleStat {
  slug: string;
  month: string;
  domesticVisitors: number;
  inboundVisitors: number;
  revenueCny: number;
}

/** Relative weight of each month (January first); each profile averages about 1. */
const WINTER = [1.9, 1.8, 1.1, 0.6, 0.45, 0.45, 0.6, 0.65, 0.5, 0.65, 0.9, 1.7];
const HOT_SPRING = [1.6, 1.6, 1.1, 0.8, 0.7, 0.55, 0.55, 0.6, 0.7, 0.95, 1.25, 1.6];
const HOLIDAY = [0.7, 1.05, 0.8, 0.9, 1.15, 0.95, 1.35, 1.45, 0.9, 1.3, 0.8, 0.65];
/** High mountains and plateaus: closed-in winters, summer and autumn colours. */
const HIGHLAND = [0.35, 0.55, 0.6, 0.85, 1.1, 1.2, 1.6, 1.7, 1.35, 1.5, 0.7, 0.4];

const HIGHLAND_SLUGS = new Set([
  'jiuzhaigou-valley',
  'huanglong',
  'siguniang-mountain',
  'ruoergai-flower-lake',
  'daocheng-yading',
  'hailuogou-glacier',
  'paoma-mountain',
  'jiaju-tibetan-village',
  'lugu-lake',
]);

const ANNUAL_BY_LEVEL: Record<AttractionLevel | 'none', [number, number]> = {
  AAAAA: [2_500_000, 7_000_000],
  AAAA: [700_000, 2_500_000],
  AAA: [300_000, 900_000],
  AA: [100_000, 300_000],
  A: [50_000, 150_000],
  none: [400_000, 1_500_000],
};

function profileOf(attraction: Attraction): readonly number[] {
  if (attraction.category === 'SKI_RESORT') return WINTER;
  if (attraction.category === 'HOT_SPRING') return HOT_SPRING;
  if (HIGHLAND_SLUGS.has(attraction.slug)) return HIGHLAND;
  return HOLIDAY;
}

/** 24 months of sample figures for one attraction; whole numbers, so sums are exact. */
export function sampleStatsFor(attraction: Attraction): SampleStat[] {
  const random = seededRandom(hashSeed(attraction.slug));
  const [low, high] = ANNUAL_BY_LEVEL[attraction.level ?? 'none'];
  const annual = low + (high - low) * random();
  const famous = attraction.worldHeritage && attraction.level === 'AAAAA';
  const inboundShare =
    attraction.category === 'PANDA_BASE'
      ? 0.07 + 0.03 * random()
      : famous
        ? 0.04 + 0.04 * random()
        : attraction.worldHeritage
          ? 0.02 + 0.02 * random()
          : 0.004 + 0.012 * random();
  const spendPerVisitor = 60 + 140 * random();
  // Inbound travel recovered faster than domestic after 2023: 2025 grows more for inbound.
  const growth = { domestic: 1.04 + 0.06 * random(), inbound: 1.15 + 0.2 * random() };
  const profile = profileOf(attraction);
  return SAMPLE_MONTHS.map((month, i) => {
    const second = i >= 12;
    const noise = 0.92 + 0.16 * random();
    const base = (annual / 12) * profile[i % 12]! * noise;
    const domesticVisitors = Math.round(base * (1 - inboundShare) * (second ? growth.domestic : 1));
    const inboundVisitors = Math.round(base * inboundShare * (second ? growth.inbound : 1));
    const revenueCny = Math.round(domesticVisitors * spendPerVisitor + inboundVisitors * spendPerVisitor * 1.6);
    return { slug: attraction.slug, month, domesticVisitors, inboundVisitors, revenueCny };
  });
}
