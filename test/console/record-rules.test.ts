/**
 * The 填报 screen's previews and plain words (console/src/record-rules.ts): the research
 * component judged as the workflow judges it (domain/org-node.ts `componentDone`), and the
 * API's refusals, zod's and the domain's, in words a secretary reads.
 */
import { describe, expect, test } from 'vitest';
import {
  fieldOf,
  plainField,
  plainRefusal,
  problemPreview,
  rectificationNeed,
  reportPreview,
  research,
  researchNeed,
  reviewNeed,
  topicPreview,
  type Topic,
} from '../../console/src/record-rules.js';

const topic = (topic_id: string, status: string, reports = 0): Topic => ({ topic_id, title: `课题${topic_id}`, leader: '书记', status, reports });

describe('the research component, as the rules judge it', () => {
  test('done only when a topic is approved, every approved one has a report and none awaits vetting', () => {
    expect(research([]).done).toBe(false);
    expect(research([topic('a', 'approved')]).done).toBe(false);
    expect(research([topic('a', 'approved', 1)]).done).toBe(true);
    expect(research([topic('a', 'approved', 1), topic('b', 'proposed')]).done).toBe(false);
    // A returned topic neither counts nor holds the component back.
    expect(research([topic('a', 'approved', 2), topic('b', 'returned')]).done).toBe(true);
    expect(research([topic('b', 'returned')]).done).toBe(false);
  });

  test('says what is there and what is missing, by title', () => {
    expect(researchNeed(research([]), true)).toBe('尚无调研课题：先提出课题，经把关通过后撰写调研报告');
    expect(researchNeed(research([]), false)).toBe('尚无调研课题：先提出课题，撰写调研报告');
    expect(researchNeed(research([topic('a', 'proposed')]), true)).toBe('课题 1 个（已把关通过 0 个，待把关 1 个），调研报告 0 篇；待把关：《课题a》');
    expect(researchNeed(research([topic('a', 'approved'), topic('b', 'approved', 1)]), true)).toBe(
      '课题 2 个（已把关通过 2 个），调研报告 1 篇；尚缺调研报告：《课题a》',
    );
    expect(researchNeed(research([topic('a', 'approved', 1)]), true)).toBe('课题 1 个（已把关通过 1 个），调研报告 1 篇：每个把关通过的课题都有调研报告');
    expect(researchNeed(research([topic('a', 'returned')]), true)).toBe('课题 1 个已退回：修改后重新提出，或提出新课题');
  });

  test('previews a topic and a report', () => {
    expect(topicPreview(research([]), true)).toMatch(/^提交后课题待把关/);
    expect(topicPreview(research([]), false)).toMatch(/^本次活动的课题无需把关/);
    expect(topicPreview(research([topic('a', 'approved', 1)]), true)).toMatch(/新课题会使其重新进行/);
    const r = research([topic('a', 'approved'), topic('b', 'approved'), topic('c', 'approved', 1)]);
    expect(reportPreview(r, 'a')).toBe('《课题a》尚缺报告：提交后还有 1 个课题缺报告，调查研究环节才完成。');
    expect(reportPreview(research([topic('a', 'approved')]), 'a')).toBe('《课题a》尚缺报告：提交后调查研究环节即完成。');
    expect(reportPreview(research([topic('a', 'approved'), topic('b', 'approved'), topic('p', 'proposed')]), 'a')).toBe(
      '《课题a》尚缺报告：提交后还有 1 个课题缺报告、1 个课题待把关，调查研究环节才完成。',
    );
    expect(reportPreview(r, 'c')).toBe('《课题c》已有调研报告 1 篇，这一篇不改变环节进度。');
    expect(reportPreview(research([]), 'x')).toMatch(/还没有把关通过的课题/);
  });
});

describe('review and rectification', () => {
  test('what each still needs', () => {
    const open = { problems: 2, closed: 0, meetings: 1, reviewDone: false };
    expect(reviewNeed(open)).toBe('已查摆问题 2 个（民主生活会 1 次）；查摆完毕后确认问题清单，检视问题环节即完成');
    expect(reviewNeed({ ...open, reviewDone: true })).toBe('已查摆问题 2 个（民主生活会 1 次），问题清单已确认');
    expect(rectificationNeed(open)).toBe('问题 2 个，已销号 0 个，2 个待整改；问题清单确认后，全部销号即完成');
    expect(rectificationNeed({ ...open, reviewDone: true, closed: 1 })).toBe('问题 2 个，已销号 1 个：还有 1 个未销号（不整改不销号）');
    expect(rectificationNeed({ ...open, reviewDone: true, closed: 2 })).toBe('问题 2 个，已销号 2 个：全部销号');
    expect(problemPreview(open, 3, true, 7)).toBe('提交后进入问题台账：已查摆问题 2 → 5 个，整改落实环节须全部销号才能完成。立行立改：整改期限不超过 7 天。');
  });
});

describe('refusals in plain words', () => {
  test('a field named by problem+json is the form field of that name', () => {
    expect(fieldOf('body.reason')).toBe('reason');
    expect(fieldOf('body.problems.0.category')).toBe('problems.0.category');
    expect(fieldOf('querystring.limit')).toBeUndefined();
  });

  test('zod’s words and the domain’s', () => {
    expect(plainField('Too small: expected string to have >=1 characters')).toBe('不能为空');
    expect(plainField('Too big: expected string to have <=60 characters')).toBe('不能超过 60 个字');
    expect(plainField('Too small: expected number to be >0')).toBe('须大于 0');
    expect(plainField('Too small: expected number to be >=1')).toBe('不能小于 1');
    expect(plainField('a returned topic needs a reason')).toBe('退回课题须写明理由');
    expect(plainRefusal('2026-12-09 is in the future (today is 2026-12-06)')).toBe('2026-12-09 晚于今天（2026-12-06），不能预先填报');
    expect(plainRefusal('2019-01-01 is before the campaign starts (2019-09-01)')).toBe('2019-01-01 早于活动开始日期（2019-09-01）');
    expect(plainRefusal('topic T-1 is approved, not awaiting vetting')).toBe('该课题已把关通过，已不在待把关状态（可能已有人把关）');
    expect(plainRefusal('topic T-1 is proposed; reports go against approved topics')).toBe('该课题待把关：调研报告须针对把关通过的课题');
    expect(plainRefusal('tj-d1-u1-b1 has not held its mobilisation meeting yet; research opens after it')).toBe(
      '本组织尚未召开动员部署会议：调查研究环节在动员会后开始',
    );
    expect(plainRefusal('review opens when research is done (sequential mode)')).toBe('检视问题环节在调查研究环节完成后开始（按阶段推进）');
    expect(plainRefusal('org tj-d2-u1-b1 is not reached by the cascade yet: its parent tj-d2-u1 (第二单位) has not held its mobilisation meeting')).toBe(
      '活动尚未部署到本组织：上级组织“第二单位”尚未召开动员部署会议',
    );
    expect(plainRefusal('a secretary of tj-d1 acts on its own org only, not on org tj-d1-u1 below it')).toBe('你的账号无权为本组织做这项填报');
    // Unknown words are passed on as the API said them, never lost.
    expect(plainRefusal('something new')).toBe('something new');
  });
});
