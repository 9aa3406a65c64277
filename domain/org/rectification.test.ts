import { describe, expect, test } from 'vitest';
import { Rules } from '../campaign.js';
import type { OrgNode } from '../org-node.js';
import { by, DAY, NOW, quiet, rejects, taken, types } from './test-support.js';

const inspector = { by: 'inspector:7', verifierRole: 'inspector', verifierOrgId: 'tj' };
const DEADLINE = Date.parse('2019-10-10T23:59:59.999+08:00');

/** A branch with p1 found, nothing else to see. */
function ledger(): OrgNode {
  const node = quiet({ rules: Rules.parse({ warningDays: 3 }) });
  node.recordProblem({ problemId: 'p1', source: 'self_inspection', category: '作风', description: '文山会海', by }, NOW);
  taken(node);
  return node;
}
const plan = (node: OrgNode, deadline = '2019-10-10') => node.planRectification({ problemId: 'p1', owner: '李主任', measures: '精简文件', deadline, by }, NOW);
const submit = (node: OrgNode, who = 'secretary:1') =>
  node.submitRectification({ problemId: 'p1', evidence: '文件减少三成', attachments: ['a.pdf'], by: who }, NOW);

describe('the ledger lifecycle (整改)', () => {
  test('found → planned → in_progress → rectified → closed, one event each, retries the same answer', () => {
    const node = ledger();
    expect(plan(node)).toEqual({ problemId: 'p1', status: 'planned', deadline: new Date(DEADLINE).toISOString() });
    expect(plan(node)).toEqual({ problemId: 'p1', status: 'planned', deadline: new Date(DEADLINE).toISOString() });
    expect(node.startRectification({ problemId: 'p1', by }, NOW)).toEqual({ problemId: 'p1', status: 'in_progress' });
    expect(node.startRectification({ problemId: 'p1', by }, NOW)).toEqual({ problemId: 'p1', status: 'in_progress' });
    expect(submit(node)).toEqual({ problemId: 'p1', status: 'rectified' });
    expect(node.verifyRectification({ problemId: 'p1', decision: 'verified', reason: ' 属实 ', ...inspector }, NOW)).toEqual({
      problemId: 'p1',
      status: 'closed',
    });
    const { events, signals } = taken(node);
    expect(types(events)).toEqual(['RectificationPlanned', 'RectificationStarted', 'RectificationSubmitted', 'RectificationVerified']);
    expect(events[2]).toMatchObject({ evidence: '文件减少三成', attachments: ['a.pdf'], by: 'secretary:1' });
    expect(events[3]).toMatchObject({ by: 'inspector:7', note: '属实' });
    expect(signals).toEqual([]); // an item of its own reports to no other workflow
    expect(node.state.problems.p1).toMatchObject({ status: 'closed', owner: '李主任', rectifiedBy: 'secretary:1', returns: 0 });
  });

  test('a transition from the wrong state is a conflict carrying the current state; a plan needs a future deadline', () => {
    const node = ledger();
    rejects(() => node.startRectification({ problemId: 'p1', by }, NOW), 'Conflict', 'problemId');
    rejects(() => node.planRectification({ problemId: 'nope', owner: 'x', measures: 'y', deadline: '2019-12-01', by }, NOW), 'NotFound', 'problemId');
    expect(rejects(() => plan(node, '2019-09-30'), 'Invalid', 'deadline')).toMatch(/already passed/);
    plan(node);
    expect(() => submit(node)).toThrow(expect.objectContaining({ kind: 'Conflict', extra: { currentStatus: 'planned' } }));
  });

  test('returned with a reason: back to in progress, counted, and rectified again; without one, refused', () => {
    const node = ledger();
    plan(node);
    node.startRectification({ problemId: 'p1', by }, NOW);
    submit(node);
    taken(node);
    rejects(() => node.verifyRectification({ problemId: 'p1', decision: 'returned', reason: '  ', ...inspector }, NOW), 'Invalid', 'reason');
    expect(node.verifyRectification({ problemId: 'p1', decision: 'returned', reason: '证据不足', ...inspector }, NOW)).toEqual({
      problemId: 'p1',
      status: 'in_progress',
    });
    expect(taken(node).events).toMatchObject([{ type: 'RectificationReturned', problemId: 'p1', reason: '证据不足', by: 'inspector:7' }]);
    expect(node.state.problems.p1).toMatchObject({ status: 'in_progress', returns: 1 });
    submit(node);
    expect(node.verifyRectification({ problemId: 'p1', decision: 'verified', ...inspector }, NOW).status).toBe('closed');
  });

  test('a deadline extended once, with the reason on the event; a second extension or an earlier date refused', () => {
    const node = ledger();
    plan(node);
    taken(node);
    rejects(() => node.extendDeadline({ problemId: 'p1', deadline: '2019-10-09', reason: 'x', by }, NOW), 'Invalid', 'deadline');
    expect(node.extendDeadline({ problemId: 'p1', deadline: '2019-11-30', reason: '需财政配套', by }, NOW)).toEqual({
      problemId: 'p1',
      deadline: '2019-11-30T15:59:59.999Z',
    });
    expect(taken(node).events).toMatchObject([
      { type: 'DeadlineExtended', from: new Date(DEADLINE).toISOString(), to: '2019-11-30T15:59:59.999Z', reason: '需财政配套', by },
    ]);
    expect(node.extendDeadline({ problemId: 'p1', deadline: '2019-11-30', reason: 'retry', by }, NOW).deadline).toBe('2019-11-30T15:59:59.999Z');
    expect(rejects(() => node.extendDeadline({ problemId: 'p1', deadline: '2019-12-30', reason: '再延', by }, NOW), 'Conflict', 'deadline')).toMatch(
      /already extended once/,
    );
    expect(node.state.problems.p1).toMatchObject({ extended: true, deadline: '2019-11-30T15:59:59.999Z' });
  });

  test('alerts: yellow warningDays before, red once passed, each once; a return after the deadline is red at once', () => {
    const node = ledger();
    plan(node);
    node.startRectification({ problemId: 'p1', by }, NOW);
    taken(node);
    expect(node.nextAlertAtMs()).toBe(DEADLINE - 3 * DAY);
    node.checkDeadlines(DEADLINE - 3 * DAY - 1);
    expect(taken(node).events).toEqual([]);
    node.checkDeadlines(DEADLINE - 3 * DAY);
    node.checkDeadlines(DEADLINE - DAY);
    expect(taken(node).events).toMatchObject([{ type: 'DeadlineAlert', problemId: 'p1', alert: 'yellow', deadline: new Date(DEADLINE).toISOString() }]);
    expect(node.nextAlertAtMs()).toBe(DEADLINE);
    submit(node);
    taken(node);
    node.verifyRectification({ problemId: 'p1', decision: 'returned', reason: '未完成', ...inspector }, DEADLINE + 1);
    expect(types(taken(node).events)).toEqual(['RectificationReturned', 'DeadlineAlert']);
    expect(node.state.problems.p1!.alert).toBe('red');
    expect(node.nextAlertAtMs()).toBeNull();
  });
});
