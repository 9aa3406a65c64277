import { describe, expect, test } from 'vitest';
import { escapeHtml, laggingReasons, levelProgress, reportHtml, type ReportFigures } from './report.js';

describe('levelProgress', () => {
  test('counts each org and item once per level and in the total, leaves cancelled items out, and counts overdue as the ledger does', () => {
    const orgs = [
      { level: 'city', mobilised: true },
      { level: 'district', mobilised: true },
      { level: 'district', mobilised: false },
      { level: 'branch', mobilised: true },
    ];
    const items = [
      { level: 'district', status: 'found', overdue: false },
      { level: 'district', status: 'planned', overdue: true },
      { level: 'district', status: 'in_progress', overdue: true },
      { level: 'district', status: 'rectified', overdue: true }, // rectified: no longer overdue
      { level: 'district', status: 'closed', overdue: false },
      { level: 'district', status: 'cancelled', overdue: false },
      { level: 'branch', status: 'closed', overdue: false },
    ];
    const { levels, total } = levelProgress(orgs, items);
    expect(levels.map((l) => l.level)).toEqual(['city', 'district', 'branch']);
    expect(levels[1]).toEqual({
      level: 'district',
      orgs: 2,
      mobilised: 1,
      problems: 5,
      found: 1,
      planned: 1,
      inProgress: 1,
      rectified: 1,
      closed: 1,
      overdue: 2,
      closedPercent: 20,
    });
    expect(levels[0]).toMatchObject({ orgs: 1, problems: 0, closedPercent: 0 });
    expect(total).toEqual({ orgs: 4, mobilised: 3, problems: 6, found: 1, planned: 1, inProgress: 1, rectified: 1, closed: 2, overdue: 2, closedPercent: 33 });
  });

  test('the total is the sum of the levels, on random rows', () => {
    const statuses = ['found', 'planned', 'in_progress', 'rectified', 'closed', 'cancelled'];
    const levelNames = ['city', 'district', 'unit', 'branch'];
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const orgs = Array.from({ length: 300 }, () => ({ level: levelNames[rand(4)]!, mobilised: rand(2) === 0 }));
    const items = Array.from({ length: 2000 }, () => ({ level: levelNames[rand(4)]!, status: statuses[rand(6)]!, overdue: rand(3) === 0 }));
    const { levels, total } = levelProgress(orgs, items);
    for (const field of ['orgs', 'mobilised', 'problems', 'found', 'planned', 'inProgress', 'rectified', 'closed', 'overdue'] as const) {
      expect(
        levels.reduce((a, l) => a + l[field], 0),
        field,
      ).toBe(total[field]);
    }
    expect(total.problems).toBe(items.filter((i) => i.status !== 'cancelled').length);
  });
});

test('lagging reasons follow the /lagging rule', () => {
  expect(laggingReasons({ mobilised: true, own: { studyDone: 1, overdue: 0 } })).toEqual([]);
  expect(laggingReasons({ mobilised: false, own: { studyDone: 0, studyDays: 2, overdue: 3 } })).toEqual(['not mobilised', 'study 2 days', '3 overdue']);
});

test('the page escapes what orgs typed and holds a table and an SVG chart', () => {
  const level = {
    level: 'district' as const,
    orgs: 1,
    mobilised: 1,
    problems: 2,
    found: 0,
    planned: 1,
    inProgress: 0,
    rectified: 0,
    closed: 1,
    overdue: 1,
    closedPercent: 50,
  };
  const figures: ReportFigures = {
    campaign: { id: 'c1', name: '主题教育 <script>alert(1)</script>', rootOrgId: 'tj', status: 'running' },
    period: { from: '2026-11-30T01:00:00.000Z', to: '2026-12-07T01:00:00.000Z' },
    levels: [level],
    total: { ...level },
    activity: { problemsRecorded: 2, itemsClosed: 1 },
    lagging: { count: 1, orgs: [{ orgId: 'tj-d1', name: '河西区 & "东"', level: 'district', reasons: ['1 overdue'] }] },
    overdue: { count: 1, items: [{ orgId: 'tj-d1', problemId: 'p1', category: '<b>作风</b>', owner: null, deadline: null }] },
    escalations: { raised: 0, received: 0, claimed: 0, forwarded: 0, lapsed: 0, awaitingClaim: 0 },
  };
  const html = reportHtml({ kind: 'weekly', createdAt: '2026-12-07T01:00:03.000Z', figures });
  expect(html).toContain('<svg');
  expect(html).toContain('<table>');
  expect(html).not.toContain('<script>');
  expect(html).toContain('&lt;script&gt;');
  expect(html).toContain('河西区 &amp; &quot;东&quot;');
  expect(html).toContain('&lt;b&gt;作风&lt;/b&gt;');
  expect(escapeHtml(`'`)).toBe('&#39;');
});
