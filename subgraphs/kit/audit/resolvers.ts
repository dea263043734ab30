import { entityRef } from '../refs';
import { requireAdmin } from '../authz';
import type { Identity } from '../identity';
import type { Connection, PageArgs } from '../pagination';
import type { AuditRecord } from './AuditRecord';
import type { AuditFilter, AuditRepository } from './repository';
import { type AuditTrailRef, auditTrail } from './trail';
import { auditFilter } from './validation';

/** What the audit resolvers need of a subgraph's context. */
interface AuditContext {
  viewer: Identity;
  repos: { audit: AuditRepository };
}

/** The arguments of a subgraph's field on `AuditTrail`. */
interface AuditTrailArgs extends PageArgs {
  filter?: AuditFilter | null;
}

type TrailField = (
  trail: AuditTrailRef,
  args: AuditTrailArgs,
  context: AuditContext,
) => Promise<Connection<AuditRecord>>;

/**
 * The `AuditTrail` resolvers of a subgraph: the one trail entity, and the subgraph's own field on it
 * (`membership`, `content`, ...) listing its records, newest first, for admins only.
 */
export function auditTrailResolvers<Field extends string>(
  field: Field,
): { __resolveReference: () => AuditTrailRef } & Record<Field, TrailField> {
  const list: TrailField = (_trail, { filter, first, after }, { viewer, repos }) => {
    // The subgraph that owns the data decides, even when the gateway routed the call.
    requireAdmin(viewer, 'the audit trail');
    return repos.audit.list(auditFilter(filter ?? {}), { first, after });
  };
  return { __resolveReference: () => auditTrail(), ...({ [field]: list } as Record<Field, TrailField>) };
}

/**
 * The `AuditRecord` resolvers. `actor` answers a member reference that the gateway resolves in
 * the membership subgraph; the membership subgraph, where members live, overrides it.
 */
export function auditRecordResolvers() {
  return {
    actor: (record: AuditRecord) => entityRef(record.actorMemberId),
    actorRole: (record: AuditRecord) =>
      record.actorRole === 'MEMBER' || record.actorRole === 'ADMIN' ? record.actorRole : null,
  };
}
