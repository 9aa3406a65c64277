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
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { messageFromReceived, type EscalationMessage, type OutgoingSignal } from '../domain/escalation.js';
import type { DomainEvent } from '../domain/events.js';
import { receiveEscalationsUpdate as receiveEscalations } from '../workflows/messages.js';
import type { ActivityDeps } from './index.js';
import { KeyedGate } from './keyed-gate.js';

const CONCURRENCY = 32;
/** Escalations to one target per update: a lapse that forwards thousands at once sends them in a few updates. */
const PER_UPDATE = 100;
/** How long one update may go unanswered before it counts as refused for now (the heartbeat timeout is 60 s). */
const SEND_TIMEOUT_MS = 10_000;
/**
 * Updates this process keeps in flight to one target workflow. The server admits at most
 * 10 (`history.maxInFlightUpdates`), and going past it is not cheap. Measured on the dev
 * server (test/cross-level/escalation-storm.test.ts, 64 senders into one district): the
 * refusals ("limit on number of concurrent in-flight updates has been reached") came with
 * updates aborted by the server ("workflow update was aborted", its registry cleared),
 * speculative workflow tasks lost ("Task not found when completing") and the run evicted
 * and replayed, over and over; 10,000 escalations took 6 to 30+ minutes. With at most 8
 * in flight: 100 s, and no task lost. Four per process leaves room for two worker
 * processes sending to the same target; more workers than that want a higher server limit.
 */
const UPDATES_PER_TARGET = 4;
/** How long a send waits for one of those places before its messages go back to the sender as `busy`. */
const PLACE_WAIT_MS = 2_000;

/** One send: a signal, or an update carrying every escalation of the batch bound for one target. */
interface Send {
  workflowId: string;
  indexes: number[];
  run: () => Promise<unknown>;
  /** An update: counts against {@link UPDATES_PER_TARGET}. */
  limited?: boolean;
}

/** Sends a batch; answers the indexes of the messages whose workflow is not running, and of those whose workflow kept refusing them for now (`busy`, absent in results recorded before it existed). */
export function deliverSignals({ db, client }: ActivityDeps) {
  return async function deliverSignals(signals: OutgoingSignal[]): Promise<{ undelivered: number[]; busy?: number[] }> {
    const stored = await storedMessages(db, signals.flatMap((s) => (s.fromStore ? [s.fromStore] : [])));
    const messageOf = (s: OutgoingSignal) => {
      if (!s.fromStore) return s.payload;
      return { ...stored.get(`${s.fromStore.streamId} ${s.fromStore.escalationId}`)!, hop: s.fromStore.hop };
    };
    const sends: Send[] = [];
    const escalations = new Map<string, number[]>();
    signals.forEach((s, i) => {
      if (s.signal === 'escalationReceived') escalations.set(s.workflowId, [...(escalations.get(s.workflowId) ?? []), i]);
      else sends.push({ workflowId: s.workflowId, indexes: [i], run: () => client.workflow.getHandle(s.workflowId).signal(s.signal, messageOf(s)) });
    });
    for (const [workflowId, indexes] of escalations) {
      for (let k = 0; k < indexes.length; k += PER_UPDATE) {
        const chunk = indexes.slice(k, k + PER_UPDATE);
        const messages = chunk.map((i) => messageOf(signals[i]!) as EscalationMessage);
        // Bounded: an update can stay unanswered (its target's task failing, or a run that
        // continued as new around it), and an activity waiting on it would hold a worker slot.
        const update = () => client.withAbortSignal(AbortSignal.timeout(SEND_TIMEOUT_MS), () => client.workflow.getHandle(workflowId).executeUpdate(receiveEscalations, { args: [messages] }));
        sends.push({ workflowId, indexes: chunk, run: update, limited: true });
      }
    }
    const undelivered: number[] = [];
    const busy: number[] = [];
    for (let i = 0; i < sends.length; i += CONCURRENCY) {
      await Promise.all(
        sends.slice(i, i + CONCURRENCY).map(async (send) => {
          const outcome = send.limited ? await updateGates.within(send.workflowId, PLACE_WAIT_MS, () => sendBriefly(send.run)) : await sendBriefly(send.run);
          if (outcome === 'gone') undelivered.push(...send.indexes);
          if (outcome === 'busy') busy.push(...send.indexes);
        }),
      );
      Context.current().heartbeat(i);
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
    const rows = await db
      .selectFrom('events')
      .select('payload')
      .where('stream_id', '=', streamId)
      .where('type', '=', 'EscalationReceived')
      .where(sql<string>`payload->>'escalationId'`, 'in', ids)
      .execute();
    for (const row of rows) {
      const e = row.payload as Extract<DomainEvent, { type: 'EscalationReceived' }>;
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

/** One gate for the whole process: every delivery activity running in it shares the places. */
const updateGates = new KeyedGate(UPDATES_PER_TARGET);

/**
 * Sends one message, retrying for a moment what the server turns back (a workflow busy
 * with its maximum of in-flight updates, continuing as new, or with a failed workflow
 * task). Answers `gone` when the target workflow does not exist (or has finished), and
 * `busy` when it still refuses after ~2 s: the sender keeps the message and tries again
 * later. Waiting longer here would hold a worker's activity slot, and in a storm every slot
 * would be held by deliveries waiting on one target while that target waits for a slot to
 * record its events before it continues as new (seen in test/faults/worker-kill.test.ts).
 */
async function sendBriefly(send: () => Promise<unknown>): Promise<'sent' | 'gone' | 'busy'> {
  for (let attempt = 0; ; attempt++) {
    try {
      await send();
      return 'sent';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return 'gone';
      if (attempt >= 3) return 'busy';
      Context.current().heartbeat();
      await sleep(150 * 2 ** attempt * (0.5 + Math.random()));
    }
  }
}
