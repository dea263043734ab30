/**
 * The compact latency histogram kept on every usage row: fixed, geometric buckets, so that rows
 * merge by adding counts (minute rows into hours, hours into days) and p50/p95/p99 can still be
 * read after a rollup. Bucket 0 holds durations under 1 ms; bucket i (1 to 48) holds
 * [1.25^(i-1), 1.25^i) ms; the last holds everything from 1.25^48 ms (about 44 s) on.
 *
 * Precision: a percentile is answered as the upper edge of the bucket it falls in, so it is never
 * below the true value and at most 25 % above it (under 1 ms it reads 1 ms; at or above about
 * 44 s it reads 44,409 ms, the last bucket's lower edge). The gateway and this subgraph share
 * this module, so both sides agree on the buckets.
 */

/** Growth factor between bucket edges: the precision bound (25 %). */
const FACTOR = 1.25;
/** Number of buckets. */
export const LATENCY_BUCKETS = 50;
const LOG_FACTOR = Math.log(FACTOR);

/** Counts by bucket index; buckets not present hold nothing. */
export type LatencyHistogram = Map<number, number>;

/** The bucket a duration (ms) falls in. */
export function latencyBucket(ms: number): number {
  if (!(ms >= 1)) return 0;
  return Math.min(LATENCY_BUCKETS - 1, 1 + Math.floor(Math.log(ms) / LOG_FACTOR));
}

/** What a percentile falling in bucket `index` is reported as (ms, rounded to 0.001). */
function reportedEdge(index: number): number {
  const edge = index < LATENCY_BUCKETS - 1 ? FACTOR ** index : FACTOR ** (LATENCY_BUCKETS - 2);
  return Math.round(edge * 1000) / 1000;
}

/** Adds `from` into `into` (a rollup or a merge of rows). */
export function mergeHistogram(into: LatencyHistogram, from: LatencyHistogram): void {
  for (const [index, count] of from) into.set(index, (into.get(index) ?? 0) + count);
}

/** The q-quantile (0 < q ≤ 1) in ms, per the precision above; 0 for an empty histogram. */
export function percentile(histogram: LatencyHistogram, q: number): number {
  let total = 0;
  for (const count of histogram.values()) total += count;
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const index of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(index)!;
    if (seen >= rank) return reportedEdge(index);
  }
  return reportedEdge(LATENCY_BUCKETS - 1);
}

/** The stored form: `index:count` pairs, comma-separated, by index (empty buckets left out). */
export function encodeHistogram(histogram: LatencyHistogram): string {
  return [...histogram.entries()]
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => a - b)
    .map(([index, count]) => `${index}:${count}`)
    .join(',');
}

/** Reads the stored form; throws on anything else (a stored row is trusted, a batch is validated first). */
export function decodeHistogram(text: string): LatencyHistogram {
  const histogram: LatencyHistogram = new Map();
  if (text === '') return histogram;
  for (const pair of text.split(',')) {
    const [index, count] = pair.split(':').map(Number);
    if (!Number.isInteger(index) || index! < 0 || index! >= LATENCY_BUCKETS || !Number.isInteger(count) || count! < 0)
      throw new Error(`malformed latency histogram "${text.slice(0, 40)}"`);
    histogram.set(index!, (histogram.get(index!) ?? 0) + count!);
  }
  return histogram;
}
