import { describe, expect, test } from 'vitest';
import { Rules } from '../campaign.js';
import type { EscalationMessage, EscalationNotice } from '../escalation.js';
import type { OrgNode } from '../org-node.js';
import { by, city, DAY, district, NOW, quiet, rectify, rejects, taken, types, unit } from './test-support.js';

const ESC = 'campaign/c/org/b1#p1';
const message = (over: Partial<EscalationMessage> = {}): EscalationMessage => ({
  escalationId: ESC,
  origin: { campaignId: 'c', orgId: 'b1', problemId: 'p1', workflowId: 'campaign/c/org/b1' },
  category: '政策',
  description: '低保标准过低',
  reason: '标准由市里定',
  hop: 1,
  ...over,
});
const rules = Rules.parse({ claimDeadlineDays: 2 });

/** A branch with a found problem p1. */
function origin(): OrgNode {
  const node = quiet();
  node.recordProblem({ problemId: 'p1', source: 'self_inspection', category: '政策', description: '低保标准过低', by }, NOW);
  taken(node);
  return node;
}

/** An org that has received `msg` and acknowledged it, drained. */
function target(ref = district, msg = message()): OrgNode {
  const node = quiet({ rules }, ref);
  node.escalationReceived(msg, NOW);
  taken(node);
  return node;
}

/** The notices `from` queued for its origins. */
const notices = (signals: { signal: string; payload: unknown }[]) =>
  signals.filter((s) => s.signal === 'escalationNotice').map((s) => s.payload as EscalationNotice);

describe('escalate (下题上答)', () => {
  test('the item is marked sent and the message goes to the target, hop 1, naming its origin; a repeat sends nothing', () => {
    const node = origin();
    expect(node.escalateProblem({ problemId: 'p1', targetOrgId: 'd1', reason: '标准由市里定', by }, NOW)).toEqual({ escalationId: ESC, status: 'sent' });
    const { events, signals } = taken(node);
    expect(events).toMatchObject([
      { type: 'ProblemEscalated', problemId: 'p1', escalationId: ESC, targetOrgId: 'd1', targetCampaignId: 'c', reason: '标准由市里定', by },
    ]);
    expect(signals).toEqual([{ workflowId: 'campaign/c/org/d1', signal: 'escalationReceived', payload: message(), originProblemId: 'p1' }]);
    expect(node.state.problems.p1!.escalation).toEqual({ escalationId: ESC, status: 'sent', atOrgId: 'd1', hop: 0 });
    expect(node.escalateProblem({ problemId: 'p1', targetOrgId: 'd1', reason: 'again', by }, NOW)).toEqual({ escalationId: ESC, status: 'sent' });
    expect(taken(node)).toEqual({ events: [], signals: [] });
    expect(node.ownFigures().escalated).toBe(1);
  });

  test('never to itself, never a closed item; an earlier batch’s campaign is named in the target', () => {
    const node = origin();
    rejects(() => node.escalateProblem({ problemId: 'p1', targetOrgId: 'b1', reason: 'x', by }, NOW), 'Invalid', 'targetOrgId');
    node.escalateProblem({ problemId: 'p1', targetOrgId: 'dept', targetCampaignId: 'c1', reason: '职能部门', by }, NOW);
    expect(taken(node).signals[0]!.workflowId).toBe('campaign/c1/org/dept');
    node.recordProblem({ problemId: 'p2', source: 'self_inspection', category: 'x', description: 'y', by }, NOW);
    rectify(node, 'p2');
    expect(rejects(() => node.escalateProblem({ problemId: 'p2', targetOrgId: 'd1', reason: 'x', by }, NOW), 'Conflict', 'problemId')).toMatch(/escalate/);
  });

  test('an undeliverable escalation is recorded against its item, and may be sent again', () => {
    const node = origin();
    node.escalateProblem({ problemId: 'p1', targetOrgId: 'gone', reason: 'x', by }, NOW);
    const [signal] = taken(node).signals;
    node.deliveryFailed(signal!, NOW);
    expect(taken(node).events).toMatchObject([
      { type: 'EscalationProgress', problemId: 'p1', status: 'undeliverable', atOrgId: 'gone', detail: 'no running workflow campaign/c/org/gone' },
    ]);
    expect(node.escalateProblem({ problemId: 'p1', targetOrgId: 'd1', reason: 'x', by }, NOW)).toEqual({ escalationId: ESC, status: 'sent' });
    expect(taken(node).signals.map((s) => s.workflowId)).toEqual(['campaign/c/org/d1']);
  });
});

