import { describe, expect, test } from 'vitest';
import { Rules } from '../campaign.js';
import type { DirectiveSpec } from '../directive.js';
import { zeroFigures } from '../figures.js';
import { OrgNode } from '../org-node.js';
import { by, campaign, district, NOW, quiet, rectify, rejects, taken, types, unit } from './test-support.js';

const issue = (over: Partial<Parameters<OrgNode['issueDirective']>[0]> = {}) => ({
  directiveId: 'd',
  title: '清理报表',
  instructions: '停用重复报表',
  deadline: '2019-12-01',
  targetLevels: ['branch' as const],
  targetOrgIds: [] as string[],
  by,
  ...over,
});

/** The latest directive `node` relays. */
const relayedSpec = (node: OrgNode): DirectiveSpec => node.directivesToRelay.at(-1)!;

/** A child receives a directive: a copy each time, as a signal's payload is. */
const receive = (node: OrgNode, spec: DirectiveSpec) => node.directiveReceived(structuredClone(spec), NOW);

/** What the district issued, as the unit below it receives it. */
function issued(over: Partial<Parameters<OrgNode['issueDirective']>[0]> = {}): { issuer: OrgNode; spec: DirectiveSpec } {
  const issuer = quiet({}, district);
  issuer.issueDirective(issue(over), NOW);
  return { issuer, spec: structuredClone(relayedSpec(issuer)) };
}

describe('issue (上题下答)', () => {
  test('recorded and queued for relay to the children; the workflow marks it relayed; a retry is the same answer', () => {
    const node = quiet({}, district);
    expect(node.issueDirective(issue(), NOW)).toEqual({ directiveId: 'd' });
    const spec = {
      directiveId: 'd',
      issuerOrgId: 'd1',
      kind: 'task',
      title: '清理报表',
      instructions: '停用重复报表',
      deadline: '2019-12-01T15:59:59.999Z',
      targetLevels: ['branch'],
      targetOrgIds: [],
      cancelled: false,
    };
    expect(taken(node).events).toMatchObject([{ type: 'DirectiveIssued', directive: spec, by }]);
    expect(node.directivesToRelay).toEqual([spec]);
    node.relayed(1);
    expect(node.directivesToRelay).toEqual([]);
    expect(node.issueDirective(issue(), NOW)).toEqual({ directiveId: 'd' });
    expect(taken(node).events).toEqual([]);
    expect(node.liveDirectives).toEqual([spec]);
  });

  test('refused: the same id with another title, a level not below, no target, a passed deadline, before mobilisation', () => {
    const node = quiet({}, district);
    node.issueDirective(issue(), NOW);
    rejects(() => node.issueDirective(issue({ title: '另一件事' }), NOW), 'Conflict', 'directiveId');
    rejects(() => node.issueDirective(issue({ directiveId: 'e', targetLevels: ['district'] }), NOW), 'Invalid', 'targetLevels');
    rejects(() => node.issueDirective(issue({ directiveId: 'e', targetLevels: [] }), NOW), 'Invalid', 'targetLevels');
    rejects(() => node.issueDirective(issue({ directiveId: 'e', deadline: '2019-09-30' }), NOW), 'Invalid', 'deadline');
    const early = new OrgNode(campaign(), district);
    expect(rejects(() => early.issueDirective(issue(), NOW), 'Conflict')).toMatch(/mobilisation/);
  });

  test('a request for information over the weekly cap is answered with the refusal, recorded, and changes nothing else', () => {
    const node = quiet({ rules: Rules.parse({ informationRequestsPerWeek: { district: 1 } }) }, district);
    const request = (directiveId: string) => issue({ directiveId, kind: 'information_request' });
    expect(node.issueDirective(request('r1'), NOW)).toEqual({ directiveId: 'r1' });
    const answer = node.issueDirective(request('r2'), NOW);
    expect(answer).toMatchObject({ directiveId: 'r2', refused: { level: 'district', cap: 1, sent: 1 } });
    const { events } = taken(node);
    expect(types(events)).toEqual(['DirectiveIssued', 'InformationRequestRefused']);
    expect(events[1]).toMatchObject({ directiveId: 'r2', week: '2019-09-30', cap: 1, sent: 1, by });
    expect(node.state.directives.r2).toBeUndefined();
    expect(node.directivesToRelay.map((d) => d.directiveId)).toEqual(['r1']);
    expect(node.informationRequestsThisWeek(NOW)).toEqual({ week: '2019-09-30', sent: 1, refused: 1 });
    expect(node.issueDirective(issue({ directiveId: 't1' }), NOW)).toEqual({ directiveId: 't1' }); // a task is not capped
  });
});

describe('receive and relay', () => {
  test('an org between passes it on without an item; a targeted org gets a planned item; each receives it once', () => {
    const { spec } = issued();
    const between = quiet({}, unit);
    receive(between, spec);
    expect(taken(between).events).toMatchObject([{ type: 'DirectiveReceived', directiveId: 'd', issuerOrgId: 'd1', targeted: false, problemId: null }]);
    expect(between.directivesToRelay).toEqual([spec]);
    expect(Object.keys(between.state.problems)).toEqual([]);

    const branch = quiet();
    receive(branch, spec);
    receive(branch, spec);
    const { events } = taken(branch);
    expect(types(events)).toEqual(['ProblemRecorded', 'RectificationPlanned', 'DirectiveReceived']);
    expect(events[1]).toMatchObject({ problemId: 'directive-d', owner: '第一党支部', measures: '停用重复报表', deadline: spec.deadline, by: 'directive:d1' });
    expect(events[2]).toMatchObject({ targeted: true, problemId: 'directive-d' });
    expect(branch.state.problems['directive-d']).toMatchObject({ source: 'directive', category: '上题下答', status: 'planned', directiveId: 'd' });
    expect(branch.directivesToRelay).toEqual([]); // nothing below a branch
  });

  test('a named org is reached through the levels between; a request for information lands as 要材料', () => {
    const { spec } = issued({ targetLevels: [], targetOrgIds: ['b1'], kind: 'information_request' });
    const between = quiet({}, unit);
    receive(between, spec);
    expect(between.directivesToRelay).toEqual([spec]);
    const branch = quiet();
    receive(branch, spec);
    expect(branch.state.problems['directive-d']).toMatchObject({ category: '要材料', status: 'planned' });
  });
});

