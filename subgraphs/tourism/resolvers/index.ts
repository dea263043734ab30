import type { Resolvers } from '../generated/resolvers-types';
import { Attraction } from './Attraction';
import { AuditRecord, AuditTrail } from './AuditTrail';
import { Destination } from './Destination';
import { Mutation } from './Mutation';
import { Query } from './Query';

/** All tourism resolvers, merged explicitly. */
export const resolvers: Resolvers = {
  Query,
  Mutation,
  Attraction,
  Destination,
  AuditTrail,
  AuditRecord,
};
