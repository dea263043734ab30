import { isAdmin, requireAdmin, requireSignedIn } from '../../kit/authz';
import { forbidden } from '../../kit/errors';
import type { QueryResolvers } from '../generated/resolvers-types';
import { BUCKET_MS, MAX_BUCKETS, coordinate, memberId, nameFilter, usageWindow } from '../validation';
import { USAGE_LIMITS } from '../wire';

export const Query: QueryResolvers = {
  usage: async (_parent, args, { repos, viewer }) => {
    requireSignedIn(viewer, 'usage');
    const window = usageWindow(args.from, args.to, args.granularity ?? 'HOUR');
    const asked = args.memberId === null || args.memberId === undefined ? null : memberId(args.memberId);
    // A member reads its own usage only; asking for no member means its own.
    if (!isAdmin(viewer) && asked !== null && asked !== viewer.memberId)
      throw forbidden('usage of another member is for alliance admins only: leave memberId out for your own');
    return repos.usage.buckets(window, {
      memberId: isAdmin(viewer) ? asked : viewer.memberId,
      operation: nameFilter(args.operation, 'operation', USAGE_LIMITS.operationName),
      client: nameFilter(args.client, 'client', USAGE_LIMITS.clientName),
    });
  },
  fieldUsage: async (_parent, args, { repos, viewer }) => {
    requireAdmin(viewer, 'fieldUsage');
    const field = coordinate(args.coordinate);
    // Hours while the window spans at most MAX_BUCKETS of them, else days (hour rows and day rows are both kept 400 days).
    const hours = (args.to.getTime() - args.from.getTime()) / BUCKET_MS.HOUR;
    return repos.usage.fieldUsage(field, usageWindow(args.from, args.to, hours < MAX_BUCKETS ? 'HOUR' : 'DAY'));
  },
};
