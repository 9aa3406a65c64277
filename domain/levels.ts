/**
 * The four levels of the hierarchy, top down (市 / 区 / 单位 / 基层党支部). A level-2
 * body may be a district, a bureau, a university or a hospital: that is its `kind`.
 */
import { z } from 'zod';
import { lazySchema } from './lazy-schema.js';

export const LEVELS = ['city', 'district', 'unit', 'branch'] as const;
export const Level = lazySchema(() => z.enum(LEVELS));
export type Level = z.infer<typeof Level>;

/** 0 for city … 3 for branch: a child's rank is always greater than its parent's. */
export function levelRank(level: Level): number {
  return LEVELS.indexOf(level);
}
