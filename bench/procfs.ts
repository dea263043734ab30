import fs from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** A process and every descendant (for gateway workers), by walking /proc children lists. */
export function processTree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i += 1) {
    const tasks = fs.existsSync(`/proc/${all[i]}/task`) ? fs.readdirSync(`/proc/${all[i]}/task`) : [];
    for (const task of tasks) {
      const children = read(`/proc/${all[i]}/task/${task}/children`)?.trim();
      if (children) all.push(...children.split(/\s+/).map(Number));
    }
  }
  return all;
}

/** CPU milliseconds (user + system) a process tree has used, from its own accounting. */
export function cpuMs(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    const stat = read(`/proc/${p}/stat`);
    if (!stat) continue;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(read(`/proc/${pid}/status`) ?? '');
  return match ? Number(match[1]) : 0;
}

/** Resident memory of a process tree now, in MiB. */
export function rssMiB(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + statusKb(p, 'VmRSS'), 0) / 1024;
}

/** Samples the resident memory of some processes and remembers each one's peak. */
export class RssSampler {
  readonly peaks = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pids: Record<string, number>) {}

  start(intervalMs = 200): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): Map<string, number> {
    clearInterval(this.timer);
    this.sample();
    return this.peaks;
  }

  private sample(): void {
    for (const [name, pid] of Object.entries(this.pids)) {
      this.peaks.set(name, Math.max(this.peaks.get(name) ?? 0, rssMiB(pid)));
    }
  }
}
