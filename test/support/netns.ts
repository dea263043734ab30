import { execFileSync } from 'node:child_process';

/**
 * Whether this process may make a private network namespace (`unshare -n`, as root), where a
 * test can run `npm start` on the fixed development ports without colliding with parallel runs.
 */
export function canIsolateNetwork(): boolean {
  try {
    execFileSync('unshare', ['-n', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
