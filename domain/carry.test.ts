import { expect, test } from 'vitest';
import { packChildren, packInbox, unpackChildren, unpackInbox } from './carry.js';
import type { InboxEscalation } from './escalation.js';
import { FIGURE_KEYS, zeroFigures, type ChildSnapshot } from './figures.js';
import { OrgNode } from './org-node.js';

function child(i: number, withDirective: boolean): ChildSnapshot {
  const figures = zeroFigures();
  FIGURE_KEYS.forEach((k, j) => (figures[k] = (i * 7 + j) % 5));
  return {
    seq: i + 3,
    complete: i % 2 === 0,
    mobilised: true,
    figures,
    ...(withDirective ? { directives: { d1: { targeted: 1, done: i % 2, overdue: 0, byLevel: { branch: { targeted: 1, done: i % 2, overdue: 0 } } } } } : {}),
  };
}

test('children snapshots come back from packing as they went in, directive coverage included', () => {
  const children = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`u1-b${i}`, child(i, i % 3 === 0)]));
  expect(unpackChildren(JSON.parse(JSON.stringify(packChildren(children))))).toEqual(children);
});

test('a 3,000-child unit carries a fraction of the bytes; rows from a run that knew other figures read with zeros', () => {
  const children = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`nk-u1-b${i + 1}`, child(i, true)]));
  const plain = JSON.stringify(children).length;
  const packed = JSON.stringify(packChildren(children)).length;
  expect(packed).toBeLessThan(plain / 3);

  const older = {
    keys: ['orgs', 'mobilised', 'retiredFigure'],
    rows: { b1: [4, 1, 1, 1, 1, 99] },
    levels: ['city', 'district', 'unit', 'branch'],
    coverage: {},
  };
  const [b1] = Object.values(unpackChildren(older));
  expect(b1!.figures).toEqual({ ...zeroFigures(), orgs: 1, mobilised: 1 });
  expect(b1!.seq).toBe(4);
});

test('an inbox comes back from packing as it went in', () => {
  const inbox: Record<string, InboxEscalation> = {
    'campaign/c/org/b1#p1': { status: 'pending', hop: 1, claimDeadlineMs: 1_764_000_000_000, problemId: null },
    'campaign/c/org/b2#p1': { status: 'claimed', hop: 2, claimDeadlineMs: 1_764_000_000_001, problemId: 'esc-1' },
    'campaign/c/org/b3#p9': { status: 'forwarded', hop: 1, claimDeadlineMs: 1_764_000_000_002, problemId: null },
  };
  expect(unpackInbox(JSON.parse(JSON.stringify(packInbox(inbox))))).toEqual(inbox);
});

test('an org continues as new with its state packed and reads it back whole', () => {
  const campaign = { id: 'c', batch: 2, phaseMode: 'integrated' as const, rules: {} as never, startsOn: '2026-01-01', endsOn: '2026-12-31', rootOrgId: 'tj' };
  const org = { id: 'nk-u1', parentId: 'nk', level: 'unit' as const, name: '学生工作部', path: '/tj/nk/nk-u1/' };
  const node = new OrgNode(campaign, org);
  node.state.children = { b1: child(1, true), b2: child(2, false) };
  node.state.inbox = { 'campaign/c/org/b1#p1': { status: 'pending', hop: 1, claimDeadlineMs: 5, problemId: null } };
  node.state.seq = 17;
  const next = new OrgNode(campaign, org, JSON.parse(JSON.stringify(node.carry())));
  expect(next.state).toEqual(node.state);
});

test('coverage with items rectified and awaiting verification packs and unpacks; rows packed before rectified was counted read as before', () => {
  const snapshot: ChildSnapshot = {
    ...child(1, false),
    directives: {
      d1: {
        targeted: 3,
        done: 1,
        overdue: 0,
        rectified: 2,
        byLevel: { branch: { targeted: 2, done: 0, overdue: 0, rectified: 2 }, unit: { targeted: 1, done: 1, overdue: 0 } },
      },
    },
  };
  expect(unpackChildren(JSON.parse(JSON.stringify(packChildren({ b1: snapshot }))))).toEqual({ b1: snapshot });

  const older = {
    keys: ['orgs'],
    rows: { b1: [4, 0, 1, 1] },
    levels: ['city', 'district', 'unit', 'branch'],
    coverage: { d1: { b1: [2, 1, 1, 3, 2, 1, 1] } },
  };
  expect(unpackChildren(older).b1!.directives).toEqual({ d1: { targeted: 2, done: 1, overdue: 1, byLevel: { branch: { targeted: 2, done: 1, overdue: 1 } } } });
});

test('an escalation red at the top keeps its status through packing, and an inbox packed before that status existed reads as it was', () => {
  const inbox: Record<string, InboxEscalation> = { 'campaign/c/org/b1#p1': { status: 'overdue', hop: 3, claimDeadlineMs: 9, problemId: null } };
  expect(unpackInbox(JSON.parse(JSON.stringify(packInbox(inbox))))).toEqual(inbox);
  expect(unpackInbox({ statuses: ['pending', 'claimed', 'forwarded'], rows: { e: [2, 1, 5, null] } })).toEqual({
    e: { status: 'forwarded', hop: 1, claimDeadlineMs: 5, problemId: null },
  });
});
