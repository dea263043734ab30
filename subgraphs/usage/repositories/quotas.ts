import { type DataSource, type EntityManager, In } from 'typeorm';
import { MemberQuota, UsageRow } from '../entities';

/** A member's budget and its use, as `Member.quota` answers it. */
export interface QuotaStatus {
  monthlyOperations: number;
  usedThisMonth: number;
  resetsAt: Date;
}

/** The first instant of the UTC month containing `now`, and of the next one. */
export function monthOf(now: Date): { start: Date; next: Date } {
  return {
    start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)),
    next: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)),
  };
}

/** Members' monthly budgets and what counts against them. */
export class QuotaRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Every budget (one row per member that has one: tens at most). */
  async all(): Promise<MemberQuota[]> {
    return this.dataSource.getRepository(MemberQuota).find();
  }

  /** The budgets of these members (members without one are absent): one statement. */
  async findMany(memberIds: readonly string[]): Promise<MemberQuota[]> {
    return this.dataSource.getRepository(MemberQuota).findBy({ memberId: In([...memberIds]) });
  }

  /**
   * Operations of these members since `since` (a day boundary) that were answered, refusals not
   * counted: day rows and the finer rows not yet rolled into days, each operation once. One
   * statement, summed in the database; members without any are absent.
   */
  async usedSince(memberIds: readonly string[], since: Date): Promise<Map<string, number>> {
    const rows = await this.dataSource
      .getRepository(UsageRow)
      .createQueryBuilder('r')
      .select('r.memberId', 'member_id')
      .addSelect('SUM(r.operations)', 'operations')
      .where('r.memberId IN (:...memberIds)', { memberIds })
      .andWhere('r.bucketStart >= :since', { since })
      .andWhere("r.outcome <> 'rejected'")
      .andWhere("(r.granularity = 'DAY' OR (r.granularity IN ('HOUR', 'MINUTE') AND r.rolled = 0))")
      .groupBy('r.memberId')
      .getRawMany<{ member_id: string; operations: number | string }>();
    return new Map(rows.map((row) => [row.member_id, Number(row.operations)]));
  }

  /** Sets (or with null removes) a member's budget, in the mutation's transaction. */
  async set(
    manager: EntityManager,
    memberId: string,
    monthlyOperations: number | null,
    now = new Date(),
  ): Promise<void> {
    if (monthlyOperations === null) {
      await manager.delete(MemberQuota, { memberId });
      return;
    }
    await manager.upsert(MemberQuota, { memberId, monthlyOperations, updatedAt: now }, ['memberId']);
  }
}
