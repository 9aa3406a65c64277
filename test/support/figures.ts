import { FIGURE_KEYS, type Figures } from '../../domain/figures.js';

/** Picks the figure keys out of a JSON column, so comparisons ignore key order. */
export function figuresOf(value: unknown): Figures {
  const v = value as Record<string, number>;
  return Object.fromEntries(FIGURE_KEYS.map((k) => [k, v[k] ?? 0])) as Figures;
}
