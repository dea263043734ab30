import { AuditRecord } from '../../kit/audit/AuditRecord';
import { MemberQuota } from './MemberQuota';
import { ReceivedBatch, UsageDocument, UsageDocumentField } from './UsageDocument';
import { UsageRow } from './UsageRow';

export { MemberQuota, ReceivedBatch, UsageDocument, UsageDocumentField, UsageRow };
export { GRANULARITIES, type Granularity } from './UsageRow';

/** Every entity of the usage database, for the DataSource. */
export const entities = [UsageRow, UsageDocument, UsageDocumentField, ReceivedBatch, MemberQuota, AuditRecord];
