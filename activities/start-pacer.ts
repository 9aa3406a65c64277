/**
 * Backpressure for the cascade: start child workflows only as fast as the workers take up
 * their first workflow tasks.
 *
 * Why: when 1,685 units each start their branches at once (the Tianjin shape), the server
 * is asked for ~37,000 starts within minutes. Every start queues a first workflow task;
 * with the workers busy those tasks are written to the task queue's backlog in the
 * server's database and read back later, which costs far more than handing a task to a
 * waiting poller. Measured on 2026-12-01 on the dev server (BENCHMARKS.md): the backlog
 * grew at 134 tasks/s to 11,469 while only 4.4 tasks/s were dispatched, the server at
 * 100–126% CPU doing starts, the worker mostly idle. Waiting here instead costs nothing:
 * the children are rows in `orgs`, and a start that waits is a start not yet made.
 *
 * How: one reading of the task queue's approximate workflow-task backlog
 * (DescribeTaskQueue with stats) is shared by every fan-out in the process and refreshed
 * at most once a second; a start waits while the backlog is at or above the limit. A
 * server that cannot report the backlog (an older one, or a permission) is not waited on.
 */

export interface StartPacerOptions {
  /** The workflow-task backlog at which starts wait. */
  limit: number;
  /** How often the backlog is read while someone waits (ms). */
  refreshMs: number;
  /** Reads the backlog; undefined when the server does not say. */
  readBacklog(): Promise<number | undefined>;
  /** For tests: the clock and the sleep. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class StartPacer {
  private reading: { at: number; backlog: number } | undefined;
  private inflight: Promise<number> | undefined;
  /** Starts that had to wait, and for how long in all (reported in the activity's result). */
  waited = { starts: 0, ms: 0 };
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: StartPacerOptions) {
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Resolves when a start may be made; `onWait` runs on every refresh while waiting (heartbeat there). */
  async admit(onWait?: () => void): Promise<void> {
    const began = this.now();
    let waitedOnce = false;
    while ((await this.backlog()) >= this.opts.limit) {
      waitedOnce = true;
      onWait?.();
      await this.sleep(this.opts.refreshMs);
    }
    if (waitedOnce) {
      this.waited.starts += 1;
      this.waited.ms += this.now() - began;
    }
  }

  private async backlog(): Promise<number> {
    const fresh = this.reading && this.now() - this.reading.at < this.opts.refreshMs;
    if (fresh) return this.reading!.backlog;
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
