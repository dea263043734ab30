import { auditRecordResolvers, auditTrailResolvers } from '../../kit/audit/resolvers';
import type { Resolvers } from '../generated/resolvers-types';
import { Attraction } from './Attraction';
import { Campaign } from './Campaign';
import { Member } from './Member';
import { Mutation } from './Mutation';
import { Participation } from './Participation';
import { Query } from './Query';
import { Subscription } from './Subscription';

/** All campaigns resolvers, merged explicitly. */
export const resolvers: Resolvers = {
  Query,
  Mutation,
  Subscription,
  Campaign,
  Participation,
  Member,
  Attraction,
  // The audit trail is the kit's: this subgraph's records under `AuditTrail.campaigns`.
  AuditTrail: auditTrailResolvers('campaigns'),
  AuditRecord: auditRecordResolvers(),
};
