/**
 * Wiring shared by the org and campaign workflows: the activity proxies, turning a
 * domain Rejection into an ApplicationFailure, recording events in order, and the
 * continue-as-new test.
 */
import { allHandlersFinished, ApplicationFailure, condition, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from './activity-contract.js';
import type { DomainEvent } from '../domain/events.js';
import { Rejection } from '../domain/rejection.js';
import type { z } from 'zod';

/** Database writes retry until the database is back: a decision is never dropped. */
export const store = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 },
});

/** Fan-out to many workflows; heartbeats carry its progress. */
export const fanout = proxyActivities<Activities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2, nonRetryableErrorTypes: ['OrgNotFound'] },
});

/** Runs a domain decision; a Rejection fails only the update, with its kind and field. */
export function decide<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof Rejection) {
      throw ApplicationFailure.create({ type: err.kind, message: err.message, nonRetryable: true, details: [{ field: err.field ?? null, ...err.extra }] });
    }
    throw err;
  }
}

/** An update validator from a zod schema, for its first argument: bad input is refused before it enters history. */
export function validateWith<S extends z.ZodType>(schema: S): (input: unknown, ...options: unknown[]) => void {
  return (input) => {
    const parsed = schema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw ApplicationFailure.create({
        type: 'Invalid',
        message: `${issue.path.join('.') || 'input'}: ${issue.message}`,
        nonRetryable: true,
        details: [{ field: issue.path.join('.') || null, issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) }],
      });
    }
  };
}

/**
 * Records events strictly in order, one batch at a time, so a stream's events reach
 * the read models in sequence. Handlers wait for `recorded(seq)` before they answer,
 * so a caller that got an answer can read it back at once.
 */
export class EventRecorder {
  private recordedSeq: number;
  private busy = false;
  /** The batch an activity is recording now: taken from the outbox, not yet known to be stored. */
  private inFlight: DomainEvent[] = [];

  constructor(
    private readonly outbox: DomainEvent[],
    startSeq: number,
  ) {
    this.recordedSeq = startSeq;
  }

  get pending(): boolean {
    return this.outbox.length > 0;
  }

  /** The seq of the newest event decided so far. */
  private get decidedSeq(): number {
    return this.outbox.length > 0 ? this.outbox[this.outbox.length - 1]!.seq : this.recordedSeq;
  }

  /**
   * Records every event decided before the call. Bounded on purpose: events decided while
   * it runs (a storm of messages decides them faster than it records) wait for the next call.
   */
  async flush(): Promise<void> {
    const target = this.decidedSeq;
    if (this.busy) return condition(() => this.recordedSeq >= target);
    this.busy = true;
    try {
      while (this.recordedSeq < target && this.outbox.length > 0) {
        const batch = (this.inFlight = this.outbox.splice(0, 200));
        await store.recordEvents(batch);
        this.recordedSeq = batch[batch.length - 1]!.seq;
        this.inFlight = [];
      }
    } finally {
      this.busy = false;
    }
  }

  /**
   * Every event up to `seq` not yet known to be recorded, oldest first (the batch being
   * recorded, then the waiting ones): what a caller must store, in this order, to read its
   * own answer back without waiting for the recorder. Empty once `seq` is recorded.
   */
  unrecordedThrough(seq: number, limit = Infinity): DomainEvent[] {
    return this.unrecordedBetween(this.recordedSeq, seq, limit);
  }

  /** The same from `after` on, at most `limit` of them (the first ones): a page of what a caller stores. */
  unrecordedBetween(after: number, through: number, limit = Infinity): DomainEvent[] {
    const from = Math.max(after, this.recordedSeq);
    const out: DomainEvent[] = [];
    if (from >= through) return out;
    for (const batch of [this.inFlight, this.outbox])
      for (const e of batch) {
        if (out.length >= limit) return out;
        if (e.seq > from && e.seq <= through) out.push(e);
      }
    return out;
  }

  /**
   * Flushes until every handler has answered and at most `leave` events are unrecorded:
   * the step before returning (`leave` 0) or continuing as new (the few left are carried).
   */
  async drain(leave = 0): Promise<void> {
    for (;;) {
      await this.flush();
      if (allHandlersFinished() && this.outbox.length <= leave) return;
      await condition(() => allHandlersFinished() || this.pending);
    }
  }

  recorded(seq: number): Promise<void> {
    return condition(() => this.recordedSeq >= seq);
  }
}

/**
 * Bytes of history at which a run continues as new, whatever its length. A run's history is
 * read in pages (the Temporal UI, `fetchHistory`, a worker replaying it), and a client takes
 * at most 4 MiB in one message; the server's own suggestion came too late for that in the
 * storm test once deliveries were coalesced (a district's run reached pages of 4.5 and 6.2 MB
 * that `fetchHistory` could not read). Half of it leaves room for the task that crosses it.
 */
export const HISTORY_BYTES_LIMIT = 2 * 1024 * 1024;

/**
 * Compatibility shims. A run started by older code replays its own history with today's
 * code, so a change of behaviour is kept behind `patched(...)`, and a shape carried through
 * continue-as-new or an activity's answer is read in its older form too. Each shim says from
 * when: it can go once no run started before then is still open, which
 *   temporal workflow list --query 'ExecutionStatus = "Running" AND StartTime < "<that time>"'
 * answers (StartTime is the run's own: a run continued as new since then is new code), and
 * once the recorded histories are made again without it (`npm run record-histories`; a
 * `patched` marker is in them), or its removal becomes a replay failure of `test/replay.test.ts`.
 * A `patched(id)` shim goes in two releases, because a run that recorded its marker cannot
 * replay without the call: first `deprecatePatch(id)` with the new path unconditional (once no
 * run started before the patch is open), then no call at all (once no run started before that
 * release is open). The README's "Shipping a workflow change mid-campaign" has the steps.
 */

/** History length, in events, at which a run continues as new unless its input lowers it (tests do). */
export const DEFAULT_HISTORY_LIMIT = 3000;

/** Continue-as-new before the history gets long, in events (`limit`, lowered by tests) or in bytes. */
export function historyIsLong(limit: number): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= limit || info.historySize >= HISTORY_BYTES_LIMIT;
}
