/**
 * The baseline of B2's escalation storm: the least Temporal pays for the same exchange, so the
 * engine's storm can be read as a ratio of what the server and this machine allow.
 *
 * - An origin workflow (one per branch picked) takes two updates, each answered in the workflow
 *   task that accepted it: `stormRecord` notes the problem; `stormEscalate` gives the escalation an
 *   id and signals the target with it and the origin's workflow id. The signal goes out as a
 *   command of that same task; the answer does not wait for it to be delivered (as the engine's
 *   escalate answers once the origin has decided, and its relay follows).
 * - A target workflow (one per district, one for the city) handles that signal by signalling the
 *   origin back: the acknowledgement. The origin's handler notes it.
 * No activity, no validation, no event store, no report to a parent: 2 updates + 2 signals per
 * escalation.
 *
 * When the target took an escalation in, and when the origin noted its acknowledgement, is read
 * afterwards from their histories (bench/baseline/storm.ts): the completion time of the workflow
 * task that ran the signal's handler, on the server's clock (this machine's, as the harness's and
 * PostgreSQL's the engine's figures use). Polling a query instead (17 targets every 250 ms) would
 * put ~70 query round trips a second through the same worker during the storm, which the engine's
 * storm does not pay, and would read each time only to 250 ms; the histories cost nothing during
 * the storm and are exact. The queries below only tell the harness when every escalation has been
 * received and acknowledged, so it knows when to read the histories.
 */
import {
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  setHandler,
  workflowInfo,
  type SignalDefinition,
} from '@temporalio/workflow';

export interface StormEscalated {
  escalationId: string;
  originWorkflowId: string;
}
export interface StormAcknowledged {
  escalationId: string;
}
/** What a storm workflow has seen so far, for the harness's wait. */
export interface StormCounts {
  escalated: number;
  received: number;
  acknowledged: number;
  /** Outgoing signals the server refused (the target or origin not found): each is a lost message. */
  signalsFailed: number;
}

export const stormRecordUpdate = defineUpdate<string, [{ problemId: string }]>('stormRecord');
export const stormEscalateUpdate = defineUpdate<{ escalationId: string }, [{ problemId: string; targetWorkflowId: string }]>('stormEscalate');
export const stormEscalatedSignal = defineSignal<[StormEscalated]>('stormEscalated');
export const stormAcknowledgedSignal = defineSignal<[StormAcknowledged]>('stormAcknowledged');
export const stormCountsQuery = defineQuery<StormCounts>('stormCounts');

function countsHandlers(): StormCounts {
  const counts: StormCounts = { escalated: 0, received: 0, acknowledged: 0, signalsFailed: 0 };
  setHandler(stormCountsQuery, () => counts);
  return counts;
}

/** Sends a signal without waiting for its delivery; a refusal is counted, not thrown. */
function signalLater<T>(counts: StormCounts, workflowId: string, signal: SignalDefinition<[T]>, arg: T): void {
  getExternalWorkflowHandle(workflowId)
    .signal(signal, arg)
    .catch(() => {
      counts.signalsFailed += 1;
    });
}

export async function stormOriginWorkflow(): Promise<void> {
  const counts = countsHandlers();
  const problems = new Set<string>();
  setHandler(stormRecordUpdate, ({ problemId }) => {
    problems.add(problemId);
    return problemId;
  });
  setHandler(stormEscalateUpdate, ({ problemId, targetWorkflowId }) => {
    counts.escalated += 1;
    const escalationId = `${workflowInfo().workflowId}#${counts.escalated}:${problemId}`;
    signalLater(counts, targetWorkflowId, stormEscalatedSignal, { escalationId, originWorkflowId: workflowInfo().workflowId });
    return { escalationId };
  });
  setHandler(stormAcknowledgedSignal, () => {
    counts.acknowledged += 1;
  });
  await condition(() => false);
}

export async function stormTargetWorkflow(): Promise<void> {
  const counts = countsHandlers();
  setHandler(stormEscalatedSignal, ({ escalationId, originWorkflowId }) => {
    counts.received += 1;
    signalLater(counts, originWorkflowId, stormAcknowledgedSignal, { escalationId });
  });
  await condition(() => false);
}
