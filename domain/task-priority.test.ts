import { describe, expect, test } from 'vitest';
import { LEVELS } from './levels.js';
import { CAMPAIGN_PRIORITY, orgTaskPriority } from './task-priority.js';

describe('task priority', () => {
  test('the campaign and its city first, the districts next, units and branches at the server default (3)', () => {
    expect(CAMPAIGN_PRIORITY.priorityKey).toBe(1);
    expect(LEVELS.map((l) => orgTaskPriority(l)?.priorityKey ?? 3)).toEqual([1, 2, 3, 3]);
  });

  test('every key is one the server takes (1 to 5 by default)', () => {
    for (const level of LEVELS) {
      const key = orgTaskPriority(level)?.priorityKey;
      if (key !== undefined) expect(Number.isInteger(key) && key >= 1 && key <= 5, `${level}: ${key}`).toBe(true);
    }
  });
});
