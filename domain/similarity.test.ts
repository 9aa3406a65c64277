import { expect, test } from 'vitest';
import { similarTopics, titleSimilarity } from './similarity.js';

test('Chinese titles that say the same thing are similar; different subjects are not', () => {
  expect(titleSimilarity('关于优化营商环境的调研', '优化营商环境调研')).toBe(1);
  expect(titleSimilarity('推进老旧小区改造', '老旧小区改造推进情况')).toBeGreaterThanOrEqual(0.5);
  expect(titleSimilarity('优化营商环境', '社区养老服务')).toBe(0);
  expect(titleSimilarity('Reducing paperwork for branches', 'reducing paperwork for branches!')).toBe(1);
});

test('similarTopics lists the ids above the threshold', () => {
  const others = [
    { topicId: 'a', title: '基层减负调研' },
    { topicId: 'b', title: '乡村振兴' },
  ];
  expect(similarTopics('关于基层减负的研究', others)).toEqual(['a']);
});
