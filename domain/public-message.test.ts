import { describe, expect, test } from 'vitest';
import { PublicMessageSubmission, routeMessage, senderStatus, stateOfItem, triageDeadlineMs } from './public-message.js';
import { hashTrackingCode, newTrackingCode, TRACKING_CODE } from './tracking-code.js';

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
    expect(['planned', 'in_progress', 'rectified'].map((s) => stateOfItem(s as 'planned'))).toEqual(['in_rectification', 'in_rectification', 'in_rectification']);
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

describe('tracking codes', () => {
  test('24 base64url characters carrying 144 random bits; no two alike', () => {
    const codes = new Set(Array.from({ length: 10_000 }, () => newTrackingCode()));
    expect(codes.size).toBe(10_000);
    for (const c of [...codes].slice(0, 100)) expect(c).toMatch(TRACKING_CODE);
    // 24 characters × 6 bits: every bit of 18 random bytes, no padding.
    expect(newTrackingCode((n) => Buffer.alloc(n, 0xff))).toBe('_'.repeat(24));
  });
  test('stored only as a sha256', () => {
    expect(hashTrackingCode('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
