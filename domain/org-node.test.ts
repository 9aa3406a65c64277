import { describe, expect, test } from 'vitest';
import { Rules } from './campaign.js';
import { acceptSnapshot, zeroFigures } from './figures.js';
import { OrgNode, type OrgRef } from './org-node.js';
import { by, campaign, mobilised, NOW, org, rectify, rejects } from './org/test-support.js';

describe('mobilisation', () => {
  test('nothing opens before the meeting; everything opens after it in integrated mode', () => {
    const node = new OrgNode(campaign(), org);
    expect(
      rejects(() => node.recordStudySession({ sessionId: 's', date: '2019-09-06', kind: 'concentrated', hours: 3, attendance: 20 }, NOW), 'Conflict'),
    ).toMatch(/mobilisation/);
    node.mobilise({ date: '2019-09-05', attendance: 30, by }, NOW);
    expect(node.state.components).toEqual({ study: 'open', research: 'open', review: 'open', rectification: 'open' });
    expect(node.needsCascade).toBe(true);
  });

  test('the same meeting twice is one; a different one is a conflict', () => {
    const node = mobilised();
    expect(node.mobilise({ date: '2019-09-05', attendance: 30, by }, NOW)).toEqual({ date: '2019-09-05', attendance: 30 });
    rejects(() => node.mobilise({ date: '2019-09-06', attendance: 30, by }, NOW), 'Conflict', 'date');
  });

  test('dates outside the campaign window or in the future are refused', () => {
    const node = new OrgNode(campaign(), org);
    expect(rejects(() => node.mobilise({ date: '2019-08-31', attendance: 1, by }, NOW), 'Invalid', 'date')).toMatch(/before the campaign starts/);
    expect(rejects(() => node.mobilise({ date: '2019-10-02', attendance: 1, by }, NOW), 'Invalid', 'date')).toMatch(/future/);
  });
});

describe('study', () => {
  test('done when distinct concentrated days reach the minimum; duplicates and other kinds are not counted, with the reason', () => {
    const node = mobilised();
    const rec = (sessionId: string, date: string, kind: 'concentrated' | 'lecture' = 'concentrated') =>
      node.recordStudySession({ sessionId, date, kind, hours: 3, attendance: 25 }, NOW);
    expect(rec('s1', '2019-09-10')).toMatchObject({ counted: true, daysCounted: 1, minDays: 3 });
    expect(rec('s2', '2019-09-10')).toMatchObject({ counted: false, reason: expect.stringMatching(/already counted/) });
    expect(rec('s3', '2019-09-11', 'lecture')).toMatchObject({ counted: false, reason: expect.stringMatching(/lecture/) });
    expect(rec('s1', '2019-09-10')).toMatchObject({ counted: true, daysCounted: 1 }); // a retry of s1
    rec('s4', '2019-09-11');
    expect(node.state.components.study).toBe('open');
    rec('s5', '2019-09-12');
    expect(node.state.components.study).toBe('done');
    expect(node.ownFigures().studyDays).toBe(3);
  });
});

describe('sequential mode', () => {
  test('each component opens when the previous one is done', () => {
    const node = mobilised({ phaseMode: 'sequential', rules: Rules.parse({ minStudyDays: 1, topicsMustBeVetted: false }) });
    expect(node.state.components).toEqual({ study: 'open', research: 'locked', review: 'locked', rectification: 'locked' });
    expect(rejects(() => node.proposeTopic({ topicId: 't1', leader: '张书记', title: '基层减负' }, NOW), 'Conflict')).toMatch(
      /research opens when study is done/,
    );
    node.recordStudySession({ sessionId: 's1', date: '2019-09-10', kind: 'concentrated', hours: 3, attendance: 20 }, NOW);
    expect(node.state.components.research).toBe('open');
    rejects(() => node.recordProblem({ problemId: 'p1', source: 'self_inspection', category: '作风', description: '会多', by }, NOW), 'Conflict');
    node.proposeTopic({ topicId: 't1', leader: '张书记', title: '基层减负' }, NOW);
    node.submitReport({ reportId: 'r1', topicId: 't1', title: '报告', policyMeasures: 2 }, NOW);
    expect(node.state.components).toMatchObject({ research: 'done', review: 'open', rectification: 'locked' });
    node.recordProblem({ problemId: 'p1', source: 'self_inspection', category: '作风', description: '会多', by }, NOW);
    node.concludeReview(by, NOW);
    expect(node.state.components.rectification).toBe('open');
    rectify(node, 'p1');
    expect(node.ownDone).toBe(true);
  });
});

