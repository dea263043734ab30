import type { ApiKeyResolvers } from '../generated/resolvers-types';

export const ApiKey: ApiKeyResolvers = {
  // A key is only ever listed to its member or an admin, who may see the member.
  member: async (apiKey, _args, { loaders }) => (await loaders.memberById.load(apiKey.memberId))!,
};
