import fs from 'node:fs';

/** The parts of a V8 `.cpuprofile` (what `node --cpu-prof` writes) this summary reads. */
interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }>;
  samples: number[];
  timeDeltas: number[];
  /** Microseconds, same clock as the samples. */
  endTime: number;
  startTime: number;
}

/** Self time of one function or one package in a profile. */
export interface ProfileLine {
  name: string;
  ms: number;
  /** Share of the busy time (everything but idle), 0..1. */
  share: number;
}

/** What {@link summariseProfile} finds in a profile. */
export interface ProfileSummary {
  busyMs: number;
  packages: ProfileLine[];
  functions: ProfileLine[];
}

const PSEUDO = new Set(['(program)', '(garbage collector)', '(root)']);

/**
 * Where a frame's code lives: an npm package (scoped names kept whole), Node's own
 * internals, our source, or a V8 pseudo-frame such as the garbage collector.
 */
export function codeOwner(url: string, functionName: string): string {
  if (!url) return PSEUDO.has(functionName) || functionName === '(idle)' ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url.slice(url.lastIndexOf('node_modules/')));
  if (match) return match[1]!;
  return 'ours';
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const root = url.search(/\/(gateway|subgraphs|bench)\//);
  return root >= 0 ? url.slice(root + 1) : url.replace(/^file:\/\//, '');
}

function top(totals: Map<string, number>, busyMs: number, count: number): ProfileLine[] {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, ms]) => ({ name, ms, share: busyMs > 0 ? ms / busyMs : 0 }));
}

/**
 * Self time per package and per function in a `node --cpu-prof` profile, leaving out
 * idle time: where the process's busy CPU went. With `lastMs`, only the samples of the
 * profile's last `lastMs` milliseconds count (the profile runs from process start, and
 * start-up is not the load being measured).
 */
export function summariseProfile(file: string, options: { count?: number; lastMs?: number } = {}): ProfileSummary {
  const count = options.count ?? 15;
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const from = options.lastMs === undefined ? -Infinity : profile.endTime - options.lastMs * 1000;
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const packages = new Map<string, number>();
  const functions = new Map<string, number>();
  let busyMs = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i += 1) {
    at += profile.timeDeltas[i] ?? 0;
    const frame = byId.get(profile.samples[i]!);
    // A sample's time is the delta to the next sample.
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (at < from || !frame || frame.functionName === '(idle)') continue;
    busyMs += ms;
    const owner = codeOwner(frame.url, frame.functionName);
    packages.set(owner, (packages.get(owner) ?? 0) + ms);
    const name = frame.url
      ? `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`
      : frame.functionName;
    functions.set(name, (functions.get(name) ?? 0) + ms);
  }
  return { busyMs, packages: top(packages, busyMs, count), functions: top(functions, busyMs, count) };
}

/** A profile summary as markdown tables. */
export function renderProfile(title: string, summary: ProfileSummary, operations: number): string {
  const row = (line: ProfileLine) =>
    `| ${line.name.replace(/\|/g, '\\|')} | ${line.ms.toFixed(0)} | ${(line.share * 100).toFixed(1)} % |`;
  return [
    `### ${title}`,
    '',
    `Busy CPU ${summary.busyMs.toFixed(0)} ms over ${operations} operations (${(summary.busyMs / Math.max(1, operations)).toFixed(2)} ms/op, profiler overhead included).`,
    '',
    '| self time by package | ms | share of busy |',
    '| --- | ---: | ---: |',
    ...summary.packages.map(row),
    '',
    '| self time by function | ms | share of busy |',
    '| --- | ---: | ---: |',
    ...summary.functions.map(row),
    '',
  ].join('\n');
}
