import { isAdmin, requireAdmin, requireSignedIn } from '../../kit/authz';
import { forbidden } from '../../kit/errors';
import type { Identity } from '../../kit/identity';
import type { QueryResolvers } from '../generated/resolvers-types';
import {
  BUCKET_MS,
  MAX_BUCKETS,
  type UsageWindow,
  coordinate,
  memberId,
  nameFilter,
  operationCount,
  usageWindow,
} from '../validation';
import { USAGE_LIMITS } from '../wire';

/**
 * The member whose usage a query reads: any (or null for all) for admins; a member reads its own
 * only, and asking for no member means its own.
 */
function readableMember(viewer: Identity & { memberId: string }, asked: string | null | undefined): string | null {
  const member = asked === null || asked === undefined ? null : memberId(asked);
  if (isAdmin(viewer)) return member;
  if (member !== null && member !== viewer.memberId)
    throw forbidden('usage of another member is for alliance admins only: leave memberId out for your own');
  return viewer.memberId;
}

/** Hours while the window spans at most MAX_BUCKETS of them, else days (both are kept 400 days). */
function hoursOrDays(from: Date, to: Date): UsageWindow {
  const hours = (to.getTime() - from.getTime()) / BUCKET_MS.HOUR;
  return usageWindow(from, to, hours < MAX_BUCKETS ? 'HOUR' : 'DAY');
}

export const Query: QueryResolvers = {
  usage: async (_parent, args, { repos, viewer }) => {
    requireSignedIn(viewer, 'usage');
    const window = usageWindow(args.from, args.to, args.granularity ?? 'HOUR');
    return repos.usage.buckets(window, {
      memberId: readableMember(viewer, args.memberId),
      operation: nameFilter(args.operation, 'operation', USAGE_LIMITS.operationName),
      client: nameFilter(args.client, 'client', USAGE_LIMITS.clientName),
    });
  },
  fieldUsage: async (_parent, args, { repos, viewer }) => {
    requireAdmin(viewer, 'fieldUsage');
    const field = coordinate(args.coordinate);
    return repos.usage.fieldUsage(field, hoursOrDays(args.from, args.to));
  },
  operationUsage: async (_parent, args, { repos, viewer }) => {
    requireSignedIn(viewer, 'operationUsage');
    const window = hoursOrDays(args.from, args.to);
    const first = operationCount(args.first);
    return repos.usage.operations(
      window,
      {
        memberId: readableMember(viewer, args.memberId),
        client: nameFilter(args.client, 'client', USAGE_LIMITS.clientName),
      },
      args.orderBy ?? 'OPERATIONS',
      first,
    );
  },
};
