import { expect, test } from 'vitest';
import { byWeekAndLevel, coverageIn, informationRequestCaps } from './directives.js';

test('requests sent and refused meet in one row per week and level, the latest week first', () => {
  const sent = [
    { week: '2026-03-02', level: 'district', n: '3' },
    { week: '2026-03-09', level: 'unit', n: '1' },
  ];
  const refused = [
    { week: '2026-03-02', level: 'district', n: '2' },
    { week: '2026-03-09', level: 'district', n: '1' },
  ];
  expect(byWeekAndLevel(sent, refused)).toEqual([
    { week: '2026-03-09', level: 'district', sent: 0, refused: 1 },
    { week: '2026-03-09', level: 'unit', sent: 1, refused: 0 },
    { week: '2026-03-02', level: 'district', sent: 3, refused: 2 },
  ]);
});

test('a directive’s stored coverage is shown with rectified and lagging; none in the subtree is null', () => {
  const stored = { d1: { targeted: 4, done: 1, overdue: 1, rectified: 1, byLevel: { branch: { targeted: 4, done: 1, overdue: 1, rectified: 1 } } } };
  expect(coverageIn(stored, 'd1')).toMatchObject({ targeted: 4, done: 1, rectified: 1, lagging: 2, byLevel: { branch: { lagging: 2 } } });
  expect(coverageIn(stored, 'd2')).toBeNull();
  expect(coverageIn(null, 'd1')).toBeNull();
});

test('the caps are the rules’ informationRequestsPerWeek, or null', () => {
  expect(informationRequestCaps({ informationRequestsPerWeek: { district: 2 } })).toEqual({ district: 2 });
  expect(informationRequestCaps({})).toBeNull();
});
