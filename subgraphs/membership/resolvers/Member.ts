import { localized } from '../../kit/locale';
import type { MemberResolvers } from '../generated/resolvers-types';

export const Member: MemberResolvers = {
  __resolveReference: (reference, { loaders }) => loaders.memberById.load(reference.id),
  name: (member, _args, { locale }) => localized(locale, member.nameEn, member.nameZh),
  localName: (member) => member.nameZh,
  // Private until identity lands: the member itself and admins will see it (issue: identity and access).
  contactEmail: () => null,
};
