import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const PROVINCES = ['SICHUAN', 'CHONGQING'] as const;
export type Province = (typeof PROVINCES)[number];

/** A city, district or prefecture holding attractions. Column types are explicit: tsx emits no decorator metadata. */
@Entity({ name: 'destination' })
export class Destination {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Index('uq_destination_slug', { unique: true })
  @Column({ type: 'varchar', length: 80 })
  slug!: string;

  @Column({ name: 'name_en', type: 'varchar', length: 200 })
  nameEn!: string;

  @Column({ name: 'name_zh', type: 'varchar', length: 200 })
  nameZh!: string;

  @Index('ix_destination_province')
  @Column({ type: 'varchar', length: 16 })
  province!: Province;

  @Column({ type: 'double' })
  latitude!: number;

  @Column({ type: 'double' })
  longitude!: number;
}
