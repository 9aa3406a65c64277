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
  /** Absent in directives issued before kinds existed: those were tasks. */
  kind?: DirectiveKind;
  title: string;
  instructions: string;
  /** ISO instant. */
  deadline: string;
  targetLevels: Level[];
  targetOrgIds: string[];
  cancelled: boolean;
}

/** How far a directive has got in a subtree. */
export interface Coverage {
  targeted: number;
  done: number;
  overdue: number;
  byLevel: Partial<Record<Level, { targeted: number; done: number; overdue: number }>>;
}

export function emptyCoverage(): Coverage {
  return { targeted: 0, done: 0, overdue: 0, byLevel: {} };
}

/** Adds `part` into `total` (both keyed by directive id). */
export function addCoverage(total: Record<string, Coverage>, part: Record<string, Coverage> | undefined): Record<string, Coverage> {
  for (const [id, c] of Object.entries(part ?? {})) {
    const t = (total[id] ??= emptyCoverage());
    t.targeted += c.targeted;
    t.done += c.done;
    t.overdue += c.overdue;
    for (const [level, l] of Object.entries(c.byLevel) as [Level, { targeted: number; done: number; overdue: number }][]) {
      const tl = (t.byLevel[level] ??= { targeted: 0, done: 0, overdue: 0 });
      tl.targeted += l.targeted;
      tl.done += l.done;
      tl.overdue += l.overdue;
    }
  }
  return total;
}

/** Whether an org is one the directive asks to act. */
export function isTargeted(spec: DirectiveSpec, org: { id: string; level: Level }): boolean {
  return spec.targetLevels.includes(org.level) || spec.targetOrgIds.includes(org.id);
}

/** The ledger item a directive puts in a targeted org's ledger. */
export function directiveItemId(directiveId: string): string {
  return `directive-${directiveId}`;
}
