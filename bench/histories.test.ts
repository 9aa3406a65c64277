/**
 * The cost counted from a history (bench/histories.ts `addCost`): which events are workflow
 * tasks, activity tasks and local activities, and that a window keeps only the events in it.
 * The events are shaped as `fetchHistory` gives them (one `…EventAttributes` key set, the
 * time a protobuf Timestamp whose seconds are a Long, stood in for by its `toString`).
 */
import { expect, test } from 'vitest';
import { addCost, emptyCost, phaseCost } from './histories.js';

/** A Long as protobufjs gives it is read through its decimal `toString()`, as here. */
const at = (ms: number) => ({ seconds: { toString: () => String(Math.floor(ms / 1000)) }, nanos: (ms % 1000) * 1e6 });
const event = (ms: number, type: string, attributes: Record<string, unknown> = {}) => ({ eventTime: at(ms), [`${type}EventAttributes`]: attributes });

/** One update answered after one workflow task, then an activity and a local activity. */
const history = [
  event(1_000, 'workflowExecutionStarted'),
  event(1_000, 'workflowTaskScheduled'),
  event(1_001, 'workflowTaskStarted'),
  event(1_002, 'workflowTaskCompleted'),
  event(5_000, 'workflowTaskScheduled'),
  event(5_001, 'workflowTaskStarted'),
  event(5_002, 'workflowTaskCompleted'),
  event(5_002, 'workflowExecutionUpdateAccepted'),
  event(5_002, 'workflowExecutionUpdateCompleted'),
  event(5_002, 'activityTaskScheduled', { activityType: { name: 'recordEvents' } }),
  event(5_003, 'markerRecorded', { markerName: 'core_local_activity' }),
  event(5_500, 'activityTaskStarted'),
  event(5_600, 'activityTaskCompleted'),
];

test('a whole history: every workflow task, activity task, local activity and event', () => {
  const cost = emptyCost();
  addCost(cost, history);
  expect(cost).toMatchObject({ runs: 1, events: 13, workflowTasks: 2, activityTasks: 1, localActivities: 1, updatesAccepted: 1 });
  expect(cost.activitiesByType).toEqual({ recordEvents: 1 });
  expect(cost.eventsByType).toMatchObject({ WorkflowTaskCompleted: 2, MarkerRecorded: 1, WorkflowExecutionStarted: 1 });
});

test('a window counts only its events, and a run with none in it is not counted', () => {
  const cost = emptyCost();
  addCost(cost, history, { from: 4_000, to: 5_002 });
  addCost(cost, history, { from: 9_000, to: 10_000 });
  expect(cost).toMatchObject({ runs: 1, events: 6, workflowTasks: 1, activityTasks: 1, localActivities: 0, updatesAccepted: 1 });
});

test('per unit: the totals divided by the units, activities by type too', () => {
  const cost = emptyCost();
  addCost(cost, history);
  addCost(cost, history);
  const phase = phaseCost(cost, 'command', 4);
  expect(phase.perUnit).toMatchObject({ workflowTasks: 1, activityTasks: 0.5, localActivities: 0.5, events: 6.5, activitiesByType: { recordEvents: 0.5 } });
  expect(phase.perUnit.historyBytes).toBe(Math.round(cost.historyBytes / 4));
  expect(phase.window).toBeNull();
});

test('bytes: an event counts what it carries, as the server stores it', () => {
  const answer = (data: Uint8Array) =>
    event(5_002, 'workflowExecutionUpdateCompleted', {
      outcome: { success: { payloads: [{ metadata: { encoding: new TextEncoder().encode('json/plain') }, data }] } },
    });
  const small = emptyCost();
  addCost(small, [answer(new Uint8Array(10))]);
  const big = emptyCost();
  addCost(big, [answer(new Uint8Array(1_010))]);
  expect(small.historyBytes).toBeGreaterThan(10);
  // 1,000 bytes more data: 1,000 more bytes, and a byte or two more for the longer length prefixes.
  expect(big.historyBytes - small.historyBytes).toBeGreaterThanOrEqual(1_000);
  expect(big.historyBytes - small.historyBytes).toBeLessThanOrEqual(1_006);
  expect(big.historyBytesByType).toEqual({ WorkflowExecutionUpdateCompleted: big.historyBytes });
});