describe('receive', () => {
  test('recorded once with its claim deadline, and acknowledged to its origin', () => {
    const node = quiet({ rules }, district);
    node.escalationReceived(message(), NOW);
    const { events, signals } = taken(node);
    expect(events).toMatchObject([
      {
        type: 'EscalationReceived',
        escalationId: ESC,
        originOrgId: 'b1',
        originProblemId: 'p1',
        category: '政策',
        hop: 1,
        claimDeadline: new Date(NOW + 2 * DAY).toISOString(),
      },
    ]);
    expect(signals).toEqual([
      {
        workflowId: 'campaign/c/org/b1',
        signal: 'escalationNotice',
        payload: { escalationId: ESC, status: 'acknowledged', atOrgId: 'd1', detail: null, hop: 1 },
        originProblemId: null,
      },
    ]);
    expect(node.state.inbox[ESC]).toEqual({ status: 'pending', hop: 1, claimDeadlineMs: NOW + 2 * DAY, problemId: null });
    node.escalationReceived(message(), NOW + 1000); // delivered twice: at least once
    expect(taken(node)).toEqual({ events: [], signals: [] });
    expect(node.ownFigures()).toMatchObject({ escalationsReceived: 1, escalationsPending: 1 });
  });
});

describe('claim', () => {
  test('a new item from the message’s text, with the full lifecycle; the origin hears the claim; a repeat is the same answer', () => {
    const node = target();
    expect(node.claimNeedsMessage({ escalationId: ESC })).toBe(true);
    expect(() => node.claimEscalation({ escalationId: ESC, by }, NOW)).toThrow(/needs its message/);
    expect(node.claimEscalation({ escalationId: ESC, problemId: 'd-1', by }, NOW, message())).toEqual({ escalationId: ESC, problemId: 'd-1' });
    const { events, signals } = taken(node);
    expect(types(events)).toEqual(['ProblemRecorded', 'EscalationClaimed']);
    expect(events[1]).toMatchObject({ escalationId: ESC, problemId: 'd-1', merged: false, hop: 1, by });
    expect(node.state.problems['d-1']).toMatchObject({
      source: 'escalation',
      status: 'found',
      description: '低保标准过低（b1 上报：标准由市里定）',
      origins: [ESC],
    });
    expect(notices(signals)).toEqual([{ escalationId: ESC, status: 'claimed', atOrgId: 'd1', detail: 'd-1', hop: 1 }]);
    expect(node.claimNeedsMessage({ escalationId: ESC })).toBe(false);
    expect(node.claimEscalation({ escalationId: ESC, by }, NOW)).toEqual({ escalationId: ESC, problemId: 'd-1' });
    expect(taken(node)).toEqual({ events: [], signals: [] });
    expect(node.ownFigures()).toMatchObject({ escalationsPending: 0, problems: 1 });
  });

  test('into an existing item (merge): one root cause answers both; verified, each origin hears the answer', () => {
    const other = 'campaign/c/org/b2#p7';
    const node = target();
    node.escalationReceived(message({ escalationId: other, origin: { campaignId: 'c', orgId: 'b2', problemId: 'p7', workflowId: 'campaign/c/org/b2' } }), NOW);
    node.claimEscalation({ escalationId: ESC, problemId: 'd-1', by }, NOW, message());
    expect(node.claimNeedsMessage({ escalationId: other, intoProblemId: 'd-1' })).toBe(false);
    taken(node);
    expect(node.claimEscalation({ escalationId: other, intoProblemId: 'd-1', by }, NOW)).toEqual({ escalationId: other, problemId: 'd-1' });
    expect(taken(node).events).toMatchObject([{ type: 'EscalationClaimed', escalationId: other, problemId: 'd-1', merged: true }]);
    expect(node.state.problems['d-1']!.origins).toEqual([ESC, other]);
    rejects(() => node.escalateProblem({ problemId: 'd-1', targetOrgId: 'tj', reason: 'x', by }, NOW), 'Conflict', 'problemId');
    rectify(node, 'd-1');
    const answers = notices(taken(node).signals).filter((n) => n.status === 'answered');
    expect(answers.map((n) => n.escalationId)).toEqual([ESC, other]);
  });

  test('into an item already closed: answered at once; into an unknown item, or as an id taken, refused', () => {
    const node = target();
    node.recordProblem({ problemId: 'done', source: 'self_inspection', category: 'x', description: 'y', by }, NOW);
    rejects(() => node.claimEscalation({ escalationId: ESC, problemId: 'done', by }, NOW, message()), 'Conflict', 'problemId');
    rejects(() => node.claimEscalation({ escalationId: ESC, intoProblemId: 'nope', by }, NOW), 'NotFound');
    rejects(() => node.claimEscalation({ escalationId: 'campaign/c/org/x#1', by }, NOW), 'NotFound', 'escalationId');
    rectify(node, 'done');
    taken(node);
    node.claimEscalation({ escalationId: ESC, intoProblemId: 'done', by }, NOW);
    expect(notices(taken(node).signals).map((n) => n.status)).toEqual(['claimed', 'answered']);
  });
});

