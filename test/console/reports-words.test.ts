/**
 * The words of the reports and spot-check screens: every detail the six rules (domain/inspection.ts)
 * and the lagging rule (domain/report.ts) write in English reads in Chinese on screen, and a
 * finding typed by hand is left as typed. Pure functions: no browser, no server.
 */
import { describe, expect, test } from 'vitest';
import { checkSixPreventions, noticeText, ruleFindings, type InspectedOrgState } from '../../domain/inspection.js';
import { laggingReasons } from '../../domain/report.js';
import { noticeZh, reasonZh, ruleDetailZh } from '../../console/src/zh.js';

const blank: InspectedOrgState = {
  orgId: 'tj-d1-u1-b1',
  mobilised: true,
  components: { study: 'open', research: 'open', review: 'open', rectification: 'locked' },
  concentratedStudyDays: 0,
  topics: [],
  problems: [],
  projects: [],
  meetings: [],
};
const states: InspectedOrgState[] = [
  blank,
  { ...blank, mobilised: false },
  {
    ...blank,
    concentratedStudyDays: 1,
    topics: [
      { topicId: 't1', status: 'proposed', reports: 0 },
      { topicId: 't2', status: 'approved', reports: 0 },
    ],
    problems: [{ problemId: 'p1', source: 'self_inspection', description: '有待加强', projectRef: null }],
    projects: [{ projectRef: 'proj-1', title: '专项' }],
    meetings: [{ meetingId: 'm1', problemsFound: 0 }],
  },
  { ...blank, topics: [{ topicId: 't1', status: 'proposed', reports: 0 }] },
];
/** English words left over (ids such as `proj-1`, `t2`, `m1` are not words). */
const english = /\b(?![a-z]+[-\d])[a-z]{3,}\b/i;

describe('the screens’ words', () => {
  test('every six-preventions detail the rules write reads in Chinese', () => {
    const details = states.flatMap((s) => checkSixPreventions(s, { minStudyDays: 3, topicsMustBeVetted: true })).map((h) => h.detail);
    expect(new Set(details).size).toBeGreaterThanOrEqual(10);
    for (const d of details) expect({ d, zh: ruleDetailZh(d) }).toEqual({ d, zh: expect.not.stringMatching(english) });
    expect(ruleDetailZh('concentrated study 1 of 3 days')).toBe('集中学习 1 天（要求 3 天）');
    expect(ruleDetailZh('special project(s) without items: proj-1')).toBe('专项整治无具体事项：proj-1');
    expect(ruleDetailZh('调研课题照搬上级文件')).toBe('调研课题照搬上级文件');
  });

  test('a circulated notice reads in Chinese, a hand-typed finding left as typed', () => {
    const hits = Object.fromEntries(states.slice(0, 1).map((s) => [s.orgId, checkSixPreventions(s, { minStudyDays: 3, topicsMustBeVetted: true })]));
    const findings = [
      ...ruleFindings(hits),
      { findingId: 'm1', orgId: 'tj-d1-u1-b1', prevention: 'research_superficial' as const, detail: '调研课题照搬上级文件（见访谈记录）', by: 'inspector:abc' },
    ];
    const zh = noticeZh(noticeText('关于暗访抽查情况的通报', findings, ['tj-d1-u1-b1', 'tj-d1-u1-b2'], 6));
    expect(zh).not.toMatch(english);
    expect(zh.split('\n')).toEqual([
      '关于暗访抽查情况的通报',
      '抽查 2 个单位，个别访谈 6 人。',
      expect.stringMatching(
        /^tj-d1-u1-b1：防止规定动作不到位（未记录集中学习；没有调研课题；未开展检视（无问题、无民主生活会））；.*防止调查研究走形式（调研课题照搬上级文件（见访谈记录））$/,
      ),
      'tj-d1-u1-b2：未发现问题',
    ]);
  });

  test('the reports’ lagging reasons read in Chinese', () => {
    expect(laggingReasons({ mobilised: false, own: { studyDays: 1, overdue: 2 } }).map(reasonZh)).toEqual(['未召开动员会', '集中学习仅 1 天', '2 项逾期']);
  });
});
