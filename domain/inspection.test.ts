import { describe, expect, test } from 'vitest';
import {
  allocate,
  checkSixPreventions,
  democraticLifeRule,
  isVague,
  noticeText,
  problemsRule,
  requiredActionsRule,
  researchRule,
  ruleFindings,
  sampleOrgs,
  seededRandom,
  specialRectificationRule,
  studyRule,
  type Candidate,
  type InspectedOrgState,
} from './inspection.js';

const candidates: Candidate[] = Array.from({ length: 20 }, (_, i) => ({ orgId: `org-${String(i).padStart(2, '0')}`, level: i < 4 ? 'district' : 'unit' }));

describe('sampling', () => {
  test('the same seed gives the same sample, whatever the candidates’ order; another seed another', () => {
    const a = sampleOrgs(candidates, 5, 'round-1');
    expect(sampleOrgs([...candidates].reverse(), 5, 'round-1')).toEqual(a);
    expect(a).toHaveLength(5);
    expect(new Set(a).size).toBe(5);
    expect(sampleOrgs(candidates, 5, 'round-2')).not.toEqual(a);
    const next = seededRandom('x');
    const first = [next(), next(), next()];
    const again = seededRandom('x');
    expect([again(), again(), again()]).toEqual(first);
    expect(first.every((v) => v >= 0 && v < 1)).toBe(true);
  });

  test('more than there are: every candidate once; none: nothing', () => {
    expect(sampleOrgs(candidates, 50, 's')).toEqual(candidates.map((c) => c.orgId));
    expect(sampleOrgs([], 3, 's')).toEqual([]);
    expect(sampleOrgs(candidates, 0, 's')).toEqual([]);
  });

  test('close to uniform: chi-square over 20,000 seeds, 20 orgs, 5 each, below the 0.1% critical value (df 19: 43.82)', () => {
    const seeds = 20_000;
    const counts = new Map(candidates.map((c) => [c.orgId, 0]));
    for (let s = 0; s < seeds; s++) for (const id of sampleOrgs(candidates, 5, `seed-${s}`)) counts.set(id, counts.get(id)! + 1);
    const expected = (seeds * 5) / candidates.length;
    const chi2 = [...counts.values()].reduce((sum, o) => sum + (o - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(43.82);
    // Pairs too: the sample is not a window of a fixed order (chi-square over the 190 pairs, df 189, 0.1%: 252.0).
    const pairs = new Map<string, number>();
    for (let s = 0; s < seeds; s++) {
      const sample = sampleOrgs(candidates, 5, `seed-${s}`);
      for (let i = 0; i < sample.length; i++)
        for (let j = i + 1; j < sample.length; j++) pairs.set(`${sample[i]}|${sample[j]}`, (pairs.get(`${sample[i]}|${sample[j]}`) ?? 0) + 1);
    }
    const pairExpected = (seeds * 10) / 190;
    let pairChi2 = 0;
    for (let i = 0; i < 20; i++)
      for (let j = i + 1; j < 20; j++) pairChi2 += ((pairs.get(`${candidates[i]!.orgId}|${candidates[j]!.orgId}`) ?? 0) - pairExpected) ** 2 / pairExpected;
    expect(pairChi2).toBeLessThan(252.0);
  });

  test('stratified by level: shares proportional to each level’s size, each level sampled from its own', () => {
    const sample = sampleOrgs(candidates, 5, 'strata', true);
    expect(sample).toHaveLength(5);
    expect(sample.filter((id) => candidates.find((c) => c.orgId === id)!.level === 'district')).toHaveLength(1);
    expect(sample.filter((id) => candidates.find((c) => c.orgId === id)!.level === 'unit')).toHaveLength(4);
    expect(sampleOrgs(candidates, 5, 'strata', true)).toEqual(sample);
    // A small level still gets its share by rounding: 10 of 20 → district 2, unit 8.
    expect(
      allocate(
        [
          ['district', 4],
          ['unit', 16],
        ],
        10,
      ),
    ).toEqual({ district: 2, unit: 8 });
    expect(
      allocate(
        [
          ['city', 1],
          ['district', 3],
          ['unit', 9],
        ],
        4,
      ),
    ).toEqual({ city: 0, district: 1, unit: 3 });
    expect(
      allocate(
        [
          ['city', 1],
          ['district', 2],
        ],
        10,
      ),
    ).toEqual({ city: 1, district: 2 });
  });
});

const rules = { minStudyDays: 6, topicsMustBeVetted: true };
const diligent: InspectedOrgState = {
  orgId: 'good',
  mobilised: true,
  components: { study: 'done', research: 'done', review: 'done', rectification: 'open' },
  concentratedStudyDays: 6,
  topics: [{ topicId: 't1', status: 'approved', reports: 1 }],
  problems: [
    { problemId: 'p1', source: 'self_inspection', description: '窗口单位办事流程繁琐，群众反映一件事要跑三个科室', projectRef: null },
    { problemId: 'p2', source: 'democratic_life', description: '班子成员深入基层调研次数少，全年不足四次', projectRef: 'good/proj-1' },
  ],
  projects: [{ projectRef: 'good/proj-1', title: '基层减负' }],
  meetings: [{ meetingId: 'm1', problemsFound: 3 }],
};

describe('the six preventions, each rule against crafted org states', () => {
  test('a diligent org passes every rule', () => {
    expect(checkSixPreventions(diligent, rules)).toEqual([]);
  });

  test('an empty org (never mobilised) trips every rule but special rectification', () => {
    const empty: InspectedOrgState = { ...diligent, mobilised: false, concentratedStudyDays: 0, topics: [], problems: [], projects: [], meetings: [] };
    expect(checkSixPreventions(empty, rules).map((h) => h.prevention)).toEqual([
      'required_actions_incomplete',
      'study_superficial',
      'research_superficial',
      'problems_inaccurate',
      'democratic_life_perfunctory',
    ]);
  });

  test('required actions: mobilisation, then study, research and review each recorded', () => {
    expect(requiredActionsRule({ ...diligent, mobilised: false })?.detail).toBe('mobilisation meeting not held');
    expect(requiredActionsRule({ ...diligent, concentratedStudyDays: 0, topics: [] })?.detail).toBe('no concentrated study day recorded; no research topic');
    expect(requiredActionsRule(diligent)).toBeNull();
  });

  test('study: fewer concentrated days than the campaign’s minStudyDays', () => {
    expect(studyRule({ ...diligent, concentratedStudyDays: 5 }, rules)?.detail).toBe('concentrated study 5 of 6 days');
    expect(studyRule({ ...diligent, concentratedStudyDays: 2 }, { ...rules, minStudyDays: 2 })).toBeNull();
  });

  test('research: no topic, no vetted topic, or a vetted topic without a report', () => {
    expect(researchRule({ ...diligent, topics: [] }, rules)?.detail).toBe('no research topic');
    expect(researchRule({ ...diligent, topics: [{ topicId: 't1', status: 'proposed', reports: 0 }] }, rules)?.detail).toMatch(/none vetted/);
    expect(researchRule({ ...diligent, topics: [{ topicId: 't1', status: 'proposed', reports: 1 }] }, { ...rules, topicsMustBeVetted: false })).toBeNull();
    expect(researchRule({ ...diligent, topics: [...diligent.topics, { topicId: 't2', status: 'approved', reports: 0 }] }, rules)?.detail).toBe(
      'topic(s) without a report: t2',
    );
  });

  test('problems: an empty list of its own, or vague items', () => {
    const handedDown = [{ problemId: 'd1', source: 'directive', description: '落实上级部署的具体整改任务清单', projectRef: null }];
    expect(problemsRule({ ...diligent, problems: handedDown })?.detail).toBe('the problem list is empty');
    expect(
      problemsRule({
        ...diligent,
        problems: [...diligent.problems, { problemId: 'v1', source: 'self_inspection', description: '学习有待加强', projectRef: null }],
      })?.detail,
    ).toBe('vague problem(s): v1');
    expect(isVague('工作不够到位')).toBe(true);
    expect(isVague('作风有待加强。')).toBe(true);
    expect(isVague('窗口单位办事流程繁琐，群众反映一件事要跑三个科室')).toBe(false);
  });

  test('special rectification: a project no item belongs to', () => {
    expect(specialRectificationRule({ ...diligent, projects: [...diligent.projects, { projectRef: 'good/proj-2', title: '空' }] })?.detail).toBe(
      'special project(s) without items: good/proj-2',
    );
    expect(specialRectificationRule({ ...diligent, projects: [] })).toBeNull();
  });

  test('democratic life meeting: not held, or held and found nothing', () => {
    expect(democraticLifeRule({ ...diligent, meetings: [] })?.detail).toBe('no democratic life meeting held');
    expect(democraticLifeRule({ ...diligent, meetings: [{ meetingId: 'm2', problemsFound: 0 }] })?.detail).toBe('meeting(s) that found no problem: m2');
  });

  test('rule hits become numbered findings; the notice names every sampled org', () => {
    const findings = ruleFindings({ b: [{ prevention: 'study_superficial', detail: 'x' }], a: [{ prevention: 'democratic_life_perfunctory', detail: 'y' }] });
    expect(findings.map((f) => [f.findingId, f.orgId])).toEqual([
      ['r1', 'a'],
      ['r2', 'b'],
    ]);
    const text = noticeText('第一轮暗访抽查通报', findings, ['a', 'b', 'c'], 12);
    expect(text).toContain('a：防止民主生活会流于形式（y）');
    expect(text).toContain('c：未发现问题');
    expect(text).toContain('访谈 12 人');
  });
});
