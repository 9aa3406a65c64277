/**
 * 上题下答: a policy from above that orgs below must carry out. The issuer's directive
 * is relayed level by level; each targeted org gets an item in its ledger; completion
 * comes back up as coverage counts inside the progress snapshots, so the issuer sees
 * its whole subtree without a message per org.
 */
import type { Level } from './levels.js';

/**
 * A `task` asks the orgs below to do something; an `information_request` (要材料, 要表) asks
 * them to supply information, and is what the campaign's `informationRequestsPerWeek` caps
 * (为基层减负, `burden.ts`). Both travel and report coverage the same way.
 */
export const DIRECTIVE_KINDS = ['task', 'information_request'] as const;
export type DirectiveKind = (typeof DIRECTIVE_KINDS)[number];

export interface DirectiveSpec {
  directiveId: string;
  issuerOrgId: string;
  /**
   * Absent in directives issued before kinds existed: those were tasks. Also the API's default for a body without it,
   * so it stays optional in the command; in carried state it can go with the other shims (workflows/shared.ts).
   */
  kind?: DirectiveKind;
  title: string;
  instructions: string;
  /** ISO instant. */
  deadline: string;
  targetLevels: Level[];
  targetOrgIds: string[];
  cancelled: boolean;
}

/**
 * Counts of targeted orgs: `done` once their item is verified from above and closed;
 * `rectified` while it is rectified and awaiting that verification (finished on their
 * side, so not lagging); `overdue` while live past its deadline.
 *
 * Inside the engine `rectified` is present only when it is not zero: coverage rides in
 * progress snapshots whose JSON decides when a report is due, and runs recorded before it
 * was counted must compute the same JSON when replayed. Readers take it as 0 when absent
 * ({@link coverageView}).
 */
export interface CoverageCounts {
  targeted: number;
  done: number;
  overdue: number;
  rectified?: number;
}

/** How far a directive has got in a subtree. */
export interface Coverage extends CoverageCounts {
  byLevel: Partial<Record<Level, CoverageCounts>>;
}

export function emptyCoverage(): Coverage {
  return { targeted: 0, done: 0, overdue: 0, byLevel: {} };
}

/** One org's own coverage of a directive (`rectified` left out when 0). */
export function coverageOfOne(level: Level, counts: Required<CoverageCounts>): Coverage {
  const one = (): CoverageCounts => ({
    targeted: counts.targeted,
    done: counts.done,
    overdue: counts.overdue,
    ...(counts.rectified ? { rectified: counts.rectified } : {}),
  });
  return { ...one(), byLevel: { [level]: one() } };
}

function addCounts(total: CoverageCounts, part: CoverageCounts): void {
  total.targeted += part.targeted;
  total.done += part.done;
  total.overdue += part.overdue;
  if (part.rectified) total.rectified = (total.rectified ?? 0) + part.rectified;
}

/** Adds `part` into `total` (both keyed by directive id). */
export function addCoverage(total: Record<string, Coverage>, part: Record<string, Coverage> | undefined): Record<string, Coverage> {
  for (const [id, c] of Object.entries(part ?? {})) {
    const t = (total[id] ??= emptyCoverage());
    addCounts(t, c);
    for (const [level, l] of Object.entries(c.byLevel) as [Level, CoverageCounts][]) addCounts((t.byLevel[level] ??= { targeted: 0, done: 0, overdue: 0 }), l);
  }
  return total;
}

/**
 * Coverage as the API shows it: `rectified` always there (0 when absent), beside `done`,
 * and `lagging`: targeted orgs neither done nor rectified (what the directive's lagging list holds).
 */
export function coverageView(c: Coverage): Coverage & { rectified: number; lagging: number } {
  const view = (x: CoverageCounts) => ({
    targeted: x.targeted,
    done: x.done,
    rectified: x.rectified ?? 0,
    overdue: x.overdue,
    lagging: x.targeted - x.done - (x.rectified ?? 0),
  });
  return { ...view(c), byLevel: Object.fromEntries(Object.entries(c.byLevel).map(([level, l]) => [level, view(l)])) };
}

/** Whether an org is one the directive asks to act. */
export function isTargeted(spec: DirectiveSpec, org: { id: string; level: Level }): boolean {
  return spec.targetLevels.includes(org.level) || spec.targetOrgIds.includes(org.id);
}

/** The ledger item a directive puts in a targeted org's ledger. */
export function directiveItemId(directiveId: string): string {
  return `directive-${directiveId}`;
}
