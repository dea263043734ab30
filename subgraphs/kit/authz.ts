import type { Identity } from './identity';
import { forbidden, unauthenticated } from './errors';

/** True for the alliance secretariat. */
export function isAdmin(viewer: Identity): boolean {
  return viewer.role === 'ADMIN';
}

/** True when the viewer acts for `memberId` or is an admin. */
export function isSelfOrAdmin(viewer: Identity, memberId: string): boolean {
  return isAdmin(viewer) || (viewer.role === 'MEMBER' && viewer.memberId === memberId);
}

/** Refuses anonymous callers (UNAUTHENTICATED) and members (FORBIDDEN). */
export function requireAdmin(viewer: Identity, action: string): void {
  if (viewer.role === null)
    throw unauthenticated(`${action} needs an ADMIN credential: send Authorization: Bearer <key>`);
  if (!isAdmin(viewer)) throw forbidden(`${action} is for alliance admins only`);
}

/** Refuses anonymous callers; any member or admin may go on. */
export function requireSignedIn(viewer: Identity, action: string): asserts viewer is Identity & { memberId: string } {
  if (viewer.role === null || viewer.memberId === null) {
    throw unauthenticated(`${action} needs a credential: send Authorization: Bearer <api key or access token>`);
  }
}

/** Refuses anyone but the member itself and admins. */
export function requireSelfOrAdmin(viewer: Identity, memberId: string, action: string): void {
  requireSignedIn(viewer, action);
  if (!isSelfOrAdmin(viewer, memberId)) throw forbidden(`${action} is allowed only for the member itself or an admin`);
}
