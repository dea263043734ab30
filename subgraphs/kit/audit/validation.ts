import { badUserInput } from '../errors';
import { AUDIT_OUTCOMES } from './AuditRecord';
import type { AuditFilter } from './repository';

/** The filter of an audit trail query, checked: a known outcome and a window that is not reversed. */
export function auditFilter(filter: AuditFilter): AuditFilter {
  if (filter.outcome && !AUDIT_OUTCOMES.includes(filter.outcome)) {
    throw badUserInput(`unknown outcome ${filter.outcome}`, 'filter.outcome');
  }
  if (filter.from && filter.to && filter.from > filter.to) {
    throw badUserInput('filter.from must not be after filter.to', 'filter.from');
  }
  return filter;
}
