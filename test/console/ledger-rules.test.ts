/**
 * The ledger screen's pure rules (console/src/ledger-rules.ts): who may press what on an item,
 * as api/auth.ts and the workflow decide it, and the API's refusals in plain Chinese.
 */
import { describe, expect, test } from 'vitest';
import { actionsFor, mayOn, refusalZh } from '../../console/src/ledger-rules.js';

const BRANCH = '/tj/tj-d1/tj-d1-u1/tj-d1-u1-b1/';

describe('mayOn: api/auth.ts requireOrgAccess, read from the session', () => {
  test.each([
    ['secretary', BRANCH, { act: true, verify: false }],
    ['secretary', '/tj/tj-d1/tj-d1-u1/', { act: false, verify: false }],
    ['organiser', BRANCH, { act: true, verify: false }],
    ['organiser', '/tj/tj-d1/', { act: true, verify: true }],
    ['inspector', '/tj/tj-d1/', { act: false, verify: true }],
    ['inspector', BRANCH, { act: false, verify: true }],
    ['operator', '/tj/', { act: false, verify: false }],
    ['organiser', '/tj/tj-d2/', { act: false, verify: false }],
  ])('a %s at %s', (role, orgPath, expected) => {
    expect(mayOn({ role, orgPath }, BRANCH.startsWith(orgPath) ? BRANCH : BRANCH.replace('/tj/tj-d1/', '/tj/tj-d9/'))).toEqual(expected);
  });
  test('an admin may everything', () => expect(mayOn({ role: 'admin', orgPath: '/' }, BRANCH)).toEqual({ act: true, verify: true }));
});

test('actionsFor: each state takes its next step; an extension once; verifying only a rectified item', () => {
  const all = { act: true, verify: true };
  expect(actionsFor({ status: 'found', extended_from: null }, all)).toEqual(['plan']);
  expect(actionsFor({ status: 'planned', extended_from: null }, all)).toEqual(['start', 'extend']);
  expect(actionsFor({ status: 'in_progress', extended_from: '2026-12-01T00:00:00Z' }, all)).toEqual(['submit']);
  expect(actionsFor({ status: 'rectified', extended_from: null }, all)).toEqual(['verify']);
  expect(actionsFor({ status: 'rectified', extended_from: null }, { act: true, verify: false })).toEqual([]);
  expect(actionsFor({ status: 'closed', extended_from: null }, all)).toEqual([]);
});

test('refusalZh: the workflow’s refusals in plain words, the detail itself otherwise', () => {
  expect(refusalZh(422, 'the new deadline must be after the current one (2026-12-06T13:49:51.000Z)')).toBe('新的期限必须晚于原期限（2026年12月6日 21:49）。');
  expect(refusalZh(422, 'the deadline 2026-01-01 has already passed')).toMatch(/^期限已过/);
  expect(refusalZh(409, 'the deadline of p1 was already extended once')).toBe('期限只能延长一次，本事项已延长过。');
  expect(refusalZh(422, 'a returned rectification needs a reason')).toBe('退回整改须写明理由。');
  expect(refusalZh(409, 'problem p1 is closed; cannot submit (next: nothing: it is closed)')).toMatch(/已销号/);
  expect(refusalZh(403, 'item p1 is verified by an inspector or an organiser above b1, never by whoever rectified it, as this caller did')).toBe(
    '整改材料的提交人不能自己核验销号。',
  );
  expect(refusalZh(409, 'something new')).toBe('something new');
});
