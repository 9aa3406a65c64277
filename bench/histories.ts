/**
 * What the cascade did to Temporal's histories: the length of every run of every
 * workflow of the campaign, and the peaks of what a workflow had in flight.
 *
 * Temporal caps a run at 51,200 events and, per execution, 2,000 pending children,
 * activities and outgoing signals; a design that scales is one whose histories stay far
 * below that however big the tree. `describe` only shows the present (a finished cascade
 * has nothing pending), so the peaks are recomputed from each run's full history: an
 * `…Initiated` / `…Scheduled` event opens one, its outcome event closes it, and the
 * largest number open at once is the peak. Every run counts, including the ones that
 * continued as new — those are found through the visibility list, which keeps closed runs.
 */
import type { Client } from '@temporalio/client';
import { percentile, pool } from './stats.js';

export interface HistoryStats {
  /** Runs looked at (open and closed, every run of every workflow). */
  runs: number;
  workflows: number;
  /** Runs that ended by continuing as new. */
  continuedAsNew: number;
  maxHistoryEvents: number;
  p99HistoryEvents: number;
  p50HistoryEvents: number;
  /** Which run was the longest. */
  longest: { workflowId: string; runId: string; events: number } | null;
  peakPendingChildren: number;
  /** Outgoing signals (SignalExternalWorkflowExecution) in flight at once in one run. */
  peakPendingSignals: number;
  peakPendingActivities: number;
  /** Most signals one run received. */
  maxSignalsReceived: number;
  /** Largest `pendingChildren` that `describe` shows for an open run, after the phase. */
  pendingChildrenAtEnd: number;
}

type HistoryEvent = Record<string, unknown>;

/** Scans every run the visibility `query` lists; `onProgress(done, total)` for the live line. */
export async function scanHistories(client: Client, query: string, onProgress?: (done: number, total: number) => void): Promise<HistoryStats> {
  const runs: Array<{ workflowId: string; runId: string; open: boolean; continued: boolean }> = [];
  for await (const wf of client.workflow.list({ query })) {
    runs.push({ workflowId: wf.workflowId, runId: wf.runId, open: wf.status.name === 'RUNNING', continued: wf.status.name === 'CONTINUED_AS_NEW' });
  }
  const lengths: number[] = [];
  let longest: HistoryStats['longest'] = null;
  let peakChildren = 0;
  let peakSignals = 0;
  let peakActivities = 0;
  let maxSignalsReceived = 0;
  let pendingChildrenAtEnd = 0;
  let done = 0;
  await pool(runs, 16, async (run) => {
    const handle = client.workflow.getHandle(run.workflowId, run.runId);
    const history = await handle.fetchHistory();
    const events = (history.events ?? []) as HistoryEvent[];
    lengths.push(events.length);
    if (!longest || events.length > longest.events) longest = { workflowId: run.workflowId, runId: run.runId, events: events.length };
    const peaks = peaksOf(events);
    peakChildren = Math.max(peakChildren, peaks.children);
    peakSignals = Math.max(peakSignals, peaks.signals);
    peakActivities = Math.max(peakActivities, peaks.activities);
    maxSignalsReceived = Math.max(maxSignalsReceived, peaks.signalsReceived);
    if (run.open) {
      const described = await handle.describe();
      pendingChildrenAtEnd = Math.max(pendingChildrenAtEnd, described.raw.pendingChildren?.length ?? 0);
    }
    done += 1;
    onProgress?.(done, runs.length);
  });
  return {
    runs: runs.length,
    workflows: new Set(runs.map((r) => r.workflowId)).size,
    continuedAsNew: runs.filter((r) => r.continued).length,
    maxHistoryEvents: lengths.length ? Math.max(...lengths) : 0,
    p99HistoryEvents: lengths.length ? percentile(lengths, 99) : 0,
    p50HistoryEvents: lengths.length ? percentile(lengths, 50) : 0,
    longest,
    peakPendingChildren: peakChildren,
    peakPendingSignals: peakSignals,
    peakPendingActivities: peakActivities,
    maxSignalsReceived,
    pendingChildrenAtEnd,
  };
}

const OPENS: Record<string, 'children' | 'signals' | 'activities'> = {
  startChildWorkflowExecutionInitiatedEventAttributes: 'children',
  signalExternalWorkflowExecutionInitiatedEventAttributes: 'signals',
  activityTaskScheduledEventAttributes: 'activities',
};
const CLOSES: Record<string, 'children' | 'signals' | 'activities'> = {
  startChildWorkflowExecutionFailedEventAttributes: 'children',
  childWorkflowExecutionCompletedEventAttributes: 'children',
  childWorkflowExecutionFailedEventAttributes: 'children',
  childWorkflowExecutionCanceledEventAttributes: 'children',
  childWorkflowExecutionTimedOutEventAttributes: 'children',
  childWorkflowExecutionTerminatedEventAttributes: 'children',
  externalWorkflowExecutionSignaledEventAttributes: 'signals',
  signalExternalWorkflowExecutionFailedEventAttributes: 'signals',
  activityTaskCompletedEventAttributes: 'activities',
  activityTaskFailedEventAttributes: 'activities',
  activityTaskTimedOutEventAttributes: 'activities',
  activityTaskCanceledEventAttributes: 'activities',
};

/** Largest number of children, outgoing signals and activities open at once in one run's history. */
export function peaksOf(events: readonly HistoryEvent[]): { children: number; signals: number; activities: number; signalsReceived: number } {
  const open = { children: 0, signals: 0, activities: 0 };
  const peak = { children: 0, signals: 0, activities: 0 };
  let signalsReceived = 0;
  for (const event of events) {
    for (const [key, kind] of Object.entries(OPENS)) {
      if (event[key]) {
        open[kind] += 1;
        peak[kind] = Math.max(peak[kind], open[kind]);
      }
    }
    for (const [key, kind] of Object.entries(CLOSES)) if (event[key]) open[kind] -= 1;
    if (event.workflowExecutionSignaledEventAttributes) signalsReceived += 1;
  }
  return { ...peak, signalsReceived };
}
