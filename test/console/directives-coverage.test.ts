/** The directives screen's pure rules (console/src/directives-coverage.ts): coverage colour, in progress, the cap's allowance, new ids. */
import { describe, expect, test } from 'vitest';
import { allowanceLeft, coverageColour, inProgress, newDirectiveId, plainRefusal } from '../../console/src/directives-coverage.js';

const counts = (over: Partial<{ targeted: number; done: number; rectified: number; overdue: number }>) => {
  const c = { targeted: 4, done: 0, rectified: 0, overdue: 0, ...over };
  return { ...c, lagging: c.targeted - c.done - c.rectified };
};

describe('the directives screen’s rules', () => {
  test('colour: none without targets, red on any overdue, green once every target has done its part (rectified counts), else yellow', () => {
    expect(coverageColour(null)).toBe('none');
    expect(coverageColour(counts({ targeted: 0 }))).toBe('none');
    expect(coverageColour(counts({}))).toBe('yellow');
    expect(coverageColour(counts({ done: 2, rectified: 2 }))).toBe('green');
    expect(coverageColour(counts({ done: 3, rectified: 0 }))).toBe('yellow');
    expect(coverageColour(counts({ done: 1, overdue: 1 }))).toBe('red');
  });

  test('in progress is lagging less overdue', () => {
    expect(inProgress(counts({ done: 1, rectified: 1, overdue: 1 }))).toBe(1);
    expect(inProgress(counts({ done: 4 }))).toBe(0);
  });

  test('the weekly allowance: cap less sent, never below 0; null when not capped', () => {
    expect(allowanceLeft({ cap: 2, sent: 1 })).toBe(1);
    expect(allowanceLeft({ cap: 1, sent: 3 })).toBe(0);
    expect(allowanceLeft({ cap: null, sent: 5 })).toBeNull();
    expect(allowanceLeft(undefined)).toBeNull();
  });

  test('a new directive id is named by the day in China and fits the API’s ItemId', () => {
    const id = newDirectiveId(Date.parse('2026-12-06T20:00:00Z'), () => 0.123456789);
    expect(id).toMatch(/^d-20261207-[a-z0-9]{6}$/);
    expect(id).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$/);
    expect(newDirectiveId(Date.parse('2026-12-06T15:59:59Z'), () => 0.5)).toMatch(/^d-20261206-/);
  });
});

describe('the workflow’s refusals in plain words', () => {
  test('known refusals in Chinese, others as the API said them', () => {
    expect(plainRefusal('name target levels or target orgs')).toBe('请至少选择一个下达层级，或填写指定组织。');
    expect(plainRefusal('the deadline 2020-01-01 has already passed')).toBe('期限 2020-01-01 已过，请选择今后的日期。');
    expect(plainRefusal('a directive goes down: city is not below district')).toMatch(/^部署只能向下级下达/);
    expect(plainRefusal('something else')).toBe('something else');
  });
});
