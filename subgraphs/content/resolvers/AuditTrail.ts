import { auditTrail } from '../../kit/audit/trail';
import { requireAdmin } from '../../kit/authz';
import type { AuditRecordResolvers, AuditTrailResolvers } from '../generated/resolvers-types';

export const AuditTrail: AuditTrailResolvers = {
  __resolveReference: () => auditTrail(),
  content: (_trail, { filter, first, after }, { viewer, repos }) => {
    // The subgraph that owns the data decides, even when the gateway routed the call.
    requireAdmin(viewer, 'the audit trail');
    return repos.audit.list(filter ?? {}, { first, after });
  },
};

export const AuditRecord: AuditRecordResolvers = {
  // The membership subgraph resolves the member through the gateway.
  actor: (record) => (record.actorMemberId ? { id: record.actorMemberId } : null),
  actorRole: (record) => (record.actorRole === 'MEMBER' || record.actorRole === 'ADMIN' ? record.actorRole : null),
};
