import { type Env, envInt } from '../kit/env';
import type { Logger } from '../kit/logger';
import type { RollupRepository } from './repositories/rollup';

/** Minute rows are kept this long (then only their hour and day rows remain). */
export const MINUTE_ROWS_KEPT_MS = 48 * 3_600_000;
/** Hour and day rows are kept this long. */
export const ROLLED_ROWS_KEPT_MS = 400 * 86_400_000;
/** An hour is rolled into its day once it has been over this long. */
const HOUR_GRACE_MS = 5 * 60_000;
/** Rounds of each kind per tick: a backlog is worked off over several ticks, never in one long run. */
const ROUNDS_PER_TICK = 20;

/** How the rollup runs (`USAGE_ROLLUP_MS`, `USAGE_ROLLUP_BATCH`). */
export interface RollupSettings {
  intervalMs: number;
  batch: number;
}

/** Reads the rollup's settings; a malformed value is a one-line start-up error. */
export function readRollupSettings(env: Env = process.env): RollupSettings {
  return {
    intervalMs: envInt(env, 'USAGE_ROLLUP_MS', 60_000, 100, 3_600_000),
    batch: envInt(env, 'USAGE_ROLLUP_BATCH', 2000, 10, 100_000),
  };
}

/**
 * One round of upkeep at `now`: minute rows into hours, hours into days, then pruning rows past
 * their keeping time and the recorded documents no row references any more (a sweep at most
 * hourly, `RollupRepository.pruneDocuments`), each in transactions of at most `batch` rows, at
 * most {@link ROUNDS_PER_TICK} of each kind. Answers the rows rolled and pruned, and the
 * documents pruned.
 */
export async function rollUp(
  repo: RollupRepository,
  batch: number,
  now = new Date(),
): Promise<{ minutes: number; hours: number; pruned: number; documents: number }> {
  const done = { minutes: 0, hours: 0, pruned: 0, documents: 0 };
  const repeat = async (step: () => Promise<number>, key: Exclude<keyof typeof done, 'documents'>) => {
    for (let round = 0; round < ROUNDS_PER_TICK; round += 1) {
      const n = await step();
      done[key] += n;
      if (n < batch) return;
    }
  };
  // Minutes that have ended; the current one is still being recorded.
  const minute = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  await repeat(() => repo.rollMinutes(minute, batch), 'minutes');
  await repeat(() => repo.rollHours(new Date(now.getTime() - HOUR_GRACE_MS), batch), 'hours');
  await repeat(
    () =>
      repo.prune(new Date(now.getTime() - MINUTE_ROWS_KEPT_MS), new Date(now.getTime() - ROLLED_ROWS_KEPT_MS), batch),
    'pruned',
  );
  // After the rows: a document whose last rows were pruned just now goes in the same tick.
  for (let round = 0; round < ROUNDS_PER_TICK; round += 1) {
    const { deleted, more } = await repo.pruneDocuments(batch, now);
    done.documents += deleted;
    if (!more) break;
  }
  return done;
}

/**
 * Runs {@link rollUp} every `intervalMs` (the first time right away) until stopped; on MySQL
 * only one replica at a time (`RollupRepository.exclusively`). A failed round is logged and
 * tried again at the next tick.
 */
export function startRollup(
  repo: RollupRepository,
  settings: RollupSettings,
  logger: Logger,
): { stop: () => Promise<void> } {
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = repo
      .exclusively(async () => {
        const done = await rollUp(repo, settings.batch);
        if (done.minutes + done.hours + done.pruned + done.documents > 0) logger.debug(done, 'usage rolled up');
      })
      .then(
        () => undefined,
        (error: unknown) => logger.error({ err: error }, 'usage rollup failed; trying again at the next tick'),
      )
      .finally(() => (running = undefined));
  };
  const timer = setInterval(tick, settings.intervalMs);
  timer.unref();
  tick();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
