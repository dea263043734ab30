import { auditRecordResolvers } from '../../kit/audit/resolvers';
import type { Resolvers } from '../generated/resolvers-types';
import { Member } from './Member';
import { Query } from './Query';

/** All usage resolvers, merged explicitly. */
export const resolvers: Resolvers = {
  Query,
  Member,
  AuditRecord: auditRecordResolvers(),
};
