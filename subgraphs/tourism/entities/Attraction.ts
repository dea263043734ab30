import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { Province } from './Destination';

export const ATTRACTION_CATEGORIES = [
  'HERITAGE_SITE',
  'NATURAL_SCENERY',
  'MUSEUM',
  'PANDA_BASE',
  'SKI_RESORT',
  'HOT_SPRING',
  'ANCIENT_TOWN',
  'RELIGIOUS_SITE',
  'ETHNIC_CULTURE',
  'THEME_PARK',
  'URBAN_LANDMARK',
] as const;
export type AttractionCategory = (typeof ATTRACTION_CATEGORIES)[number];

export const ATTRACTION_LEVELS = ['AAAAA', 'AAAA', 'AAA', 'AA', 'A'] as const;

/**
 * An attraction. `province` repeats its destination's province so that the province
 * filter and the trends aggregation use an index on this table alone.
 */
@Entity({ name: 'attraction' })
@Index('ix_attraction_lat_lng', ['latitude', 'longitude'])
export class Attraction {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Index('uq_attraction_slug', { unique: true })
  @Column({ type: 'varchar', length: 80 })
  slug!: string;

  @Column({ name: 'name_en', type: 'varchar', length: 200 })
  nameEn!: string;

  @Column({ name: 'name_zh', type: 'varchar', length: 200 })
  nameZh!: string;

  @Index('ix_attraction_destination')
  @Column({ name: 'destination_id', type: 'varchar', length: 36 })
  destinationId!: string;

  @Index('ix_attraction_province')
  @Column({ type: 'varchar', length: 16 })
  province!: Province;

  @Index('ix_attraction_category')
  @Column({ type: 'varchar', length: 32 })
  category!: AttractionCategory;

  @Column({ type: 'varchar', length: 5, nullable: true })
  level!: string | null;

  @Index('ix_attraction_world_heritage')
  @Column({ name: 'world_heritage', type: 'boolean', default: false })
  worldHeritage!: boolean;

  @Index('ix_attraction_ba_shu')
  @Column({ name: 'in_ba_shu_corridor', type: 'boolean', default: false })
  inBaShuCorridor!: boolean;

  @Column({ type: 'double' })
  latitude!: number;

  @Column({ type: 'double' })
  longitude!: number;
}