describe('forward', () => {
  test('to the parent with a reason: the next hop is rebuilt from the store, the origin hears where it went; a repeat is the same', () => {
    const node = target(unit);
    expect(node.forwardEscalation({ escalationId: ESC, reason: '超出本级职权', by }, NOW)).toEqual({ escalationId: ESC, toOrgId: 'd1' });
    const { events, signals } = taken(node);
    expect(events).toMatchObject([{ type: 'EscalationForwarded', escalationId: ESC, toOrgId: 'd1', reason: '超出本级职权', lapsed: false, hop: 1, by }]);
    expect(signals[0]).toEqual({
      workflowId: 'campaign/c/org/d1',
      signal: 'escalationReceived',
      payload: null,
      fromStore: { streamId: 'campaign/c/org/u1', escalationId: ESC, hop: 2 },
      originProblemId: null,
    });
    expect(notices(signals)).toEqual([{ escalationId: ESC, status: 'forwarded', atOrgId: 'd1', detail: 'forwarded by u1 to d1: 超出本级职权', hop: 1 }]);
    expect(node.forwardEscalation({ escalationId: ESC, reason: 'again', by }, NOW)).toEqual({ escalationId: ESC, toOrgId: 'd1' });
    expect(taken(node)).toEqual({ events: [], signals: [] });
    rejects(() => node.claimEscalation({ escalationId: ESC, by }, NOW, message()), 'Conflict', 'escalationId');
  });

  test('refused at the top of the campaign, and at a campaign’s root with a parent in the directory', () => {
    rejects(() => target(city).forwardEscalation({ escalationId: ESC, reason: 'x', by }, NOW), 'Conflict', 'escalationId');
    const root = quiet({ rules, rootOrgId: 'd1' }, district);
    root.escalationReceived(message(), NOW);
    expect(rejects(() => root.forwardEscalation({ escalationId: ESC, reason: 'x', by }, NOW), 'Conflict', 'escalationId')).toMatch(/top of the campaign/);
    rejects(() => root.forwardEscalation({ escalationId: 'campaign/c/org/x#1', reason: 'x', by }, NOW), 'NotFound', 'escalationId');
  });
});

