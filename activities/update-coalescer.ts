/**
 * Updates to one target workflow, shared by every delivery activity running in this process.
 *
 * At most `limit` updates are in flight to a target at once, in this process (the server
 * admits `history.maxInFlightUpdates` per workflow, 40 in every launcher here; see
 * `UPDATES_PER_TARGET` in config/temporal-server.ts). Messages that find every place
 * taken do not queue one update each: they join the open batch for their target, and that
 * batch leaves as a single update, of up to `maxPerUpdate` messages and `maxBytes`, when a
 * place frees. In
 * an escalation storm, 500 branches each sending one escalation to the city then reach it in
 * a few dozen updates instead of 500, and the city spends one workflow task on each of those.
 *
 * Every caller whose messages went in an update gets that update's outcome. A caller whose
 * batch has not left within `waitMs` takes its messages back and answers `busy` (its sender
 * tries again later), so no activity holds its slot for long on a target that is slow.
 */
export type DeliveryOutcome = 'sent' | 'gone' | 'busy';

export interface UpdateCoalescerOptions<M> {
  /** Updates in flight to one target. */
  limit: number;
  /** Messages in one update; a single caller's larger set still goes whole, in an update of its own. */
  maxPerUpdate: number;
  /** Bytes of messages in one update (as each caller counts its own), with the same exception. */
  maxBytes: number;
  /** How long a caller waits for its batch to leave before it answers `busy`. */
  waitMs: number;
  /** Sends one update; its outcome is every contributing caller's, and so is a throw. */
  send: (target: string, messages: M[]) => Promise<DeliveryOutcome>;
}

interface Caller<M> {
  messages: M[];
  bytes: number;
  resolve: (outcome: DeliveryOutcome) => void;
  reject: (err: unknown) => void;
  timer?: ReturnType<typeof setTimeout>;
}

interface Target<M> {
  inFlight: number;
  /** Batches waiting for a place, oldest first; only the last one takes new callers. */
  waiting: Array<Array<Caller<M>>>;
}

export class UpdateCoalescer<M> {
  private readonly targets = new Map<string, Target<M>>();

  constructor(private readonly options: UpdateCoalescerOptions<M>) {}

  /** Sends `messages`, which weigh `bytes`, to `target`: alone, or with others' when every place is taken. */
  deliver(target: string, messages: M[], bytes: number): Promise<DeliveryOutcome> {
    return new Promise((resolve, reject) => {
      const t = this.targetOf(target);
      const caller: Caller<M> = { messages, bytes, resolve, reject };
      const open = t.waiting.at(-1);
      if (open && this.fits(open, caller)) open.push(caller);
      else t.waiting.push([caller]);
      // Armed before dispatching, which clears it when the batch leaves at once.
      caller.timer = setTimeout(() => this.giveUp(target, t, caller), this.options.waitMs);
      this.dispatch(target, t);
    });
  }

  /** Updates in flight to a target (for tests and diagnostics). */
  inFlight(target: string): number {
    return this.targets.get(target)?.inFlight ?? 0;
  }

  /** Messages waiting for a place to a target (for tests and diagnostics). */
  waiting(target: string): number {
    return (this.targets.get(target)?.waiting ?? []).reduce((n, batch) => n + countOf(batch), 0);
  }

  private fits(batch: Array<Caller<M>>, caller: Caller<M>): boolean {
    const bytes = batch.reduce((n, c) => n + c.bytes, 0);
    return countOf(batch) + caller.messages.length <= this.options.maxPerUpdate && bytes + caller.bytes <= this.options.maxBytes;
  }

  private targetOf(target: string): Target<M> {
    let t = this.targets.get(target);
    if (!t) this.targets.set(target, (t = { inFlight: 0, waiting: [] }));
    return t;
  }

  /** Sends waiting batches while the target has places. */
  private dispatch(target: string, t: Target<M>): void {
    while (t.inFlight < this.options.limit && t.waiting.length > 0) {
      const batch = t.waiting.shift()!;
      for (const caller of batch) clearTimeout(caller.timer);
      t.inFlight++;
      this.options
        .send(
          target,
          batch.flatMap((caller) => caller.messages),
        )
        .then(
          (outcome) => batch.forEach((caller) => caller.resolve(outcome)),
          (err: unknown) => batch.forEach((caller) => caller.reject(err)),
        )
        .finally(() => {
          t.inFlight--;
          this.dispatch(target, t);
          this.forgetIfIdle(target, t);
        });
    }
  }

  private giveUp(target: string, t: Target<M>, caller: Caller<M>): void {
    const i = t.waiting.findIndex((batch) => batch.includes(caller));
    if (i < 0) return; // already sent
    const batch = t.waiting[i]!;
    batch.splice(batch.indexOf(caller), 1);
    if (batch.length === 0) t.waiting.splice(i, 1);
    caller.resolve('busy');
    this.forgetIfIdle(target, t);
  }

  private forgetIfIdle(target: string, t: Target<M>): void {
    if (t.inFlight === 0 && t.waiting.length === 0 && this.targets.get(target) === t) this.targets.delete(target);
  }
}

function countOf<M>(batch: Array<Caller<M>>): number {
  return batch.reduce((n, caller) => n + caller.messages.length, 0);
}
