import { latencyBucket } from '../../subgraphs/usage/latency';
import type { UsageRowInput } from '../../subgraphs/usage/wire';

/**
 * A usage row of `n` answered operations of `Feed` (document `doc-feed`) at `minute` (epoch ms), by
 * no member or client, each 10 ms; `extra` overrides any field.
 */
export function usageRow(minute: number, n: number, extra: Partial<UsageRowInput> = {}): UsageRowInput {
  return {
    minute,
    memberId: null,
    keyId: null,
    clientName: null,
    clientVersion: null,
    operationName: 'Feed',
    documentHash: 'doc-feed',
    outcome: 'ok',
    refusedStage: null,
    operations: n,
    errors: 0,
    errorCodes: {},
    bytes: 100 * n,
    latency: [[latencyBucket(10), n]],
    lastSeen: minute + 30_000,
    ...extra,
  };
}
