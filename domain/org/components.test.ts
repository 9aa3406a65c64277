import { describe, expect, test } from 'vitest';
import { Rules } from '../campaign.js';
import { OrgNode } from '../org-node.js';
import { by, campaign, NOW, org, quiet, rectify, rejects, taken, types } from './test-support.js';

const fast = Rules.parse({ minStudyDays: 1, topicsMustBeVetted: false });
const study = (node: OrgNode, sessionId: string, date = '2019-09-10') =>
  node.recordStudySession({ sessionId, date, kind: 'concentrated', hours: 3, attendance: 20 }, NOW);

describe('mobilisation (动员部署)', () => {
  test('the meeting opens the components: all four at once in integrated mode, study alone in sequential', () => {
    const node = new OrgNode(campaign(), org);
    node.start(NOW);
    expect(node.mobilise({ date: '2019-09-05', attendance: 30, by }, NOW, true)).toEqual({ date: '2019-09-05', attendance: 30 });
    const { events } = taken(node);
    expect(types(events)).toEqual(['OrgStarted', 'OrgMobilised', 'ComponentOpened', 'ComponentOpened', 'ComponentOpened', 'ComponentOpened']);
    expect(events[1]).toMatchObject({ date: '2019-09-05', attendance: 30, auto: true, by });
    expect(node.state).toMatchObject({ status: 'active', mobilisation: { auto: true } });

    const sequential = new OrgNode(campaign({ phaseMode: 'sequential' }), org);
    sequential.mobilise({ date: '2019-09-05', attendance: 30, by }, NOW);
    expect(sequential.outbox.filter((e) => e.type === 'ComponentOpened')).toMatchObject([{ component: 'study' }]);
  });

  test('the cascade to the children: page by page, ChildrenCascaded once the last is started', () => {
    const node = quiet();
    expect(node.needsCascade).toBe(true);
    node.cascadePageDone(500, 'page-2', NOW);
    expect(taken(node).events).toEqual([]);
    expect(node.childrenTotal).toBeNull();
    node.cascadePageDone(20, null, NOW);
    expect(taken(node).events).toMatchObject([{ type: 'ChildrenCascaded', children: 520 }]);
    expect(node.needsCascade).toBe(false);
    expect(node.childrenTotal).toBe(520);
  });
});

describe('study, research and review', () => {
  test('each component is done when its rule is met, and the sequential chain opens the next', () => {
    const node = quiet({ phaseMode: 'sequential', rules: fast });
    study(node, 's1');
    expect(taken(node).events.filter((e) => e.type !== 'StudySessionRecorded')).toMatchObject([
      { type: 'ComponentDone', component: 'study' },
      { type: 'ComponentOpened', component: 'research' },
    ]);
    expect(node.proposeTopic({ topicId: 't1', leader: '张', title: '基层减负' }, NOW)).toEqual({ topicId: 't1', status: 'approved', similarTo: [] });
    expect(types(taken(node).events)).toEqual(['TopicProposed', 'TopicVetted']); // approved by the rules: no vetting asked
    node.submitReport({ reportId: 'r1', topicId: 't1', title: '报告', policyMeasures: 2 }, NOW);
    expect(types(taken(node).events)).toEqual(['ReportSubmitted', 'ComponentDone', 'ComponentOpened']);
    expect(node.concludeReview(by, NOW)).toEqual({ problems: 0 });
    expect(node.concludeReview(by, NOW)).toEqual({ problems: 0 });
    expect(types(taken(node).events)).toEqual(['ReviewConcluded', 'ComponentDone', 'ComponentOpened', 'ComponentDone']);
    expect(node.ownDone).toBe(true);
  });

  test('new work after a component is done reopens it (不整改不销号), and closing the item finishes it again', () => {
    const node = quiet({ rules: fast });
    node.concludeReview(by, NOW);
    expect(node.state.components.rectification).toBe('done');
    taken(node);
    node.recordProblem({ problemId: 'p1', source: 'spot_check', category: '作风', description: '台账造假', by }, NOW);
    expect(taken(node).events).toMatchObject([
      { type: 'ProblemRecorded', problemId: 'p1', meetingId: null },
      { type: 'ComponentOpened', component: 'rectification' },
    ]);
    rectify(node, 'p1');
    expect(taken(node).events.at(-1)).toMatchObject({ type: 'ComponentDone', component: 'rectification' });
  });

  test('a democratic life meeting (民主生活会): its problems enter the ledger with its id; one already there refuses the whole meeting', () => {
    const node = quiet();
    const problems = [{ problemId: 'm1-a', category: '作风', description: '批评一' }];
    expect(node.recordDemocraticLifeMeeting({ meetingId: 'm1', date: '2019-09-20', attendance: 9, criticisms: 4, problems, by }, NOW)).toEqual({
      meetingId: 'm1',
      problemsFound: 1,
    });
    expect(taken(node).events).toMatchObject([
      { type: 'DemocraticLifeMeetingHeld', meetingId: 'm1', attendance: 9, problemsFound: 1, criticisms: 4 },
      { type: 'ProblemRecorded', problemId: 'm1-a', source: 'democratic_life', meetingId: 'm1' },
    ]);
    rejects(
      () => node.recordDemocraticLifeMeeting({ meetingId: 'm2', date: '2019-09-21', attendance: 9, criticisms: 0, problems, by }, NOW),
      'Conflict',
      'problems',
    );
    expect(node.state.meetings.m2).toBeUndefined();
  });

  test('disclosure (公示) takes closed items once; a date in the future is refused', () => {
    const node = quiet();
    node.recordProblem({ problemId: 'p1', source: 'self_inspection', category: 'x', description: 'y', by }, NOW);
    rectify(node, 'p1');
    taken(node);
    rejects(() => node.discloseProblems({ date: '2019-10-02', problemIds: ['p1'], by }, NOW), 'Invalid', 'date');
    expect(node.discloseProblems({ date: '2019-10-01', problemIds: ['p1'], by }, NOW)).toEqual({ disclosed: 1 });
    expect(node.discloseProblems({ date: '2019-10-01', problemIds: ['p1'], by }, NOW)).toEqual({ disclosed: 0 });
    expect(taken(node).events).toMatchObject([{ type: 'ProblemsDisclosed', date: '2019-10-01', problemIds: ['p1'], by }]);
  });

  test('after closing, nothing more is taken', () => {
    const node = quiet();
    node.close({ by: 'organiser', reason: 'end' }, NOW);
    expect(rejects(() => study(node, 's9'), 'Conflict')).toMatch(/campaign is over/);
    rejects(() => node.concludeReview(by, NOW), 'Conflict');
  });
});
