import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A member's monthly operation budget (`setMemberQuota`); no row, no budget. */
@Entity({ name: 'member_quota' })
export class MemberQuota {
  @PrimaryColumn({ name: 'member_id', type: 'varchar', length: 64 })
  memberId!: string;

  @Column({ name: 'monthly_operations', type: 'integer' })
  monthlyOperations!: number;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
