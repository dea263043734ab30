/**
 * Background work done in rounds, one at a time: at start, every `pollMs`, and whenever woken.
 * A wake during a round runs one more round right after it (any number of wakes meanwhile make
 * that one round), so work signalled mid-round is never left for the next poll. Used by the
 * outbox relay and the webhook dispatcher.
 */
export class Rounds {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;

  /** `round` must not reject: it handles (and logs) its own failures. */
  constructor(
    private readonly round: () => Promise<void>,
    private readonly pollMs: number,
  ) {}

  /** True between {@link start} and {@link stop}: rounds check it to end early when stopping. */
  get active(): boolean {
    return !this.stopped;
  }

  /** Runs a round now and every `pollMs` (the timer keeps no process alive). False if already started. */
  start(): boolean {
    if (!this.stopped) return false;
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), this.pollMs);
    this.timer.unref();
    this.wake();
    return true;
  }

  /** Runs a round now, or right after the current one; nothing once stopped. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.round().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  /**
   * Stops waking (at once, before its first await: a caller may abort work in flight right after
   * calling it), then waits for the round under way. False if it was not running.
   */
  async stop(): Promise<boolean> {
    if (this.stopped) return false;
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    return true;
  }
}
