import type { DataSource } from 'typeorm';
import { type Connection, type PageArgs, paginate } from '../pagination';
import { AuditRecord, type AuditOutcome } from './AuditRecord';

/** Filter of an audit trail query. */
export interface AuditFilter {
  actorMemberId?: string | null;
  operation?: string | null;
  outcome?: AuditOutcome | null;
  targetId?: string | null;
  from?: Date | null;
  to?: Date | null;
}

/** Reads a subgraph's audit trail, newest first. The filter comes checked (./validation.ts). */
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  list(filter: AuditFilter, page: PageArgs): Promise<Connection<AuditRecord>> {
    const query = this.dataSource.getRepository(AuditRecord).createQueryBuilder('a');
    if (filter.actorMemberId) query.andWhere('a.actor_member_id = :actor', { actor: filter.actorMemberId });
    if (filter.operation) query.andWhere('a.operation = :operation', { operation: filter.operation });
    if (filter.outcome) query.andWhere('a.outcome = :outcome', { outcome: filter.outcome });
    if (filter.targetId) query.andWhere('a.target_id = :target', { target: filter.targetId });
    if (filter.from) query.andWhere('a.at >= :from', { from: filter.from });
    if (filter.to) query.andWhere('a.at <= :to', { to: filter.to });
    return paginate(query, page, [
      // Cursor values must survive JSON: the instant travels as ISO text and returns as a Date.
      { column: 'a.at', direction: 'DESC', value: (r) => r.at.toISOString(), param: (v) => new Date(String(v)) },
      { column: 'a.id', direction: 'DESC', value: (r) => r.id },
    ]);
  }
}