describe('research', () => {
  test('topics are vetted; near-duplicates of one team are flagged; reports only against approved topics', () => {
    const node = mobilised();
    expect(node.proposeTopic({ topicId: 't1', leader: '张', title: '关于优化营商环境的调研' }, NOW).similarTo).toEqual([]);
    expect(node.proposeTopic({ topicId: 't2', leader: '李', title: '优化营商环境调研' }, NOW).similarTo).toEqual(['t1']);
    expect(node.proposeTopic({ topicId: 't3', leader: '王', title: '社区养老服务' }, NOW).similarTo).toEqual([]);
    rejects(() => node.submitReport({ reportId: 'r1', topicId: 't1', title: 'x', policyMeasures: 1 }, NOW), 'Conflict', 'topicId');
    expect(rejects(() => node.vetTopic({ topicId: 't2', decision: 'returned', by }, NOW), 'Invalid', 'reason')).toMatch(/reason/);
    node.vetTopic({ topicId: 't2', decision: 'returned', reason: '与张书记选题相近', by }, NOW);
    node.vetTopic({ topicId: 't1', decision: 'approved', by }, NOW);
    node.vetTopic({ topicId: 't3', decision: 'approved', by }, NOW);
    node.submitReport({ reportId: 'r1', topicId: 't1', title: 'x', policyMeasures: 3 }, NOW);
    expect(node.state.components.research).toBe('open'); // t3 has no report yet
    node.submitReport({ reportId: 'r2', topicId: 't3', title: 'y', policyMeasures: 1 }, NOW);
    expect(node.state.components.research).toBe('done');
    expect(node.ownFigures()).toMatchObject({ topics: 2, topicsApproved: 2, reports: 2, measures: 4 });
    // A returned topic may be revised and proposed again.
    expect(node.proposeTopic({ topicId: 't2', leader: '李', title: '老旧小区改造' }, NOW).status).toBe('proposed');
    expect(node.state.components.research).toBe('open');
  });
});

describe('rectification and completion', () => {
  test('done when the review is concluded and every problem is closed; a new problem reopens it', () => {
    const node = mobilised();
    node.recordProblem({ problemId: 'p1', source: 'democratic_life', category: '形式主义', description: '文山会海', by }, NOW);
    node.concludeReview(by, NOW);
    expect(node.state.components.rectification).toBe('open');
    rectify(node, 'p1');
    expect(node.state.components.rectification).toBe('done');
    node.recordProblem({ problemId: 'p2', source: 'spot_check', category: '作风', description: '台账造假', by }, NOW);
    expect(node.state.components.rectification).toBe('open');
    expect(node.ownFigures()).toMatchObject({ problems: 2, problemsClosed: 1 });
  });

  test('a leaf is complete once its own components are done; closing reports honestly', () => {
    const node = mobilised({ rules: Rules.parse({ minStudyDays: 1, topicsMustBeVetted: false }) });
    node.cascadePageDone(0, null, NOW);
    const partial = mobilised();
    partial.close({ by: 'organiser', reason: 'end' }, NOW);
    expect(partial.state.status).toBe('closed_incomplete');
    node.recordStudySession({ sessionId: 's1', date: '2019-09-10', kind: 'concentrated', hours: 3, attendance: 20 }, NOW);
    node.proposeTopic({ topicId: 't1', leader: '张', title: '减负' }, NOW);
    node.submitReport({ reportId: 'r1', topicId: 't1', title: 'x', policyMeasures: 0 }, NOW);
    node.concludeReview(by, NOW);
    expect(node.isComplete).toBe(true);
    expect(node.state.status).toBe('complete');
    node.close({ by: 'organiser', reason: 'end' }, NOW);
    expect(node.state.status).toBe('completed');
    rejects(() => node.recordProblem({ problemId: 'p9', source: 'spot_check', category: 'x', description: 'y', by }, NOW), 'Conflict');
  });

  test('after the campaign ends an org with open work keeps rectifying', () => {
    const node = mobilised();
    node.campaignEnded(NOW);
    expect(node.state.status).toBe('continuing');
    expect(node.finished).toBe(false);
  });

  test('a parent is complete only when every child reported complete', () => {
    const node = mobilised({ rules: Rules.parse({ minStudyDays: 1, topicsMustBeVetted: false }) });
    node.recordStudySession({ sessionId: 's1', date: '2019-09-10', kind: 'concentrated', hours: 3, attendance: 20 }, NOW);
    node.proposeTopic({ topicId: 't1', leader: '张', title: '减负' }, NOW);
    node.submitReport({ reportId: 'r1', topicId: 't1', title: 'x', policyMeasures: 0 }, NOW);
    node.concludeReview(by, NOW);
    node.cascadePageDone(2, 'cursor', NOW);
    expect(node.childrenTotal).toBeNull();
    node.cascadePageDone(0, null, NOW);
    const child = (complete: boolean, seq: number) => ({ seq, figures: { ...zeroFigures(), orgs: 1, complete: complete ? 1 : 0 }, complete, mobilised: true });
    node.childReported('k1', child(true, 1), NOW);
    expect(node.isComplete).toBe(false);
    node.childReported('k2', child(true, 3), NOW);
    expect(node.isComplete).toBe(true);
    node.childReported('k2', child(false, 2), NOW); // stale, ignored
    expect(node.isComplete).toBe(true);
    expect(node.subtreeFigures()).toMatchObject({ orgs: 3, complete: 3 });
  });
});

