import { isSelfOrAdmin } from '../../kit/authz';
import { localized } from '../../kit/locale';
import type { MemberResolvers } from '../generated/resolvers-types';

export const Member: MemberResolvers = {
  __resolveReference: (reference, { loaders }) => loaders.memberById.load(reference.id),
  name: (member, _args, { locale }) => localized(locale, member.nameEn, member.nameZh),
  localName: (member) => member.nameZh,
  contactEmail: (member, _args, { viewer }) => (isSelfOrAdmin(viewer, member.id) ? member.contactEmail : null),
  apiKeys: (member, _args, { viewer, loaders }) =>
    isSelfOrAdmin(viewer, member.id) ? loaders.apiKeysByMember.load(member.id) : [],
  webhooks: (member, _args, { viewer, loaders }) =>
    isSelfOrAdmin(viewer, member.id) ? loaders.webhooksByMember.load(member.id) : [],
};
