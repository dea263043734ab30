import type { Resolvers } from '../generated/resolvers-types';
import { AuditRecord, AuditTrail } from './AuditTrail';
import { Content } from './Content';
import { Mutation } from './Mutation';
import { Query } from './Query';
import { Attraction, Campaign, Member } from './References';

/** All content resolvers, merged explicitly. */
export const resolvers: Resolvers = {
  Query,
  Mutation,
  Content,
  Member,
  Attraction,
  Campaign,
  AuditTrail,
  AuditRecord,
};