describe('progress reports', () => {
  test('urgent on a status change, otherwise at most once per interval, nothing when nothing changed', () => {
    const node = mobilised({ rules: Rules.parse({ progressReportSeconds: 60 }) });
    expect(node.reportDueInMs(NOW)).toBe(0);
    const first = node.makeReport(NOW);
    expect(first.seq).toBe(1);
    expect(node.reportDueInMs(NOW)).toBeNull();
    node.recordStudySession({ sessionId: 's1', date: '2019-09-10', kind: 'concentrated', hours: 3, attendance: 20 }, NOW);
    expect(node.reportDueInMs(NOW + 10_000)).toBe(50_000);
    expect(node.makeReport(NOW + 60_000).seq).toBe(2);
  });

  test('snapshots are kept by sequence number', () => {
    const a = { seq: 5, figures: zeroFigures(), complete: false, mobilised: true };
    const b = { ...a, seq: 4, mobilised: false };
    expect(acceptSnapshot(a, b)).toBe(a);
    expect(acceptSnapshot(b, a)).toBe(a);
    expect(acceptSnapshot(undefined, b)).toBe(b);
  });

  test('events carry deterministic ids in stream order', () => {
    const node = mobilised();
    expect(node.outbox.map((e) => e.id).slice(0, 2)).toEqual(['campaign/c/org/b1:1', 'campaign/c/org/b1:2']);
    expect(node.outbox.map((e) => e.type).slice(0, 3)).toEqual(['OrgStarted', 'OrgMobilised', 'ComponentOpened']);
  });
});