describe('a claim deadline passing', () => {
  test('below the top: forwarded automatically, a lapse of this level, the origin told it lapsed', () => {
    const node = target(unit);
    expect(node.nextAlertAtMs()).toBe(NOW + 2 * DAY);
    node.checkDeadlines(NOW + 2 * DAY - 1);
    expect(taken(node)).toEqual({ events: [], signals: [] });
    node.checkDeadlines(NOW + 2 * DAY);
    const { events, signals } = taken(node);
    expect(events).toMatchObject([
      { type: 'EscalationForwarded', toOrgId: 'd1', reason: 'not claimed within 2 days', lapsed: true, by: 'rules:claim-deadline' },
    ]);
    expect(notices(signals)).toMatchObject([{ status: 'forwarded', detail: 'lapsed at u1 to d1: not claimed within 2 days' }]);
    expect(node.ownFigures()).toMatchObject({ lapses: 1, escalationsPending: 0 });
    expect(node.nextAlertAtMs()).toBeNull();
  });

  test('at the top: red, nothing sent, still claimable', () => {
    const node = target(city, message({ hop: 3 }));
    node.checkDeadlines(NOW + 2 * DAY);
    expect(taken(node)).toMatchObject({ events: [{ type: 'EscalationOverdue', escalationId: ESC, hop: 3, by: 'rules:claim-deadline' }], signals: [] });
    expect(node.state.inbox[ESC]!.status).toBe('overdue');
    node.claimEscalation({ escalationId: ESC, problemId: 'tj-1', by }, NOW + 3 * DAY, message({ hop: 3 }));
    expect(node.ownFigures()).toMatchObject({ lapses: 1, escalationsPending: 0, problems: 1 });
  });
});

describe('the notice back to the origin', () => {
  test('each move is recorded on the item; older news is ignored; the answer closes the item', () => {
    const node = origin();
    node.escalateProblem({ problemId: 'p1', targetOrgId: 'u1', reason: 'x', by }, NOW);
    taken(node);
    const notice = (status: EscalationNotice['status'], atOrgId: string, hop: number, detail: string | null = null): EscalationNotice => ({
      escalationId: ESC,
      status,
      atOrgId,
      detail,
      hop,
    });
    node.escalationNotice(notice('forwarded', 'd1', 1, 'forwarded by u1 to d1: 超出职权'), NOW);
    node.escalationNotice(notice('acknowledged', 'u1', 1), NOW); // crossed in delivery: older
    node.escalationNotice(notice('claimed', 'd1', 2, 'd-1'), NOW);
    node.escalationNotice(notice('answered', 'd1', 2, '已调整标准'), NOW);
    node.escalationNotice(notice('claimed', 'd1', 2, 'd-1'), NOW); // after the answer: nothing
    node.escalationNotice({ ...notice('answered', 'd1', 2), escalationId: 'campaign/c/org/b1#other' }, NOW); // not ours
    const { events } = taken(node);
    expect(events.filter((e) => e.type === 'EscalationProgress').map((e) => (e as { status: string }).status)).toEqual(['forwarded', 'claimed', 'answered']);
    expect(events.find((e) => e.type === 'RectificationVerified')).toMatchObject({ problemId: 'p1', by: 'answer:d1', note: '已调整标准' });
    expect(node.state.problems.p1).toMatchObject({ status: 'closed', escalation: { status: 'answered', atOrgId: 'd1', hop: 2 } });
  });

  test('end to end between two orgs: escalated, received, claimed, verified; the origin’s item closes', () => {
    const below = origin();
    const above = quiet({ rules }, district);
    below.escalateProblem({ problemId: 'p1', targetOrgId: 'd1', reason: '标准由市里定', by }, NOW);
    above.escalationReceived(taken(below).signals[0]!.payload as EscalationMessage, NOW);
    above.claimEscalation({ escalationId: ESC, problemId: 'd-1', by }, NOW, message());
    rectify(above, 'd-1');
    for (const n of notices(taken(above).signals)) below.escalationNotice(n, NOW);
    expect(below.state.problems.p1).toMatchObject({ status: 'closed', escalation: { status: 'answered' } });
    expect(types(taken(below).events)).toEqual(['EscalationProgress', 'EscalationProgress', 'EscalationProgress', 'RectificationVerified']);
  });
});
