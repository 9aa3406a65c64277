/**
 * Backpressure for the cascade: start child workflows only as fast as the workers take up
 * their first workflow tasks.
 *
 * Why: when 1,685 units each start their branches at once (the Tianjin shape), the server
 * is asked for ~37,000 starts within minutes. Every start queues a first workflow task;
 * with the workers busy those tasks are written to the task queue's backlog in the
 * server's database and read back later, which costs far more than handing a task to a
 * waiting poller. Measured on 2026-12-01 on the dev server (BENCHMARKS.md): after 200 s
 * the backlog held 22,406 tasks, growing at 71–134 a second, while 3.7–4.4 a second were
 * dispatched; the server ran at 100–126% CPU doing starts, the worker at 20–35% busy.
 *
 * How: one reading of the task queue's approximate workflow-task backlog
 * (DescribeTaskQueue with stats) is shared by every fan-out in the process and refreshed
 * at most every `refreshMs`. A fan-out asks before each batch of starts; when the backlog
 * is at or above the limit it does not wait in place — that would hold an activity slot
 * the waiting workflows need for their own activities (tried: 50 fan-outs waiting held all
 * 50 slots and 2,981 activity tasks queued behind them) — but fails the attempt as
 * retryable, and the activity's retry policy brings it back later, resuming where its
 * heartbeat says it stopped. A server that cannot report the backlog (an older one, or a
 * permission) is not waited on.
 */

export interface StartPacerOptions {
  /** The workflow-task backlog at which starts pause. */
  limit: number;
  /** How long one reading of the backlog is used (ms). */
  refreshMs: number;
  /** Reads the backlog; undefined when the server does not say. */
  readBacklog(): Promise<number | undefined>;
  /** For tests: the clock. */
  now?: () => number;
}

export class StartPacer {
  private reading: { at: number; backlog: number } | undefined;
  private inflight: Promise<number> | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: StartPacerOptions) {
    this.now = opts.now ?? Date.now;
  }

  get limit(): number {
    return this.opts.limit;
  }

  /** The backlog when starts should pause now; undefined when they may go on. */
  async paused(): Promise<number | undefined> {
    const backlog = await this.backlog();
    return backlog >= this.opts.limit ? backlog : undefined;
  }

  private async backlog(): Promise<number> {
    if (this.reading && this.now() - this.reading.at < this.opts.refreshMs) return this.reading.backlog;
    this.inflight ??= this.opts
      .readBacklog()
      .then(
        (backlog) => backlog ?? 0,
        () => 0,
      )
      .then((backlog) => {
        this.reading = { at: this.now(), backlog };
        this.inflight = undefined;
        return backlog;
      });
    return this.inflight;
  }
}
