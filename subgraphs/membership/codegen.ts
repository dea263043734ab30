/**
 * What this subgraph's typed resolvers (`generated/resolvers-types.ts`, `npm run codegen`) map
 * its GraphQL types to: the values its resolvers receive (TypeORM entities, the kit's
 * connections and entity refs), as paths from `generated/`. A plain object, loaded by the root
 * `codegen.ts`: it imports nothing, so codegen never loads the resolvers it generates types for.
 */
export const mappers: Record<string, string> = {
  Member: '../entities#Member',
  Alliance: '../entities#Alliance',
  ConventionArticle: '../entities#ConventionArticle',
  MemberConnection: '../../kit/pagination#Connection<MemberModel>',
  ApiKey: '../entities#ApiKey',
  Webhook: '../entities#Webhook',
  WebhookDelivery: '../entities#WebhookDelivery',
  WebhookDeliveryConnection: '../../kit/pagination#Connection<WebhookDeliveryModel>',
  RegisteredWebhook: '../repositories/webhooks#RegisteredWebhook',
};
