/**
 * Messages between org workflows (下题上答's escalations, notices and joint-part news),
 * sent by an activity in batches rather than as the workflow's own external signals: a
 * district acknowledging ten thousand escalations then adds three history events per
 * batch instead of two per message, and never approaches Temporal's limit of 2,000
 * pending outgoing signals. A forward's message is rebuilt here from the forwarding
 * org's `EscalationReceived` event, so workflow state never holds the text.
 *
 * Delivery is at least once (a retried batch sends some signals again); every receiver
 * ignores a message it already has.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { escalationsReceived } from '../db/event-store.js';
import type { Database } from '../db/schema.js';
import { batchLength, messageFromReceived, type EscalationMessage, type OutgoingSignal } from '../domain/escalation.js';
import { receiveEscalationsUpdate as receiveEscalations } from '../workflows/messages.js';
import type { ActivityDeps } from './deps.js';
import { UpdateCoalescer, type DeliveryOutcome } from './update-coalescer.js';
import { UPDATES_PER_TARGET } from '../config/temporal-server.js';

const CONCURRENCY = 32;
/** Escalations to one target per update: a lapse that forwards thousands at once, or a storm of senders in this process, reaches it in a few updates. */
const PER_UPDATE = 100;
/**
 * Bytes of escalations per update (JSON, UTF-8). An update's messages stay in the target's
 * history, whose runs continue as new at 2 MiB (HISTORY_BYTES_LIMIT in workflows/shared.ts):
 * one update stays a small step past that point, and far from the server's 2 MB payload limit,
 * even when every message carries the longest text a command allows (~12 KB).
 */
const UPDATE_BYTES = 64 * 1024;
/** How long one update may go unanswered before it counts as refused for now (the heartbeat timeout is 60 s). */
const SEND_TIMEOUT_MS = 10_000;
/** How long messages wait for one of those places before they go back to the sender as `busy`. */
const PLACE_WAIT_MS = 2_000;

/** Sends a batch; answers the indexes of the messages whose workflow is not running, and of those whose workflow kept refusing them for now (`busy`, absent in results recorded before it existed). */
export function deliverSignals({ db, client }: ActivityDeps) {
  return async function deliverSignals(signals: OutgoingSignal[]): Promise<{ undelivered: number[]; busy?: number[] }> {
    const stored = await storedMessages(
      db,
      signals.flatMap((s) => (s.fromStore ? [s.fromStore] : [])),
    );
    const messageOf = (s: OutgoingSignal) => {
      if (!s.fromStore) return s.payload;
      return { ...stored.get(`${s.fromStore.streamId} ${s.fromStore.escalationId}`)!, hop: s.fromStore.hop };
    };
    // Each send answers its messages' indexes and its outcome: a signal alone, or the
    // escalations of this batch bound for one target (which may leave with other activities').
    const sends: Array<{ indexes: number[]; run: () => Promise<DeliveryOutcome> }> = [];
    const escalations = new Map<string, number[]>();
    signals.forEach((s, i) => {
      if (s.signal === 'escalationReceived') escalations.set(s.workflowId, [...(escalations.get(s.workflowId) ?? []), i]);
      else sends.push({ indexes: [i], run: () => sendBriefly(() => client.workflow.getHandle(s.workflowId).signal(s.signal, messageOf(s))) });
    });
    const updates = coalescerFor(client);
    for (const [workflowId, indexes] of escalations) {
      const messages = indexes.map((i) => messageOf(signals[i]!) as EscalationMessage);
      const sizes = messages.map((m) => Buffer.byteLength(JSON.stringify(m)));
      for (let k = 0; k < messages.length;) {
        const n = batchLength(sizes, k, PER_UPDATE, UPDATE_BYTES, (size) => size);
        const chunk = messages.slice(k, k + n);
        const bytes = sizes.slice(k, k + n).reduce((a, b) => a + b, 0);
        sends.push({ indexes: indexes.slice(k, k + n), run: () => updates.deliver(workflowId, chunk, bytes) });
        k += n;
      }
    }
    const undelivered: number[] = [];
    const busy: number[] = [];
    // A send can wait on an update other activities' messages went in; the heartbeat does not
    // depend on which. (Its details are not read back: a retried delivery sends the batch again.)
    const context = Context.current();
    const heartbeat = setInterval(() => context.heartbeat(), HEARTBEAT_MS);
    try {
      for (let i = 0; i < sends.length; i += CONCURRENCY) {
        await Promise.all(
          sends.slice(i, i + CONCURRENCY).map(async (send) => {
            const outcome = await send.run();
            if (outcome === 'gone') undelivered.push(...send.indexes);
            if (outcome === 'busy') busy.push(...send.indexes);
          }),
        );
      }
    } finally {
      clearInterval(heartbeat);
    }
    const byIndex = (a: number, b: number) => a - b;
    return { undelivered: undelivered.sort(byIndex), busy: busy.sort(byIndex) };
  };
}

