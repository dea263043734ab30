// undici's fetch rather than the global one: see auth.ts.
import { fetch } from 'undici';
import { ANONYMOUS, ASSERTION_HEADER, IDENTITY_AUDIENCE, signAssertion } from '../../subgraphs/kit/identity';
import type { Logger } from '../../subgraphs/kit/logger';
import { USAGE_QUOTAS_PATH, type QuotaSnapshot } from '../../subgraphs/usage/wire';
import type { GatewayStage } from '../stage';
import { type ResponseObserver, recordOf, refuse } from './response';
import type { UsageTarget } from './usage';

/** Code of a refusal over a member's monthly budget (HTTP 429). */
export const QUOTA_EXCEEDED = 'QUOTA_EXCEEDED';

type Counts = Map<string, number>;

function addCounts(into: Counts, from: Counts): void {
  for (const [member, n] of from) into.set(member, (into.get(member) ?? 0) + n);
}

/**
 * Members' monthly budgets (`setMemberQuota`, kept by the usage subgraph) as this gateway
 * enforces them: the budgets and each member's use as the subgraph last answered
 * (`POST /internal/quotas`), plus the operations this gateway answered since, which the
 * subgraph had not yet received. The snapshot is read after each usage flush (every
 * `USAGE_FLUSH_MS`): operations counted before the flush began are then in it, so one gateway
 * counts every operation exactly once. Several gateways each know the others' operations only
 * up to the last flush, so together they may let a member pass its budget by what they answered
 * in the last `USAGE_FLUSH_MS`. Refusals do not count. Without usage recording nothing is refused.
 */
export class QuotaBook {
  private snapshot: { resetsAt: number; quotas: Map<string, number>; used: Counts } | undefined;
  /** Answered since the current flush began (not in any batch yet). */
  private pending: Counts = new Map();
  /** Answered before the current flush began: in its batches, and in the snapshot read after it. */
  private inFlight: Counts = new Map();

  constructor(
    private readonly target: UsageTarget,
    private readonly logger: Logger,
  ) {}

  /** Counts an answered operation of a member (the exit point's observer). */
  readonly observe: ResponseObserver = (record, end) => {
    const member = record.identity?.memberId;
    if (!member || end.outcome === 'rejected') return;
    this.pending.set(member, (this.pending.get(member) ?? 0) + 1);
  };

  /** The recorder is about to send what it holds: what was counted so far is in it. */
  flushBegins(): void {
    addCounts(this.inFlight, this.pending);
    this.pending = new Map();
  }

  /** The recorder's flush ended: on success read the budgets again; otherwise keep counting what it held. */
  async flushEnded(sent: boolean): Promise<void> {
    if (sent && (await this.refresh())) {
      this.inFlight = new Map();
      return;
    }
    addCounts(this.pending, this.inFlight);
    this.inFlight = new Map();
  }

  /** Reads the budgets; false when they could not be read (the last ones stay in force). */
  async refresh(): Promise<boolean> {
    const url = this.target.url();
    if (!url) return false;
    try {
      const response = await fetch(new URL(USAGE_QUOTAS_PATH, url), {
        method: 'POST',
        headers: { [ASSERTION_HEADER]: await signAssertion(ANONYMOUS, this.target.assertionKey, IDENTITY_AUDIENCE) },
        signal: AbortSignal.timeout(5000),
      });
      if (!response.ok) throw new Error(`the usage subgraph answered ${response.status}`);
      const snapshot = (await response.json()) as QuotaSnapshot;
      this.snapshot = {
        resetsAt: Date.parse(snapshot.resetsAt),
        quotas: new Map(snapshot.quotas.map((q) => [q.memberId, q.monthlyOperations])),
        used: new Map(snapshot.quotas.map((q) => [q.memberId, q.used])),
      };
      return true;
    } catch (error) {
      this.logger.warn(
        { reason: error instanceof Error ? error.message : String(error) },
        'reading member budgets failed; the last ones stay in force',
      );
      return false;
    }
  }

  /** When the member's budget resets, if it is used up now; undefined when it may go on. */
  exceeded(member: string, now = Date.now()): { budget: number; resetsAt: number } | undefined {
    const snapshot = this.snapshot;
    const budget = snapshot?.quotas.get(member);
    // A new month: the snapshot's counts are last month's until it is read again.
    if (!snapshot || budget === undefined || now >= snapshot.resetsAt) return undefined;
    const used = (snapshot.used.get(member) ?? 0) + (this.inFlight.get(member) ?? 0) + (this.pending.get(member) ?? 0);
    return used >= budget ? { budget, resetsAt: snapshot.resetsAt } : undefined;
  }
}

/**
 * Quota: refuses a member whose monthly budget is used up with HTTP 429 `QUOTA_EXCEEDED`, the
 * reset time in the message and `Retry-After` (see {@link QuotaBook}). The budgets are first read
 * at the first usage flush after start (within `USAGE_FLUSH_MS`); nothing is refused before.
 */
export function quotaStage(book: QuotaBook): GatewayStage {
  return {
    name: 'quota',
    onRequest: [
      (_req, res, next) => {
        const member = recordOf(res).identity?.memberId;
        const over = member ? book.exceeded(member) : undefined;
        if (!over) return next();
        const resetsAt = new Date(over.resetsAt).toISOString();
        res.set('retry-after', String(Math.max(1, Math.ceil((over.resetsAt - Date.now()) / 1000))));
        refuse(
          res,
          429,
          QUOTA_EXCEEDED,
          `the member's monthly budget of ${over.budget} operations is used up; it resets at ${resetsAt} (ask the alliance secretariat to raise it)`,
        );
      },
    ],
  };
}