describe('cancel', () => {
  test('only by its issuer; cancelled here and relayed, then everywhere below: an open item is cancelled, a closed one stays', () => {
    const { issuer, spec } = issued();
    rejects(() => quiet({}, unit).cancelDirective({ directiveId: 'd', by }, NOW), 'NotFound', 'directiveId');
    issuer.relayed(1);
    taken(issuer);
    expect(issuer.cancelDirective({ directiveId: 'd', by }, NOW)).toEqual({ directiveId: 'd', cancelled: true });
    expect(taken(issuer).events).toMatchObject([{ type: 'DirectiveCancelled', directiveId: 'd', problemId: null, by }]);
    const cancelled = relayedSpec(issuer);
    expect(cancelled.cancelled).toBe(true);
    expect(issuer.liveDirectives).toEqual([]);
    issuer.cancelDirective({ directiveId: 'd', by }, NOW);
    expect(taken(issuer).events).toEqual([]);

    const open = quiet();
    receive(open, spec);
    taken(open);
    receive(open, cancelled);
    expect(taken(open).events).toMatchObject([{ type: 'DirectiveCancelled', directiveId: 'd', problemId: 'directive-d', by: 'issuer:d1' }]);
    expect(open.state.problems['directive-d']!.status).toBe('cancelled');
    expect(open.directivesToRelay.map((d) => d.cancelled)).toEqual([true]);

    const closed = quiet();
    receive(closed, spec);
    closed.startRectification({ problemId: 'directive-d', by }, NOW);
    closed.submitRectification({ problemId: 'directive-d', evidence: '已停用', by }, NOW);
    closed.verifyRectification({ problemId: 'directive-d', decision: 'verified', by: 'inspector:1', verifierRole: 'inspector', verifierOrgId: 'tj' }, NOW);
    taken(closed);
    receive(closed, cancelled);
    expect(taken(closed).events).toMatchObject([{ type: 'DirectiveCancelled', problemId: null }]);
    expect(closed.state.problems['directive-d']!.status).toBe('closed');
  });

  test('a directive first heard of as cancelled (a child started late) makes no item', () => {
    const branch = quiet();
    const { spec } = issued();
    branch.directiveReceived({ ...spec, cancelled: true }, NOW);
    expect(taken(branch).events).toMatchObject([{ type: 'DirectiveReceived', targeted: false, problemId: null }]);
  });
});

describe('coverage', () => {
  test('own: targeted, then rectified awaiting verification apart from done, then done; red while live counts overdue', () => {
    const { spec } = issued();
    const node = quiet();
    receive(node, spec);
    const counts = () => {
      const { byLevel, ...c } = node.ownCoverage().d!;
      expect(byLevel.branch).toEqual(c);
      return c;
    };
    expect(counts()).toEqual({ targeted: 1, done: 0, overdue: 0 });
    node.checkDeadlines(Date.parse(spec.deadline) + 1);
    expect(counts()).toEqual({ targeted: 1, done: 0, overdue: 1 });
    node.startRectification({ problemId: 'directive-d', by }, NOW);
    node.submitRectification({ problemId: 'directive-d', evidence: '已停用', by }, NOW);
    expect(counts()).toEqual({ targeted: 1, done: 0, overdue: 0, rectified: 1 });
    node.verifyRectification({ problemId: 'directive-d', decision: 'verified', by: 'inspector:1', verifierRole: 'inspector', verifierOrgId: 'tj' }, NOW);
    expect(counts()).toEqual({ targeted: 1, done: 1, overdue: 0 });
  });

  test('subtree: own plus the children’s latest snapshots, in the report to the parent; a cancelled directive drops out', () => {
    const { issuer, spec } = issued({ targetLevels: ['unit', 'branch'] });
    const node = quiet({}, unit);
    receive(node, spec);
    const child = (seq: number, done: number) => ({
      seq,
      figures: zeroFigures(),
      complete: false,
      mobilised: true,
      directives: { d: { targeted: 1, done, overdue: 0, byLevel: { branch: { targeted: 1, done, overdue: 0 } } } },
    });
    node.childReported('b1', child(1, 1), NOW);
    node.childReported('b2', child(1, 0), NOW);
    expect(node.subtreeCoverage().d).toEqual({
      targeted: 3,
      done: 1,
      overdue: 0,
      byLevel: { unit: { targeted: 1, done: 0, overdue: 0 }, branch: { targeted: 2, done: 1, overdue: 0 } },
    });
    expect(node.makeReport(NOW).directives?.d).toMatchObject({ targeted: 3, done: 1 });
    rectify(node, 'directive-d');
    expect(node.subtreeCoverage().d).toMatchObject({ targeted: 3, done: 2 });
    issuer.cancelDirective({ directiveId: 'd', by }, NOW);
    receive(node, relayedSpec(issuer));
    expect(node.subtreeCoverage()).toEqual({});
  });
});
