import { auditRecordResolvers, auditTrailResolvers } from '../../kit/audit/resolvers';
import type { Resolvers } from '../generated/resolvers-types';
import { Attraction } from './Attraction';
import { Destination } from './Destination';
import { Mutation } from './Mutation';
import { Query } from './Query';

/** All tourism resolvers, merged explicitly. */
export const resolvers: Resolvers = {
  Query,
  Mutation,
  Attraction,
  Destination,
  // The audit trail is the kit's: this subgraph's records under `AuditTrail.tourism`.
  AuditTrail: auditTrailResolvers('tourism'),
  AuditRecord: auditRecordResolvers(),
};
