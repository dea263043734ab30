import { auditRecordResolvers, auditTrailResolvers } from '../../kit/audit/resolvers';
import type { Resolvers } from '../generated/resolvers-types';
import { Content } from './Content';
import { Mutation } from './Mutation';
import { Query } from './Query';
import { Attraction, Campaign, Member } from './References';
import { Subscription } from './Subscription';

/** All content resolvers, merged explicitly. */
export const resolvers: Resolvers = {
  Query,
  Mutation,
  Subscription,
  Content,
  Member,
  Attraction,
  Campaign,
  // The audit trail is the kit's: this subgraph's records under `AuditTrail.content`.
  AuditTrail: auditTrailResolvers('content'),
  AuditRecord: auditRecordResolvers(),
};
