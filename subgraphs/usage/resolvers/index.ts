import { auditRecordResolvers, auditTrailResolvers } from '../../kit/audit/resolvers';
import type { Resolvers } from '../generated/resolvers-types';
import { Member } from './Member';
import { Mutation } from './Mutation';
import { Query } from './Query';

/** All usage resolvers, merged explicitly. */
export const resolvers: Resolvers = {
  Query,
  Mutation,
  Member,
  // The audit trail is the kit's: this subgraph's records under `AuditTrail.usage`.
  AuditTrail: auditTrailResolvers('usage'),
  AuditRecord: auditRecordResolvers(),
};
