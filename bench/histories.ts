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
 *
 * The same histories give the cost of what a scenario asked (`HistoryCost`): how many workflow
 * tasks, activity tasks, local activities and events the engine paid, counted from the events
 * themselves (not from the worker's or the server's metrics, which mix in retries and polls),
 * either over whole histories (the cascade: per org) or over the events whose time falls in a
 * phase's window (a storm, a directive, the secretaries' commands: per command). Counts from
 * histories do not depend on the machine's load; latencies do.
 */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { monitor, say } from './live.js';
import { percentile, pool, round2 } from './stats.js';

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
  /** What every run cost over its whole history. */
  cost: HistoryCost;
}

type HistoryEvent = Record<string, unknown>;
type Run = { workflowId: string; runId: string; open: boolean; continued: boolean };

async function listRuns(client: Client, query: string): Promise<Run[]> {
  const runs: Run[] = [];
  for await (const wf of client.workflow.list({ query })) {
    runs.push({ workflowId: wf.workflowId, runId: wf.runId, open: wf.status.name === 'RUNNING', continued: wf.status.name === 'CONTINUED_AS_NEW' });
  }
  return runs;
}

/** Scans every run the visibility `query` lists; `onProgress(done, total)` for the live line. */
export async function scanHistories(client: Client, query: string, onProgress?: (done: number, total: number) => void): Promise<HistoryStats> {
  const runs = await listRuns(client, query);
  const cost = emptyCost();
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
    addCost(cost, events);
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
    cost,
  };
}

/** What the events of some runs (all of them, or those in a window) cost. */
export interface HistoryCost {
  /** Runs with at least one event counted. */
  runs: number;
  events: number;
  /** The events' size as the server stores them (protobuf-encoded), what a run carries toward its limits. */
  historyBytes: number;
  /** WorkflowTaskCompleted: each is one round trip of a workflow task through the task queue and the worker. */
  workflowTasks: number;
  /** WorkflowTaskFailed and WorkflowTaskTimedOut (each one more task to run again). */
  workflowTasksFailedOrTimedOut: number;
  /** ActivityTaskScheduled: each is one activity task through the task queue (its retries are not in history). */
  activityTasks: number;
  /** MarkerRecorded `core_local_activity`: activities run inside the workflow task's worker, no task-queue round trip. */
  localActivities: number;
  updatesAccepted: number;
  signalsReceived: number;
  signalsSent: number;
  childrenStarted: number;
  timersStarted: number;
  /** Activity tasks by activity type. */
  activitiesByType: Record<string, number>;
  /** Every event by its type (`WorkflowTaskScheduled`, `ActivityTaskCompleted`, …). */
  eventsByType: Record<string, number>;
  /** `historyBytes` by event type: which events carry the bytes. */
  historyBytesByType: Record<string, number>;
}

export function emptyCost(): HistoryCost {
  return {
    runs: 0,
    events: 0,
    historyBytes: 0,
    workflowTasks: 0,
    workflowTasksFailedOrTimedOut: 0,
    activityTasks: 0,
    localActivities: 0,
    updatesAccepted: 0,
    signalsReceived: 0,
    signalsSent: 0,
    childrenStarted: 0,
    timersStarted: 0,
    activitiesByType: {},
    eventsByType: {},
    historyBytesByType: {},
  };
}

/** The event's time in ms since the epoch (the server's clock, the same machine's as the harness). */
export function eventTimeMs(event: { eventTime?: unknown }): number {
  const ts = event.eventTime as { seconds?: { toString(): string } | number | null; nanos?: number | null } | null | undefined;
  return Number(String(ts?.seconds ?? 0)) * 1000 + (ts?.nanos ?? 0) / 1e6;
}

/** The event's type from its attributes' key: `workflowTaskCompletedEventAttributes` → `WorkflowTaskCompleted`. */
export function eventType(event: HistoryEvent): string {
  const key = Object.keys(event).find((k) => k.endsWith('EventAttributes') && event[k]);
  return key ? key[0]!.toUpperCase() + key.slice(1, -'EventAttributes'.length) : 'Unknown';
}

// A CommonJS package: its namespace comes through the default import under Node's ESM loader (tsx), not as a named one.
const { HistoryEvent } = proto.temporal.api.history.v1;

const TALLIES: Partial<Record<string, keyof HistoryCost>> = {
  WorkflowTaskCompleted: 'workflowTasks',
  WorkflowTaskFailed: 'workflowTasksFailedOrTimedOut',
  WorkflowTaskTimedOut: 'workflowTasksFailedOrTimedOut',
  ActivityTaskScheduled: 'activityTasks',
  WorkflowExecutionUpdateAccepted: 'updatesAccepted',
  WorkflowExecutionSignaled: 'signalsReceived',
  SignalExternalWorkflowExecutionInitiated: 'signalsSent',
  StartChildWorkflowExecutionInitiated: 'childrenStarted',
  TimerStarted: 'timersStarted',
};

