import { expect, test } from 'vitest';
import { addCoverage, coverageOfOne, coverageView, emptyCoverage, isTargeted, type DirectiveSpec } from './directive.js';
import { allPartsClosed } from './joint.js';

const spec: DirectiveSpec = {
  directiveId: 'd',
  issuerOrgId: 'tj',
  title: 't',
  instructions: 'i',
  deadline: '2099-01-01T00:00:00.000Z',
  targetLevels: ['branch'],
  targetOrgIds: ['tj-d2'],
  cancelled: false,
};

test('a directive targets its levels and its named orgs', () => {
  expect(isTargeted(spec, { id: 'tj-d1-u1-b1', level: 'branch' })).toBe(true);
  expect(isTargeted(spec, { id: 'tj-d2', level: 'district' })).toBe(true);
  expect(isTargeted(spec, { id: 'tj-d1', level: 'district' })).toBe(false);
});

test('coverage sums by directive and by level', () => {
  const a = { d: { targeted: 2, done: 1, overdue: 0, byLevel: { branch: { targeted: 2, done: 1, overdue: 0 } } } };
  const b = { d: { targeted: 1, done: 0, overdue: 1, byLevel: { unit: { targeted: 1, done: 0, overdue: 1 } } }, e: emptyCoverage() };
  expect(addCoverage(addCoverage({}, a), b)).toEqual({
    d: { targeted: 3, done: 1, overdue: 1, byLevel: { branch: { targeted: 2, done: 1, overdue: 0 }, unit: { targeted: 1, done: 0, overdue: 1 } } },
    e: emptyCoverage(),
  });
});

test('a joint problem is answered only when every part is closed', () => {
  expect(allPartsClosed({ a: 'closed', b: 'closed' })).toBe(true);
  expect(allPartsClosed({ a: 'closed', b: 'rectified' })).toBe(false);
  expect(allPartsClosed({ a: 'closed', b: 'undeliverable' })).toBe(false);
  expect(allPartsClosed({})).toBe(false);
});

test('items rectified and awaiting verification are counted apart from done, by level, up the tree; zero stays out of the snapshot', () => {
  const branchRectified = { d: coverageOfOne('branch', { targeted: 1, done: 0, overdue: 0, rectified: 1 }) };
  const branchDone = { d: coverageOfOne('branch', { targeted: 1, done: 1, overdue: 0, rectified: 0 }) };
  const unitLate = { d: coverageOfOne('unit', { targeted: 1, done: 0, overdue: 1, rectified: 0 }) };
  // What an org that has not been told to count rectified items reports: unchanged JSON.
  expect(JSON.stringify(branchDone.d)).toBe(JSON.stringify({ targeted: 1, done: 1, overdue: 0, byLevel: { branch: { targeted: 1, done: 1, overdue: 0 } } }));
  const unit = addCoverage(addCoverage(addCoverage({}, branchRectified), branchDone), unitLate);
  const district = addCoverage(addCoverage({}, unit), { d: coverageOfOne('branch', { targeted: 1, done: 0, overdue: 0, rectified: 1 }) });
  expect(district.d).toEqual({
    targeted: 4,
    done: 1,
    overdue: 1,
    rectified: 2,
    byLevel: { branch: { targeted: 3, done: 1, overdue: 0, rectified: 2 }, unit: { targeted: 1, done: 0, overdue: 1 } },
  });
  expect(coverageView(district.d!)).toEqual({
    targeted: 4,
    done: 1,
    rectified: 2,
    overdue: 1,
    lagging: 1,
    byLevel: { branch: { targeted: 3, done: 1, rectified: 2, overdue: 0, lagging: 0 }, unit: { targeted: 1, done: 0, rectified: 0, overdue: 1, lagging: 1 } },
  });
  // Coverage stored before rectified was counted reads with 0.
  expect(coverageView({ targeted: 2, done: 1, overdue: 0, byLevel: {} })).toEqual({ targeted: 2, done: 1, rectified: 0, overdue: 0, lagging: 1, byLevel: {} });
});
