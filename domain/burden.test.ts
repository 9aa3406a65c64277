import { describe, expect, test } from 'vitest';
import { checkInformationRequestCap, chinaWeek, nextWeekStartMs } from './burden.js';
import { Rules } from './campaign.js';
import { OrgNode, type CampaignRef, type OrgRef } from './org-node.js';

// Sunday 2019-10-06 23:59:59.999 in Beijing, and Monday 2019-10-07 00:00 a millisecond later.
const SUNDAY_LATE = Date.parse('2019-10-06T15:59:59.999Z');
const MONDAY = SUNDAY_LATE + 1;

describe('weeks in UTC+8, Monday to Sunday', () => {
  test('a week is named by its Monday, in Beijing time', () => {
    expect(chinaWeek(SUNDAY_LATE)).toBe('2019-09-30');
    expect(chinaWeek(MONDAY)).toBe('2019-10-07');
    // Monday 07:59 in UTC is still Monday in Beijing; Sunday 16:00 UTC is already Monday there.
    expect(chinaWeek(Date.parse('2019-10-07T07:59:00Z'))).toBe('2019-10-07');
    expect(chinaWeek(Date.parse('2019-10-13T16:00:00Z'))).toBe('2019-10-14');
    // Across a month and a year.
    expect(chinaWeek(Date.parse('2020-01-01T04:00:00Z'))).toBe('2019-12-30');
  });

  test('the next week starts at Monday 00:00 in Beijing', () => {
    expect(new Date(nextWeekStartMs('2019-09-30')).toISOString()).toBe('2019-10-06T16:00:00.000Z');
    expect(nextWeekStartMs('2019-09-30')).toBe(MONDAY);
  });
});

describe('the cap decision', () => {
  const rules = { informationRequestsPerWeek: { district: 2, unit: 0 } };
  const d1 = { id: 'tj-d1', level: 'district' as const };

  test('under the cap nothing is refused; at the cap the refusal names the cap, the week and when the next may go', () => {
    expect(checkInformationRequestCap(rules, d1, undefined, MONDAY)).toBeNull();
    expect(checkInformationRequestCap(rules, d1, { sent: 1, refused: 0 }, MONDAY)).toBeNull();
    const refusal = checkInformationRequestCap(rules, d1, { sent: 2, refused: 3 }, MONDAY)!;
    expect(refusal).toMatchObject({ level: 'district', week: '2019-10-07', cap: 2, sent: 2, nextWeekStartsAt: '2019-10-13T16:00:00.000Z' });
    expect(refusal.reason).toContain('at 2 a week for each district-level org');
    expect(refusal.reason).toContain('week of 2019-10-07');
    expect(refusal.reason).toContain('from 2019-10-14 00:00 UTC+8');
  });

  test('a level left out is not capped, 0 forbids, and a campaign without the rule caps nothing', () => {
    expect(checkInformationRequestCap(rules, { id: 'tj', level: 'city' }, { sent: 99, refused: 0 }, MONDAY)).toBeNull();
    expect(checkInformationRequestCap(rules, { id: 'tj-d1-u1', level: 'unit' }, undefined, MONDAY)?.cap).toBe(0);
    expect(checkInformationRequestCap({}, d1, { sent: 99, refused: 0 }, MONDAY)).toBeNull();
  });

  test('the rule is optional in a campaign spec and checked when given', () => {
    expect(Rules.parse({}).informationRequestsPerWeek).toBeUndefined();
    expect(Rules.parse({ informationRequestsPerWeek: { district: 2 } }).informationRequestsPerWeek).toEqual({ district: 2 });
    expect(Rules.safeParse({ informationRequestsPerWeek: { branch: 2 } }).success).toBe(false);
    expect(Rules.safeParse({ informationRequestsPerWeek: { district: -1 } }).success).toBe(false);
  });
});

