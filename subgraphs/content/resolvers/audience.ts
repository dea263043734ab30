import { contentVisibleTo } from '../../kit/events/audience';
import type { Identity } from '../../kit/identity';
import type { Content } from '../entities';
import type { Audience } from '../repositories/contents';

/** Whose drafts and archived pieces `viewer` may see. */
export function audienceOf(viewer: Identity): Audience {
  return { admin: viewer.role === 'ADMIN', memberId: viewer.role ? viewer.memberId : null };
}

/** Published content is public; drafts and archived pieces only for their author and admins (the kit's rule). */
export function canSee(viewer: Identity, content: Content): boolean {
  return contentVisibleTo(viewer, content);
}
