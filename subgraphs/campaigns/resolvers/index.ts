import type { Resolvers } from '../generated/resolvers-types';
import { Attraction } from './Attraction';
import { AuditRecord, AuditTrail } from './AuditTrail';
import { Campaign } from './Campaign';
import { Member } from './Member';
import { Mutation } from './Mutation';
import { Participation } from './Participation';
import { Query } from './Query';

/** All campaigns resolvers, merged explicitly. */
export const resolvers: Resolvers = {
  Query,
  Mutation,
  Campaign,
  Participation,
  Member,
  Attraction,
  AuditTrail,
  AuditRecord,
};
