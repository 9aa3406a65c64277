/**
 * The counts every org keeps for itself and for its subtree. A parent holds the latest
 * snapshot of each child (with its sequence number) and its subtree figure is a plain
 * sum over children plus itself, so duplicates and reordering cannot double-count.
 */
export const FIGURE_KEYS = [
  'orgs',
  'mobilised',
  'studyDone',
  'researchDone',
  'reviewDone',
  'complete',
  'studyDays',
  'topics',
  'topicsApproved',
  'reports',
  'measures',
  'problems',
  'problemsClosed',
  'overdue',
  'dueSoon',
  'immediate',
  'disclosed',
  'meetings',
  'criticisms',
  'escalated',
  'escalationsReceived',
  'escalationsPending',
  'lapses',
] as const;
export type FigureKey = (typeof FIGURE_KEYS)[number];
export type Figures = Record<FigureKey, number>;

export function zeroFigures(): Figures {
  return Object.fromEntries(FIGURE_KEYS.map((k) => [k, 0])) as Figures;
}

/** Sums figures; missing keys (an older snapshot) count as zero. */
export function sumFigures(parts: Iterable<Partial<Figures>>): Figures {
  const total = zeroFigures();
  for (const part of parts) for (const k of FIGURE_KEYS) total[k] += part[k] ?? 0;
  return total;
}

/** A child's latest report as its parent keeps it. */
export interface ChildSnapshot {
  /** The child's own report counter: a report with a lower or equal seq is stale. */
  seq: number;
  figures: Figures;
  complete: boolean;
  mobilised: boolean;
  /** Directive coverage in the child's subtree (上题下答). */
  directives?: Record<string, import('./directive.js').Coverage>;
}

/**
 * Keeps `incoming` if it is newer than what is held.
 *
 * @example
 * acceptSnapshot(undefined, s) // → s
 * acceptSnapshot({ seq: 5, … }, { seq: 4, … }) // → the held one
 */
export function acceptSnapshot(held: ChildSnapshot | undefined, incoming: ChildSnapshot): ChildSnapshot {
  return held && held.seq >= incoming.seq ? held : incoming;
}
