import { auditRecordResolvers, auditTrailResolvers } from '../../kit/audit/resolvers';
import type { AuditRecordResolvers, AuditTrailResolvers } from '../generated/resolvers-types';

export const AuditTrail: AuditTrailResolvers = auditTrailResolvers('membership');

export const AuditRecord: AuditRecordResolvers = {
  ...auditRecordResolvers(),
  // Members live here: the actor comes from this subgraph's loader, not as a reference.
  actor: (record, _args, { loaders }) => (record.actorMemberId ? loaders.memberById.load(record.actorMemberId) : null),
};
