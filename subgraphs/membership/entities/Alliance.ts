import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The alliance itself: a single row (id 1). */
@Entity({ name: 'alliance' })
export class Alliance {
  @PrimaryColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'name_en', type: 'varchar', length: 200 })
  nameEn!: string;

  @Column({ name: 'name_zh', type: 'varchar', length: 200 })
  nameZh!: string;

  @Column({ name: 'founded_on', type: 'date' })
  foundedOn!: string;

  @Column({ name: 'mission_en', type: 'text' })
  missionEn!: string;

  @Column({ name: 'mission_zh', type: 'text' })
  missionZh!: string;
}