describe('an org sending requests for information', () => {
  const campaign: CampaignRef = {
    id: 'c',
    batch: 2,
    phaseMode: 'integrated',
    rules: Rules.parse({ informationRequestsPerWeek: { district: 2 } }),
    startsOn: '2019-09-01',
    endsOn: '2019-12-31',
    rootOrgId: 'tj',
  };
  const district: OrgRef = { id: 'tj-d1', level: 'district', name: '和平区', parentId: 'tj', path: '/tj/tj-d1/' };
  const by = 'organiser:tj-d1';
  const request = (directiveId: string, kind: 'task' | 'information_request' = 'information_request') => ({
    directiveId,
    kind,
    title: `报送${directiveId}`,
    instructions: '报送本单位学习情况',
    deadline: '2019-12-01',
    targetLevels: ['unit' as const],
    targetOrgIds: [],
    by,
  });
  const mobilised = () => {
    const node = new OrgNode(campaign, district);
    node.start(MONDAY);
    node.mobilise({ date: '2019-09-05', attendance: 30, by }, MONDAY);
    node.outbox.splice(0);
    return node;
  };

  test('two go out, the third is refused and recorded, and changes nothing else', () => {
    const node = mobilised();
    expect(node.issueDirective(request('r1'), MONDAY)).toEqual({ directiveId: 'r1' });
    expect(node.issueDirective(request('r2'), MONDAY + 1000)).toEqual({ directiveId: 'r2' });
    node.outbox.splice(0);
    const relaying = [...node.state.pendingRelay];
    const figures = node.ownFigures();

    const answer = node.issueDirective(request('r3'), MONDAY + 2000);
    expect(answer.refused).toMatchObject({ cap: 2, sent: 2, week: '2019-10-07', level: 'district' });
    expect(node.outbox).toHaveLength(1);
    expect(node.outbox[0]).toMatchObject({ type: 'InformationRequestRefused', directiveId: 'r3', level: 'district', week: '2019-10-07', cap: 2, sent: 2, by });
    expect(node.state.directives.r3).toBeUndefined();
    expect(node.state.pendingRelay).toEqual(relaying);
    expect(node.ownFigures()).toEqual(figures);
    expect(node.informationRequestsThisWeek(MONDAY)).toEqual({ week: '2019-10-07', sent: 2, refused: 1 });

    // Refusals are counted each time; the allowance is not spent by them.
    expect(node.issueDirective(request('r4'), MONDAY + 3000).refused).toBeDefined();
    expect(node.informationRequestsThisWeek(MONDAY)).toEqual({ week: '2019-10-07', sent: 2, refused: 2 });
  });

  test('a retry of a request that went out is the same answer, not a new request', () => {
    const node = mobilised();
    node.issueDirective(request('r1'), MONDAY);
    node.issueDirective(request('r2'), MONDAY);
    node.outbox.splice(0);
    expect(node.issueDirective(request('r1'), MONDAY)).toEqual({ directiveId: 'r1' });
    expect(node.outbox).toHaveLength(0);
    expect(node.informationRequestsThisWeek(MONDAY)).toMatchObject({ sent: 2, refused: 0 });
  });

  test('tasks are not capped, and a malformed request is refused for what is wrong with it, not counted', () => {
    const node = mobilised();
    for (const id of ['t1', 't2', 't3']) expect(node.issueDirective(request(id, 'task'), MONDAY).refused).toBeUndefined();
    node.issueDirective(request('r1'), MONDAY);
    node.issueDirective(request('r2'), MONDAY);
    expect(() => node.issueDirective({ ...request('r3'), targetLevels: ['city'] }, MONDAY)).toThrow(/goes down/);
    expect(node.informationRequestsThisWeek(MONDAY)).toMatchObject({ sent: 2, refused: 0 });
  });

  test('the allowance comes back at Monday 00:00 in Beijing, not before', () => {
    const node = mobilised();
    const lastWeek = SUNDAY_LATE - 6 * 86_400_000;
    node.issueDirective(request('r1'), lastWeek);
    node.issueDirective(request('r2'), lastWeek);
    expect(node.issueDirective(request('r3'), SUNDAY_LATE).refused?.week).toBe('2019-09-30');
    expect(node.issueDirective(request('r3'), MONDAY)).toEqual({ directiveId: 'r3' });
    expect(node.state.informationRequestWeeks).toEqual({ '2019-09-30': { sent: 2, refused: 1 }, '2019-10-07': { sent: 1, refused: 0 } });
  });

  test('the count survives continue-as-new', () => {
    const node = mobilised();
    node.issueDirective(request('r1'), MONDAY);
    node.issueDirective(request('r2'), MONDAY);
    node.issueDirective(request('r3'), MONDAY);
    const next = new OrgNode(campaign, district, JSON.parse(JSON.stringify(node.carry())));
    expect(next.issueDirective(request('r4'), MONDAY).refused).toBeDefined();
    expect(next.informationRequestsThisWeek(MONDAY)).toMatchObject({ sent: 2, refused: 2 });
  });

  test('a request for information lands in the targets’ ledgers as 要材料', () => {
    const node = mobilised();
    node.issueDirective(request('r1'), MONDAY);
    const unit = new OrgNode(campaign, { id: 'tj-d1-u1', level: 'unit', name: '一单位', parentId: 'tj-d1', path: '/tj/tj-d1/tj-d1-u1/' });
    unit.start(MONDAY);
    unit.directiveReceived(node.directivesToRelay[0]!, MONDAY);
    expect(unit.state.problems['directive-r1']).toMatchObject({ status: 'planned', category: '要材料' });
  });
});
