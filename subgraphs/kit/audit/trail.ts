/** The audit trail entity reference: there is one trail, with the fixed id `alliance`. */
export interface AuditTrailRef {
  id: string;
}

export const AUDIT_TRAIL: AuditTrailRef = Object.freeze({ id: 'alliance' });
