/** A per-key limit on concurrent calls within one process (used to keep updates to one workflow under the server's limit). */

/**
 * At most `limit` calls in flight per key in this process; a call that cannot get a place
 * within `waitMs` is not made and answers `busy`.
 */
export class KeyedGate {
  private readonly held = new Map<string, number>();
  private readonly waiting = new Map<string, Array<() => void>>();

  constructor(private readonly limit: number) {}

  async within<T>(key: string, waitMs: number, call: () => Promise<T>): Promise<T | 'busy'> {
    if (!(await this.enter(key, waitMs))) return 'busy';
    try {
      return await call();
    } finally {
      this.leave(key);
    }
  }

  /** Calls in flight for a key (for tests). */
  inFlight(key: string): number {
    return this.held.get(key) ?? 0;
  }

  private enter(key: string, waitMs: number): Promise<boolean> {
    const held = this.held.get(key) ?? 0;
    if (held < this.limit) {
      this.held.set(key, held + 1);
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const queue = this.waiting.get(key) ?? [];
      this.waiting.set(key, queue);
      const admit = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        queue.splice(queue.indexOf(admit), 1);
        if (queue.length === 0) this.waiting.delete(key);
        resolve(false);
      }, waitMs);
      queue.push(admit);
    });
  }

  /** Hands the place to the next waiter, if any; otherwise frees it. */
  private leave(key: string): void {
    const queue = this.waiting.get(key);
    const next = queue?.shift();
    if (queue?.length === 0) this.waiting.delete(key);
    if (next) return next();
    const held = (this.held.get(key) ?? 1) - 1;
    if (held > 0) this.held.set(key, held);
    else this.held.delete(key);
  }
}
