import type { Resolvers } from '../generated/resolvers-types';
import { Alliance, ConventionArticle } from './Alliance';
import { ApiKey } from './ApiKey';
import { AuditRecord, AuditTrail } from './AuditTrail';
import { Member } from './Member';
import { Mutation } from './Mutation';
import { Query } from './Query';
import { Webhook, WebhookDelivery } from './Webhook';

/** All membership resolvers, merged explicitly. */
export const resolvers: Resolvers = {
  Query,
  Mutation,
  Member,
  ApiKey,
  Alliance,
  ConventionArticle,
  AuditTrail,
  AuditRecord,
  Webhook,
  WebhookDelivery,
};
