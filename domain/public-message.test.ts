import { describe, expect, test } from 'vitest';
import { PublicMessageSubmission, routeMessage, senderStatus, stateOfItem, triageDeadlineMs } from './public-message.js';
import { Rules } from './campaign.js';
import { OrgNode } from './org-node.js';

describe('routing rules', () => {
  const routes = [
    { orgId: 'catch-all' },
    { area: '河西区', orgId: 'hexi' },
    { category: '交通', orgId: 'traffic' },
    { category: '交通', area: '河西区', orgId: 'hexi-traffic' },
    { category: '交通', area: '河西区', orgId: 'second-of-equals' },
  ];
  test('the most specific matching rule wins: category and area, then category, then area, then a catch-all', () => {
    expect(routeMessage(routes, { category: '交通', area: '河西区' })).toBe('hexi-traffic');
    expect(routeMessage(routes, { category: '交通', area: '和平区' })).toBe('traffic');
    expect(routeMessage(routes, { category: '环境', area: '河西区' })).toBe('hexi');
    expect(routeMessage(routes, { category: '环境', area: '和平区' })).toBe('catch-all');
  });
  test('no rule matches: null, the office triages it', () => {
    expect(routeMessage(routes.slice(1), { category: '环境', area: '和平区' })).toBeNull();
    expect(routeMessage([], { category: '交通', area: '河西区' })).toBeNull();
  });
});

describe('the day’s deadline in China Standard Time', () => {
  test('the end of the day of receipt in UTC+8, whatever the UTC date', () => {
    // 2019-11-18 23:30 in Beijing is 15:30 UTC: due at midnight Beijing, 16:00 UTC.
    expect(new Date(triageDeadlineMs(Date.parse('2019-11-18T15:30:00Z'))).toISOString()).toBe('2019-11-18T16:00:00.000Z');
    // 00:10 in Beijing on the 19th is still the 18th in UTC: due at the end of the 19th.
    expect(new Date(triageDeadlineMs(Date.parse('2019-11-18T16:10:00Z'))).toISOString()).toBe('2019-11-19T16:00:00.000Z');
    // Midnight exactly starts a new day.
    expect(new Date(triageDeadlineMs(Date.parse('2019-11-18T16:00:00Z'))).toISOString()).toBe('2019-11-19T16:00:00.000Z');
    expect(new Date(triageDeadlineMs(Date.parse('2019-11-19T15:59:59.999Z'))).toISOString()).toBe('2019-11-19T16:00:00.000Z');
  });
  test('a campaign rule in seconds overrides it', () => {
    expect(triageDeadlineMs(1_000_000, 3)).toBe(1_003_000);
  });
});

describe('status', () => {
  test('the item’s status maps to the message’s; flagged shows only while unrouted', () => {
    expect(stateOfItem('found')).toBe('routed');
    expect(['planned', 'in_progress', 'rectified'].map((s) => stateOfItem(s as 'planned'))).toEqual([
      'in_rectification',
      'in_rectification',
      'in_rectification',
    ]);
    expect(stateOfItem('closed')).toBe('resolved');
    expect(senderStatus('awaiting_triage', true)).toBe('flagged');
    expect(senderStatus('awaiting_triage', false)).toBe('received');
    expect(senderStatus('routed', true)).toBe('routed');
  });
});

describe('submission', () => {
  test('strict: unknown fields, empty text and control characters are refused, naming the field', () => {
    const bad = (body: unknown) => PublicMessageSubmission.safeParse(body).error?.issues.map((i) => i.path.join('.') || i.code);
    expect(bad({ text: '路灯不亮', category: '市容', area: '河西区' })).toBeUndefined();
    expect(bad({ text: '  ', category: '市容', area: '河西区' })).toEqual(['text']);
    expect(bad({ text: 'a\u0000b', category: '市容', area: '河西区' })).toEqual(['text']);
    expect(bad({ text: 'x', category: '市容', area: '河西区', orgId: 'tj' })).toEqual(['unrecognized_keys']);
  });
});

describe('the item at the responsible org', () => {
  test('a routed message is an item of the org’s ledger; each move goes back to the message’s workflow; a second delivery changes nothing', () => {
    const now = Date.parse('2019-10-01T04:00:00Z');
    const node = new OrgNode(
      { id: 'c', batch: 1, phaseMode: 'integrated', rules: Rules.parse({}), startsOn: '2019-09-01', endsOn: '2019-12-31', rootOrgId: 'tj' },
      { id: 'd1', level: 'district', name: '河西区', parentId: 'tj', path: '/tj/d1/' },
    );
    node.start(now);
    node.mobilise({ date: '2019-09-05', attendance: 30, by: 'secretary' }, now);
    const assignment = { messageId: 'm1', messageWorkflowId: 'campaign/c/public/m1', category: '交通', area: '河西区', text: '红绿灯坏了' };
    node.publicMessageAssigned(assignment, now);
    node.publicMessageAssigned(assignment, now);
    expect(node.state.problems['public-m1']).toMatchObject({
      source: 'public_message',
      category: '交通',
      status: 'found',
      publicWorkflowId: 'campaign/c/public/m1',
    });
    const by = 'secretary';
    node.planRectification({ problemId: 'public-m1', owner: '交管', measures: '更换', deadline: '2019-12-01', by }, now);
    node.startRectification({ problemId: 'public-m1', by }, now);
    node.submitRectification({ problemId: 'public-m1', evidence: '已更换', by }, now);
    node.verifyRectification({ problemId: 'public-m1', decision: 'verified', by: 'inspector:1', verifierRole: 'inspector', verifierOrgId: 'tj' }, now);
    const told = node.state.outgoing.filter((o) => o.signal === 'publicMessageStatus');
    expect(told.map((o) => o.workflowId)).toEqual(Array(5).fill('campaign/c/public/m1'));
    expect(told.map((o) => (o.payload as { status: string }).status)).toEqual(['found', 'planned', 'in_progress', 'rectified', 'closed']);
    expect(node.outbox.filter((e) => e.type === 'PublicMessageAccepted')).toHaveLength(1);
  });
});
