/** The audit trail entity reference: there is one trail, with the fixed id `alliance`. */
export interface AuditTrailRef {
  id: string;
}

/**
 * A fresh reference to the one audit trail. Fresh, not a shared constant: federation
 * adds `__typename` to what `__resolveReference` returns, which a frozen object refuses.
 */
export function auditTrail(): AuditTrailRef {
  return { id: 'alliance' };
}
