import { Alliance } from './Alliance';
import { ConventionArticle } from './ConventionArticle';
import { Member } from './Member';

export { Alliance, ConventionArticle, Member };
export { MEMBER_KINDS, MEMBER_REGIONS, MEMBER_STATUSES, type MemberKind, type MemberStatus } from './Member';

/** Every entity of the membership database, for the DataSource. */
export const entities = [Member, Alliance, ConventionArticle];
