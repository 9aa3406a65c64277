/**
 * What B2's storm and its baseline share (bench/storm.ts): the picks (seeded, even ones to the
 * branch's district, odd ones to the city), their grouping by branch, the latency join, and when a
 * workflow handled a signal as its history tells it. The history events are shaped as
 * `fetchHistory` gives them (as in bench/histories.test.ts), the signal's argument a payload of the
 * default converter.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { expect, test } from 'vitest';
import type { FlatOrg } from '../domain/generate-tree.js';
import { latenciesAfterReturn, picksByBranch, signalsHandledAt, stormPicks, type Returned } from './storm.js';

const org = (id: string, parentId: string | null, level: FlatOrg['level']): FlatOrg => ({ id, parentId, level, kind: level, name: id });
const orgs: FlatOrg[] = [
  org('c', null, 'city'),
  org('d1', 'c', 'district'),
  org('d2', 'c', 'district'),
  org('u1', 'd1', 'unit'),
  org('u2', 'd2', 'unit'),
  ...['b1', 'b2', 'b3'].map((id) => org(id, 'u1', 'branch')),
  ...['b4', 'b5'].map((id) => org(id, 'u2', 'branch')),
];
const districtOf: Record<string, string> = { b1: 'd1', b2: 'd1', b3: 'd1', b4: 'd2', b5: 'd2' };

test('the picks: the same for the same seed, even ones to the branch’s district, odd ones to the city', () => {
  const picks = stormPicks(orgs, 7, 40);
  expect(stormPicks(orgs, 7, 40)).toEqual(picks);
  expect(picks.map((p) => p.i)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  for (const p of picks) {
    expect(p.branch.level).toBe('branch');
    expect(p.target.id).toBe(p.i % 2 === 0 ? districtOf[p.branch.id] : 'c');
  }
  expect(new Set(picks.map((p) => p.branch.id)).size).toBeGreaterThan(1);
});

test('by branch: every pick once, each branch’s in the order of their numbers', () => {
  const picks = stormPicks(orgs, 7, 40);
  const byBranch = picksByBranch(picks);
  expect([...byBranch.values()].flat().sort((a, b) => a.i - b.i)).toEqual(picks);
  for (const [branchId, mine] of byBranch) {
    expect(mine.every((p) => p.branch.id === branchId)).toBe(true);
    expect(mine.map((p) => p.i)).toEqual([...mine.map((p) => p.i)].sort((a, b) => a - b));
  }
});

test('the latency join: a time seen less its call’s return, by target; ids whose call did not return are left out', () => {
  const returned = new Map<string, Returned>([
    ['e1', { at: 1_000, callMs: 40, target: 'district' }],
    ['e2', { at: 1_500, callMs: 60, target: 'city' }],
  ]);
  expect(
    latenciesAfterReturn(returned, [
      ['e2', 2_100],
      ['e1', 1_250],
      ['e9', 3_000],
    ]),
  ).toEqual([
    { t: 1_500, v: 600, target: 'city' },
    { t: 1_000, v: 250, target: 'district' },
  ]);
});

const at = (ms: number) => ({ seconds: { toString: () => String(Math.floor(ms / 1000)) }, nanos: (ms % 1000) * 1e6 });
const event = (ms: number, type: string, attributes: Record<string, unknown> = {}) => ({ eventTime: at(ms), [`${type}EventAttributes`]: attributes });
const signaled = (ms: number, signalName: string, escalationId: string) =>
  event(ms, 'workflowExecutionSignaled', { signalName, input: { payloads: [defaultPayloadConverter.toPayload({ escalationId })] } });

test('a signal is handled by the first workflow task that completes after it is written; other signals and unhandled ones are left out', () => {
  const history = [
    event(1_000, 'workflowExecutionStarted'),
    event(1_002, 'workflowTaskCompleted'),
    signaled(2_000, 'stormEscalated', 'e1'),
    event(2_001, 'workflowTaskScheduled'),
    // e2 arrives after that task was scheduled, before it started: the same task handles both.
    signaled(2_003, 'stormEscalated', 'e2'),
    event(2_004, 'workflowTaskStarted'),
    event(2_005, 'workflowTaskCompleted'),
    signaled(2_006, 'somethingElse', 'x'),
    event(2_010, 'workflowTaskScheduled'),
    event(2_020, 'workflowTaskCompleted'),
    signaled(3_000, 'stormEscalated', 'e3'),
    event(3_001, 'workflowTaskScheduled'),
  ];
  const handled = signalsHandledAt(history, 'stormEscalated', (arg) => (arg as { escalationId: string }).escalationId);
  expect([...handled]).toEqual([
    ['e1', 2_005],
    ['e2', 2_005],
  ]);
});