/** Adds one run's events (those at `window.from` ≤ time ≤ `window.to`, or all) to `cost`. */
export function addCost(cost: HistoryCost, events: readonly HistoryEvent[], window?: { from: number; to: number }): void {
  let counted = 0;
  for (const event of events) {
    if (window) {
      const t = eventTimeMs(event);
      if (t < window.from || t > window.to) continue;
    }
    counted += 1;
    const bytes = HistoryEvent.encode(event).finish().length;
    const type = eventType(event);
    cost.historyBytes += bytes;
    cost.historyBytesByType[type] = (cost.historyBytesByType[type] ?? 0) + bytes;
    cost.eventsByType[type] = (cost.eventsByType[type] ?? 0) + 1;
    const tally = TALLIES[type];
    if (tally) (cost[tally] as number) += 1;
    if (type === 'ActivityTaskScheduled') {
      const name = (event.activityTaskScheduledEventAttributes as { activityType?: { name?: string | null } | null }).activityType?.name ?? '?';
      cost.activitiesByType[name] = (cost.activitiesByType[name] ?? 0) + 1;
    }
    if (type === 'MarkerRecorded' && (event.markerRecordedEventAttributes as { markerName?: string | null }).markerName === 'core_local_activity') {
      cost.localActivities += 1;
    }
  }
  cost.events += counted;
  if (counted) cost.runs += 1;
}

/**
 * How long a phase's window stays open after its last figure was seen: the progress reports
 * its commands caused climb the tree debounced (`progressReportSeconds`, 1 s in the benches,
 * per level), and what they cost belongs to the phase.
 */
export const COST_SETTLE_MS = 5000;

/** A phase's cost as it goes into a result: the totals, and per unit (an org, a command, an escalation). */
export interface PhaseCost {
  unit: string;
  units: number;
  /** The window, ISO times (absent: whole histories). */
  window: { from: string; to: string } | null;
  perUnit: {
    workflowTasks: number;
    activityTasks: number;
    localActivities: number;
    events: number;
    historyBytes: number;
    activitiesByType: Record<string, number>;
  };
  totals: HistoryCost;
  /** The part of `totals` at the workflows the commands were sent to (see `scanCost`). */
  atCommanded?: HistoryCost;
  /** One commanded workflow's event types in the window, in order (the first 60). */
  sample?: { workflowId: string; events: string[] } | null;
}

export function phaseCost(totals: HistoryCost, unit: string, units: number, window?: { from: number; to: number }): PhaseCost {
  const per = (n: number) => (units > 0 ? round2(n / units) : Number.NaN);
  return {
    unit,
    units,
    window: window ? { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString() } : null,
    perUnit: {
      workflowTasks: per(totals.workflowTasks),
      activityTasks: per(totals.activityTasks),
      localActivities: per(totals.localActivities),
      events: per(totals.events),
      historyBytes: Math.round(per(totals.historyBytes)),
      activitiesByType: Object.fromEntries(Object.entries(totals.activitiesByType).map(([k, v]) => [k, per(v)])),
    },
    totals,
  };
}

/** One line for the live log: `per command: 3.1 workflow tasks, 2.0 activity tasks, …`. */
export function describeCost(label: string, cost: PhaseCost): string {
  const p = cost.perUnit;
  const acts = Object.entries(p.activitiesByType)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return (
    `${label}: per ${cost.unit} (${cost.units}): ${p.workflowTasks} workflow tasks, ${p.activityTasks} activity tasks` +
    `${acts ? ` (${acts})` : ''}, ${p.localActivities} local activities, ${p.events} history events (${p.historyBytes} bytes)`
  );
}

/**
 * Reads every run the visibility `query` lists and counts the events in `window` (ms since the
 * epoch; all of them without one): what a phase cost, whichever workflows it touched. Shows
 * progress on the live line and the cost per unit when done.
 *
 * `commanded`, when given, names the workflows the commands were sent to: their events are
 * also counted apart (`atCommanded`; the rest, what the commands caused elsewhere — reports
 * climbing, deliveries — is the difference), and the event types of the first of them in the
 * window, in order, are kept as `sample` (what one command costs where it lands).
 */
export async function scanCost(
  client: Client,
  query: string,
  unit: string,
  units: number,
  window?: { from: number; to: number },
  commanded?: ReadonlySet<string>,
): Promise<PhaseCost> {
  const runs = await listRuns(client, query);
  const totals = emptyCost();
  const atCommanded = emptyCost();
  let sample: { workflowId: string; events: string[] } | null = null;
  let done = 0;
  const m = monitor('cost', Date.now(), async () => ({ scanned: done, runs: runs.length }));
  try {
    await pool(runs, 16, async (run) => {
      const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
      const events = (history.events ?? []) as HistoryEvent[];
      addCost(totals, events, window);
      if (commanded?.has(run.workflowId)) {
        addCost(atCommanded, events, window);
        if (!sample) {
          const inWindow = window ? events.filter((e) => eventTimeMs(e) >= window.from && eventTimeMs(e) <= window.to) : events;
          sample = { workflowId: run.workflowId, events: inWindow.slice(0, 60).map(eventType) };
        }
      }
      done += 1;
    });
  } finally {
    await m.stop();
  }
  const cost: PhaseCost = { ...phaseCost(totals, unit, units, window), ...(commanded ? { atCommanded, sample } : {}) };
  say(describeCost('cost', cost));
  if (commanded) say(describeCost('  of which at the workflows commanded', phaseCost(atCommanded, unit, units)));
  return cost;
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
