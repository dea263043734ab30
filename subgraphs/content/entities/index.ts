import { AuditRecord } from '../../kit/audit/AuditRecord';
import { OutboxEvent } from '../../kit/events/OutboxEvent';
import { Content } from './Content';
import { ContentAttraction } from './ContentAttraction';
import { ContentTag } from './ContentTag';

export { Content, ContentAttraction, ContentTag };
export { CONTENT_KINDS, CONTENT_STATUSES, type ContentKind, type ContentStatus } from './Content';

/** Every entity of the content database, for the DataSource. */
export const entities = [Content, ContentAttraction, ContentTag, AuditRecord, OutboxEvent];