/** The messages escalations arrived with here, read from the events that received them; keyed `<stream> <escalation id>`. */
async function storedMessages(db: Kysely<Database>, refs: Array<{ streamId: string; escalationId: string }>): Promise<Map<string, EscalationMessage>> {
  const found = new Map<string, EscalationMessage>();
  const byStream = new Map<string, string[]>();
  for (const r of refs) byStream.set(r.streamId, [...(byStream.get(r.streamId) ?? []), r.escalationId]);
  for (const [streamId, ids] of byStream) {
    for (const e of await escalationsReceived(db, streamId, ids)) {
      found.set(`${streamId} ${e.escalationId}`, messageFromReceived(e, e.hop));
    }
  }
  const missing = refs.find((r) => !found.has(`${r.streamId} ${r.escalationId}`));
  // The workflow records its events before it asks; a miss is a fault to retry, not to skip.
  if (missing) throw ApplicationFailure.retryable(`no EscalationReceived event for ${missing.escalationId} in ${missing.streamId}`, 'EscalationNotRecorded');
  return found;
}

/** One escalation's message as this org received it, for a claim that makes a new item of it. */
export function loadEscalation({ db }: Pick<ActivityDeps, 'db'>) {
  return async function loadEscalation(input: { streamId: string; escalationId: string }): Promise<EscalationMessage> {
    const found = await storedMessages(db, [input]);
    return found.get(`${input.streamId} ${input.escalationId}`)!;
  };
}

const HEARTBEAT_MS = 5_000;

/**
 * One coalescer per client, shared by every delivery activity of the process (the worker has
 * one client; a test harness may build several workers, each on its own).
 */
const coalescers = new WeakMap<ActivityDeps['client'], UpdateCoalescer<EscalationMessage>>();
function coalescerFor(client: ActivityDeps['client']): UpdateCoalescer<EscalationMessage> {
  let coalescer = coalescers.get(client);
  if (!coalescer) {
    coalescer = new UpdateCoalescer<EscalationMessage>({
      // 4 per process; the server's limit is raised in every launcher to admit several processes' (config/temporal-server.ts).
      limit: UPDATES_PER_TARGET,
      maxPerUpdate: PER_UPDATE,
      maxBytes: UPDATE_BYTES,
      waitMs: PLACE_WAIT_MS,
      // Bounded: an update can stay unanswered (its target's task failing, or a run that
      // continued as new around it), and an activity waiting on it would hold a worker slot.
      send: (workflowId, messages) =>
        sendBriefly(() =>
          client.withAbortSignal(AbortSignal.timeout(SEND_TIMEOUT_MS), () =>
            client.workflow.getHandle(workflowId).executeUpdate(receiveEscalations, { args: [messages] }),
          ),
        ),
    });
    coalescers.set(client, coalescer);
  }
  return coalescer;
}

/**
 * Sends one signal or update, retrying for a moment what the server turns back (a workflow busy
 * with its maximum of in-flight updates, continuing as new, or with a failed workflow
 * task). Answers `gone` when the target workflow does not exist (or has finished), and
 * `busy` when it still refuses after ~2 s: the sender keeps the message and tries again
 * later. Waiting longer here would hold a worker's activity slot, and in a storm every slot
 * would be held by deliveries waiting on one target while that target waits for a slot to
 * record its events before it continues as new (seen in test/faults/worker-kill.test.ts).
 */
async function sendBriefly(send: () => Promise<unknown>): Promise<DeliveryOutcome> {
  for (let attempt = 0; ; attempt++) {
    try {
      await send();
      return 'sent';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return 'gone';
      if (attempt >= 3) return 'busy';
      await sleep(150 * 2 ** attempt * (0.5 + Math.random()));
    }
  }
}
