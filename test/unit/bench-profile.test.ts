import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { codeOwner, summariseProfile } from '../../bench/profile';
import { addCounters, renderSubgraphUsage, subgraphUsage, totalCpuMsPerOp } from '../../bench/subgraph-cpu';

describe('the benchmark profile summary', () => {
  it('names the package, Node internals or our own code behind a frame', () => {
    expect(codeOwner('file:///app/node_modules/@apollo/gateway/dist/index.js', 'x')).toBe('@apollo/gateway');
    expect(codeOwner('file:///app/node_modules/a/node_modules/minipass-fetch/lib/body.js', 'json')).toBe(
      'minipass-fetch',
    );
    expect(codeOwner('node:internal/streams/readable', 'push')).toBe('node internals');
    expect(codeOwner('file:///app/gateway/httpclient.ts', 'json')).toBe('ours');
    expect(codeOwner('', '(garbage collector)')).toBe('(garbage collector)');
  });

  it('counts self time of the last milliseconds only, leaving idle time out', () => {
    // A sample every 10 ms: gateway code twice, idle, then GC; the profile ends at 40 ms.
    const profile = {
      nodes: [
        { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 } },
        {
          id: 2,
          callFrame: { functionName: 'plan', url: 'file:///app/node_modules/@apollo/gateway/a.js', lineNumber: 4 },
        },
        { id: 3, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
        { id: 4, callFrame: { functionName: '(garbage collector)', url: '', lineNumber: -1 } },
      ],
      startTime: 0,
      endTime: 40_000,
      samples: [2, 2, 3, 4],
      timeDeltas: [0, 10_000, 10_000, 10_000, 10_000],
    };
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'profile-')), 'p.cpuprofile');
    fs.writeFileSync(file, JSON.stringify(profile));
    const whole = summariseProfile(file);
    expect(whole.busyMs).toBe(30);
    expect(whole.packages).toEqual([
      { name: '@apollo/gateway', ms: 20, share: 20 / 30 },
      { name: '(garbage collector)', ms: 10, share: 10 / 30 },
    ]);
    expect(whole.functions[0]!.name).toBe('plan @apollo/gateway/a.js:5');
    // Samples fall at 0, 10, 20 and 30 ms: the last 25 ms (from 15 ms on) hold only the idle and GC ones.
    const tail = summariseProfile(file, { lastMs: 25 });
    expect(tail.busyMs).toBe(10);
    expect(tail.packages.map((p) => p.name)).toEqual(['(garbage collector)']);
  });
});

describe("the benchmark's per-subgraph figures", () => {
  it('divides each subgraph’s CPU, requests and SQL by client operations, and CPU by its requests', () => {
    const before = { tourism: { cpuMs: 100, sql: 10, requests: 5 }, content: { cpuMs: 50, sql: 0 } };
    const after = { tourism: { cpuMs: 300, sql: 30, requests: 45 }, content: { cpuMs: 90, sql: 8 } };
    const rows = subgraphUsage(before, after, 20);
    expect(rows).toEqual([
      { name: 'tourism', cpuMsPerOp: 10, cpuMsPerRequest: 5, requestsPerOp: 2, sqlPerOp: 1 },
      // A subgraph that does not count its requests: CPU per operation only.
      { name: 'content', cpuMsPerOp: 2, sqlPerOp: 0.4 },
    ]);
    expect(totalCpuMsPerOp(rows)).toBe(12);
    const table = renderSubgraphUsage('R', rows);
    expect(table[0]).toBe('| R | tourism | 10.00 | 5.00 | 2.00 | 1.00 |');
    expect(table[1]).toBe('| R | content | 2.00 | – | – | 0.40 |');
    expect(table[2]).toBe('| R | **all subgraphs** | **12.00** | – | – | 1.40 |');
  });

  it('adds up rounds subgraph by subgraph', () => {
    let total = addCounters({}, { a: { cpuMs: 0, sql: 0, requests: 0 } }, { a: { cpuMs: 10, sql: 2, requests: 4 } });
    total = addCounters(
      total,
      { a: { cpuMs: 100, sql: 5, requests: 10 } },
      { a: { cpuMs: 130, sql: 6, requests: 12 } },
    );
    expect(total).toEqual({ a: { cpuMs: 40, sql: 3, requests: 6 } });
    const rows = subgraphUsage({ a: { cpuMs: 0, sql: 0, requests: 0 } }, total, 3);
    expect(rows[0]).toMatchObject({ cpuMsPerRequest: 40 / 6, requestsPerOp: 2, sqlPerOp: 1 });
  });
});
