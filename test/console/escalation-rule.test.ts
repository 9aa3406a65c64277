/**
 * The escalations screen's pure rules (console/src/escalation-rule.ts): an escalation's
 * colour while it waits for a claim, which ledger items may be raised and to which levels,
 * the chain's steps and the API's refusals in words.
 */
import { describe, expect, test } from 'vitest';
import { canRaise, escalationColour, levelsAbove, refusalZh, stepZh } from '../../console/src/escalation-rule.js';

const DAY = 86_400_000;
const now = Date.parse('2026-12-06T04:00:00Z');
const waiting = (deadlineInDays: number, overdue: string | null = null) => ({
  target_status: 'pending',
  claim_deadline: new Date(now + deadlineInDays * DAY).toISOString(),
  overdue_at: overdue,
});

describe('an escalation’s colour while it waits for a claim (the ledger’s deadline rule)', () => {
  test('green before the warning, yellow within warningDays, red once the deadline has passed or it is red at the top', () => {
    expect(escalationColour(waiting(5), now, 3)).toBe('green');
    expect(escalationColour(waiting(3), now, 3)).toBe('yellow');
    expect(escalationColour(waiting(0.5), now, 3)).toBe('yellow');
    expect(escalationColour(waiting(0), now, 3)).toBe('red');
    expect(escalationColour(waiting(-1), now, 3)).toBe('red');
    expect(escalationColour(waiting(5, '2026-12-01T00:00:00Z'), now, 3)).toBe('red');
  });
  test('no colour once it no longer waits here', () => {
    expect(escalationColour({ ...waiting(-1, '2026-12-01T00:00:00Z'), target_status: 'claimed' }, now, 3)).toBeNull();
    expect(escalationColour({ ...waiting(5), target_status: 'forwarded' }, now, 3)).toBeNull();
  });
});

describe('raising', () => {
  test('only open items not claimed from below and not raised before', () => {
    const item = (problem_id: string, status: string, source = 'self_inspection') => ({ problem_id, status, source });
    const raised = new Set(['p-raised']);
    expect(['found', 'planned', 'in_progress', 'rectified', 'closed'].map((s) => canRaise(item('p', s), raised))).toEqual([true, true, true, false, false]);
    expect(canRaise(item('p', 'found', 'escalation'), raised)).toBe(false);
    expect(canRaise(item('p-raised', 'found'), raised)).toBe(false);
  });
  test('to the levels above, nearest first', () => {
    expect(levelsAbove('branch')).toEqual(['unit', 'district', 'city']);
    expect(levelsAbove('district')).toEqual(['city']);
    expect(levelsAbove('city')).toEqual([]);
  });
});

describe('words', () => {
  test('each step of the chain', () => {
    expect(['raised', 'received', 'forwarded', 'lapsed', 'overdue', 'claimed', 'merged', 'origin heard: claimed'].map(stepZh)).toEqual([
      '上报',
      '收到',
      '转报上级',
      '认领期限已过，自动转报上级',
      '认领期限已过（本次活动最高层级，标红待认领）',
      '认领为本级新问题',
      '合并认领（并入本级已有问题）',
      '上报方收到回告：已被认领',
    ]);
  });
  test('the API’s refusals, in plain words', () => {
    expect(refusalZh({ status: 409, message: 'tj is the top of the campaign: claim it here' })).toMatch(/最高层级/);
    expect(refusalZh({ status: 409, message: 'escalation x#p was claimed', currentStatus: 'claimed' })).toBe('该上报已被认领，不能再这样办理。');
    expect(refusalZh({ status: 409, message: 'problem p is rectified; cannot escalate (next: verify)', currentStatus: 'rectified' })).toMatch(
      /当前状态不能上报/,
    );
    expect(refusalZh({ status: 422, message: 'tj-d1 has no ancestor at level unit', fields: { targetLevel: 'no ancestor at this level' } })).toBe(
      '本组织没有该层级的上级。',
    );
    expect(refusalZh({ status: 400, message: 'body.reason: Too small', fields: { reason: 'Too small' } })).toBe('请填写理由（不能只有空格）。');
    expect(refusalZh({ status: 403, message: 'a secretary of tj-d1 acts on its own org only' })).toMatch(/无权/);
  });
});
