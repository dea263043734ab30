/**
 * Per-subgraph work of a measured run: CPU time from each subgraph process's own accounting
 * (`/proc/<pid>/stat`), GraphQL requests and SQL statements from its `/internal/stats`, all as
 * differences between a snapshot before and one after the run, divided by the client operations.
 */

/** What one subgraph has done so far (counters since it started). */
export interface SubgraphCounters {
  /** User + system CPU ms of the process. */
  cpuMs: number;
  /** SQL statements sent. */
  sql: number;
  /**
   * GraphQL requests served on `/graphql`; undefined when the subgraph does not count them
   * (a build from before the counter existed, measured by this bench for a before/after).
   */
  requests?: number;
}

/** One subgraph's share of a measured run. */
export interface SubgraphUsage {
  name: string;
  cpuMsPerOp: number;
  /** Undefined when the subgraph counted no requests (or does not count them). */
  cpuMsPerRequest?: number;
  requestsPerOp?: number;
  sqlPerOp: number;
}

/**
 * Each subgraph's CPU, requests and SQL statements per client operation between two snapshots,
 * and its CPU per subgraph request when it counts requests. Subgraphs missing from either
 * snapshot are left out.
 */
export function subgraphUsage(
  before: Record<string, SubgraphCounters>,
  after: Record<string, SubgraphCounters>,
  operations: number,
): SubgraphUsage[] {
  const ops = Math.max(1, operations);
  const rows: SubgraphUsage[] = [];
  for (const [name, end] of Object.entries(after)) {
    const start = before[name];
    if (!start) continue;
    const cpu = end.cpuMs - start.cpuMs;
    const requests =
      end.requests !== undefined && start.requests !== undefined ? end.requests - start.requests : undefined;
    rows.push({
      name,
      cpuMsPerOp: cpu / ops,
      ...(requests ? { cpuMsPerRequest: cpu / requests, requestsPerOp: requests / ops } : {}),
      sqlPerOp: (end.sql - start.sql) / ops,
    });
  }
  return rows;
}

/** Adds up the counters of several runs (the rounds of one target), subgraph by subgraph. */
export function addCounters(
  total: Record<string, SubgraphCounters>,
  before: Record<string, SubgraphCounters>,
  after: Record<string, SubgraphCounters>,
): Record<string, SubgraphCounters> {
  const sum: Record<string, SubgraphCounters> = { ...total };
  for (const [name, end] of Object.entries(after)) {
    const start = before[name];
    if (!start) continue;
    const seen = sum[name] ?? { cpuMs: 0, sql: 0, requests: 0 };
    const requests =
      seen.requests !== undefined && end.requests !== undefined && start.requests !== undefined
        ? seen.requests + end.requests - start.requests
        : undefined;
    sum[name] = {
      cpuMs: seen.cpuMs + end.cpuMs - start.cpuMs,
      sql: seen.sql + end.sql - start.sql,
      ...(requests !== undefined ? { requests } : {}),
    };
  }
  return sum;
}

/** The total of every subgraph's CPU per client operation. */
export function totalCpuMsPerOp(rows: readonly SubgraphUsage[]): number {
  return rows.reduce((sum, row) => sum + row.cpuMsPerOp, 0);
}

/**
 * Markdown rows `| <label> | <name> | CPU ms/op | CPU ms/request | requests/op | SQL/op |`, one per
 * subgraph and a total, for the benchmark's subgraph table.
 */
export function renderSubgraphUsage(label: string, rows: readonly SubgraphUsage[]): string[] {
  const fmt = (value: number | undefined, digits: number) => (value === undefined ? '–' : value.toFixed(digits));
  const lines = rows.map(
    (r) =>
      `| ${label} | ${r.name} | ${fmt(r.cpuMsPerOp, 2)} | ${fmt(r.cpuMsPerRequest, 2)} | ${fmt(r.requestsPerOp, 2)} | ${fmt(r.sqlPerOp, 2)} |`,
  );
  const requests = rows.every((r) => r.requestsPerOp !== undefined)
    ? rows.reduce((sum, r) => sum + r.requestsPerOp!, 0)
    : undefined;
  const sql = rows.reduce((sum, r) => sum + r.sqlPerOp, 0);
  const cpu = totalCpuMsPerOp(rows);
  lines.push(
    `| ${label} | **all subgraphs** | **${fmt(cpu, 2)}** | ${fmt(requests ? cpu / requests : undefined, 2)} | ${fmt(requests, 2)} | ${fmt(sql, 2)} |`,
  );
  return lines;
}

/** The header of the table {@link renderSubgraphUsage} fills. */
export const SUBGRAPH_USAGE_HEADER = [
  '| run | subgraph | CPU ms per client operation | CPU ms per subgraph request | subgraph requests per operation | SQL per operation |',
  '| --- | --- | ---: | ---: | ---: | ---: |',
];