describe('rectification ledger', () => {
  const ledgerNode = () => {
    const node = mobilised({ rules: Rules.parse({ warningDays: 3, immediateDays: 7 }) });
    node.recordProblem({ problemId: 'p1', source: 'public_message', category: '服务', description: '办事排队久', by }, NOW);
    return node;
  };
  const verify = (
    node: OrgNode,
    who: { by: string; verifierRole: string; verifierOrgId: string | null },
    decision: 'verified' | 'returned' = 'verified',
    reason?: string,
  ) => node.verifyRectification({ problemId: 'p1', decision, reason, ...who }, NOW);
  const inspector = { by: 'inspector:7', verifierRole: 'inspector', verifierOrgId: 'tj' };

  test('an invalid transition is a conflict carrying the current state, and changes nothing', () => {
    const node = ledgerNode();
    const before = structuredClone(node.state.problems);
    try {
      node.submitRectification({ problemId: 'p1', evidence: 'x', by }, NOW);
      throw new Error('expected a rejection');
    } catch (err) {
      expect(err).toMatchObject({ kind: 'Conflict', field: 'problemId', extra: { currentStatus: 'found' } });
    }
    expect(node.state.problems).toEqual(before);
    rejects(() => node.planRectification({ problemId: 'p1', owner: '李', measures: 'x', deadline: '2019-09-30', by }, NOW), 'Invalid', 'deadline');
  });

  test('verification: never by who rectified it, nor by the org itself; a return needs a reason and goes back to in progress', () => {
    const node = ledgerNode();
    node.planRectification({ problemId: 'p1', owner: '李主任', measures: '增设窗口', deadline: '2019-10-20', by }, NOW);
    node.startRectification({ problemId: 'p1', by }, NOW);
    node.submitRectification({ problemId: 'p1', evidence: '窗口由3个增至6个', attachments: ['photo-1.jpg'], by: 'secretary:1' }, NOW);
    // The refusals name the rule and no field: `by` comes from the caller's token, not from the request body.
    const refusal = (cmd: Parameters<typeof verify>[1]) => {
      try {
        verify(node, cmd);
      } catch (err) {
        return err;
      }
      throw new Error('expected a rejection');
    };
    expect(refusal({ by: 'secretary:1', verifierRole: 'inspector', verifierOrgId: 'tj' })).toMatchObject({
      kind: 'Forbidden',
      field: undefined,
      message: expect.stringMatching(/never by whoever rectified it/),
    });
    expect(refusal({ by: 'organiser:2', verifierRole: 'organiser', verifierOrgId: 'b1' })).toMatchObject({
      kind: 'Forbidden',
      field: undefined,
      message: expect.stringMatching(/an organiser above it, never by the org's own people/),
    });
    rejects(() => verify(node, inspector, 'returned'), 'Invalid', 'reason');
    expect(verify(node, inspector, 'returned', '证据不足')).toEqual({ problemId: 'p1', status: 'in_progress' });
    node.submitRectification({ problemId: 'p1', evidence: '群众满意度回访 95%', by: 'secretary:1' }, NOW);
    expect(verify(node, { by: 'organiser:3', verifierRole: 'organiser', verifierOrgId: 'u1' })).toEqual({ problemId: 'p1', status: 'closed' });
    expect(node.ownFigures()).toMatchObject({ problems: 1, problemsClosed: 1 });
  });

  test('deadlines turn yellow, then red; overdue counts until closed; one extension, which resets the alert', () => {
    const node = ledgerNode();
    node.planRectification({ problemId: 'p1', owner: '李主任', measures: '增设窗口', deadline: '2019-10-10', by }, NOW);
    const deadline = Date.parse('2019-10-10T23:59:59.999+08:00');
    expect(node.nextAlertAtMs()).toBe(deadline - 3 * 86_400_000);
    node.checkDeadlines(deadline - 3 * 86_400_000);
    expect(node.ownFigures()).toMatchObject({ dueSoon: 1, overdue: 0 });
    expect(node.nextAlertAtMs()).toBe(deadline);
    node.checkDeadlines(deadline + 1);
    expect(node.ownFigures()).toMatchObject({ dueSoon: 0, overdue: 1 });
    expect(node.outbox.filter((e) => e.type === 'DeadlineAlert').map((e) => (e as { alert: string }).alert)).toEqual(['yellow', 'red']);
    expect(node.details()).toMatch(/1 overdue/);
    node.extendDeadline({ problemId: 'p1', deadline: '2019-11-30', reason: '需财政配套', by }, deadline + 1);
    expect(node.ownFigures()).toMatchObject({ overdue: 0 });
    expect(node.state.problems.p1).toMatchObject({ extended: true, alert: 'none' });
    rejects(() => node.extendDeadline({ problemId: 'p1', deadline: '2019-12-30', reason: '再延', by }, deadline + 1), 'Conflict', 'deadline');
  });

  test('an immediate item (立行立改) must have a short deadline', () => {
    const node = ledgerNode();
    node.recordProblem({ problemId: 'p2', source: 'self_inspection', category: '作风', description: '门难进', immediate: true, by }, NOW);
    expect(
      rejects(() => node.planRectification({ problemId: 'p2', owner: '张', measures: '挂牌服务', deadline: '2019-11-30', by }, NOW), 'Invalid', 'deadline'),
    ).toMatch(/7 days/);
    node.planRectification({ problemId: 'p2', owner: '张', measures: '挂牌服务', deadline: '2019-10-05', by }, NOW);
    expect(node.ownFigures().immediate).toBe(1);
  });

  test('only closed items are disclosed (公示), once', () => {
    const node = ledgerNode();
    rejects(() => node.discloseProblems({ date: '2019-10-01', problemIds: ['p1'], by }, NOW), 'Conflict', 'problemIds');
    rectify(node, 'p1');
    expect(node.discloseProblems({ date: '2019-10-01', problemIds: ['p1'], by }, NOW)).toEqual({ disclosed: 1 });
    expect(node.discloseProblems({ date: '2019-10-01', problemIds: ['p1'], by }, NOW)).toEqual({ disclosed: 0 });
    expect(node.ownFigures().disclosed).toBe(1);
  });

  test('a democratic life meeting records its counts and puts its problems in the ledger', () => {
    const node = mobilised();
    const problems = Array.from({ length: 3 }, (_, i) => ({ problemId: `m1-${i}`, category: '作风', description: `批评意见${i}` }));
    expect(node.recordDemocraticLifeMeeting({ meetingId: 'm1', date: '2019-09-20', attendance: 9, criticisms: 12, problems, by }, NOW)).toEqual({
      meetingId: 'm1',
      problemsFound: 3,
    });
    expect(node.ownFigures()).toMatchObject({ meetings: 1, criticisms: 12, problems: 3 });
    expect(node.state.problems['m1-0']).toMatchObject({ source: 'democratic_life', status: 'found' });
  });
});

describe('a claim deadline at the top of the campaign (下题上答)', () => {
  const DAY = 86_400_000;
  const message = (id: string, hop = 2) => ({
    escalationId: `campaign/c/org/${id}#p1`,
    origin: { campaignId: 'c', orgId: id, problemId: 'p1', workflowId: `campaign/c/org/${id}` },
    category: '政策',
    description: '低保标准',
    reason: '根子在上面',
    hop,
  });
  const top = (ref: OrgRef, options = {}) => {
    const node = new OrgNode(campaign({ rootOrgId: ref.id, rules: Rules.parse({ claimDeadlineDays: 2 }) }), ref, undefined, options);
    node.start(NOW);
    node.escalationReceived(message('b1'), NOW);
    node.outbox.splice(0);
    node.state.outgoing.splice(0);
    return node;
  };
  const city: OrgRef = { id: 'tj', level: 'city', name: '天津市委', parentId: null, path: '/tj/' };

  test('not claimed in time at the root: red, still claimable, a lapse of the root, counted once', () => {
    const node = top(city);
    expect(node.nextAlertAtMs()).toBe(NOW + 2 * DAY);
    node.checkDeadlines(NOW + 2 * DAY - 1);
    expect(node.outbox).toEqual([]);
    node.checkDeadlines(NOW + 2 * DAY);
    expect(node.outbox.map((e) => e.type)).toEqual(['EscalationOverdue']);
    expect(node.outbox[0]).toMatchObject({
      escalationId: 'campaign/c/org/b1#p1',
      hop: 2,
      claimDeadline: new Date(NOW + 2 * DAY).toISOString(),
      by: 'rules:claim-deadline',
    });
    expect(node.state.outgoing).toEqual([]); // nowhere to forward it
    expect(node.ownFigures()).toMatchObject({ lapses: 1, escalationsReceived: 1, escalationsPending: 1 });
    expect(node.nextAlertAtMs()).toBeNull();
    node.checkDeadlines(NOW + 5 * DAY);
    expect(node.outbox).toHaveLength(1);
    expect(node.ownFigures().lapses).toBe(1);
    rejects(() => node.forwardEscalation({ escalationId: 'campaign/c/org/b1#p1', reason: '上交', by }, NOW + 5 * DAY), 'Conflict', 'escalationId');
    expect(
      node.claimEscalation({ escalationId: 'campaign/c/org/b1#p1', intoProblemId: undefined, problemId: 'city-1', by }, NOW + 5 * DAY, message('b1')),
    ).toEqual({ escalationId: 'campaign/c/org/b1#p1', problemId: 'city-1' });
    expect(node.ownFigures()).toMatchObject({ lapses: 1, escalationsPending: 0, problems: 1 });
  });

  test('a campaign over a district: its root has a parent in the directory but none in the campaign, so it turns red there too', () => {
    const node = top({ id: 'd1', level: 'district', name: '和平区委', parentId: 'tj', path: '/tj/d1/' });
    node.checkDeadlines(NOW + 3 * DAY);
    expect(node.outbox.map((e) => e.type)).toEqual(['EscalationOverdue']);
    expect(node.state.outgoing).toEqual([]);
  });

  test('below the top the lapse still forwards; a run recorded before the change leaves the root as it was', () => {
    const unit = new OrgNode(campaign({ rules: Rules.parse({ claimDeadlineDays: 2 }) }), {
      id: 'u1',
      level: 'unit',
      name: '单位',
      parentId: 'd1',
      path: '/tj/d1/u1/',
    });
    unit.escalationReceived(message('b1', 1), NOW);
    unit.checkDeadlines(NOW + 2 * DAY);
    expect(unit.outbox.map((e) => e.type)).toContain('EscalationForwarded');
    expect(unit.ownFigures()).toMatchObject({ lapses: 1, escalationsPending: 0 });

    let asked = 0;
    const before = top(city, { topOfCampaign: () => (asked++, false) });
    expect(before.nextAlertAtMs()).toBeNull();
    before.checkDeadlines(NOW + 3 * DAY);
    expect(before.outbox).toEqual([]);
    expect(before.ownFigures()).toMatchObject({ lapses: 0, escalationsPending: 1 });
    expect(asked).toBeGreaterThan(0);
  });
});

describe('directive coverage (上题下答)', () => {
  const spec = {
    directiveId: 'd',
    issuerOrgId: 'tj',
    title: '清理报表',
    instructions: '停用重复报表',
    deadline: '2019-12-01T00:00:00.000Z',
    targetLevels: ['branch' as const],
    targetOrgIds: [],
    cancelled: false,
  };

  test('an item rectified and awaiting verification counts as rectified, not done; verified, it is done', () => {
    const node = mobilised();
    node.directiveReceived(spec, NOW);
    const item = 'directive-d';
    expect(node.ownCoverage().d).toEqual({ targeted: 1, done: 0, overdue: 0, byLevel: { branch: { targeted: 1, done: 0, overdue: 0 } } });
    node.startRectification({ problemId: item, by }, NOW);
    node.submitRectification({ problemId: item, evidence: '已停用', by }, NOW);
    expect(node.ownCoverage().d).toEqual({
      targeted: 1,
      done: 0,
      overdue: 0,
      rectified: 1,
      byLevel: { branch: { targeted: 1, done: 0, overdue: 0, rectified: 1 } },
    });
    node.verifyRectification({ problemId: item, decision: 'verified', by: 'inspector:1', verifierRole: 'inspector', verifierOrgId: 'tj' }, NOW);
    expect(node.ownCoverage().d).toEqual({ targeted: 1, done: 1, overdue: 0, byLevel: { branch: { targeted: 1, done: 1, overdue: 0 } } });
  });

  test('a run recorded before rectified items were counted reports as it did', () => {
    const node = new OrgNode(campaign(), org, undefined, { coverageRectified: () => false });
    node.mobilise({ date: '2019-09-05', attendance: 30, by }, NOW);
    node.directiveReceived(spec, NOW);
    node.startRectification({ problemId: 'directive-d', by }, NOW);
    node.submitRectification({ problemId: 'directive-d', evidence: '已停用', by }, NOW);
    expect(node.ownCoverage().d).toEqual({ targeted: 1, done: 0, overdue: 0, byLevel: { branch: { targeted: 1, done: 0, overdue: 0 } } });
  });
});
