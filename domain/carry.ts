/**
 * The shape an org's state takes through continue-as-new. Temporal refuses a
 * continue-as-new whose input passes 2 MiB (the workflow is then terminated), and the two
 * parts of the state that grow with the org's surroundings are packed here:
 *
 * - `children`: one snapshot per child. A unit with 3,000 branches held about 1.2 MB of
 *   them as JSON objects (every figure named in every snapshot); as rows of numbers,
 *   with the names once, it is a fifth of that, directive coverage included.
 * - `inbox`: one entry per escalation received. A district receiving 10,000 holds them
 *   as `[status, hop, claim deadline, problem]` rows.
 *
 * The names travel with the rows, so a run whose code knows more figures reads an older
 * run's rows (missing figures count as zero), and an older shape (plain objects) is read as is.
 */
import type { Coverage, CoverageCounts } from './directive.js';
import type { InboxEscalation } from './escalation.js';
import { FIGURE_KEYS, zeroFigures, type ChildSnapshot, type FigureKey } from './figures.js';
import { LEVELS, type Level } from './levels.js';

export interface PackedChildren {
  /** Figure names, in the order of each row's values after `[seq, complete, mobilised]`. */
  keys: string[];
  rows: Record<string, number[]>;
  /**
   * Coverage rows by directive then child: the counts named by `coverageFields`, then
   * `[level index in levels, …the same counts]` for each level with any.
   */
  levels: string[];
  coverage: Record<string, Record<string, number[]>>;
  /**
   * The counts in a coverage row, in order; absent in state packed before `rectified` was counted: `[targeted, done, overdue]`.
   * Shim (workflows/shared.ts) for runs started before 2026-12-06T10:50Z (9baeab1): the short form can go once none is open.
   */
  coverageFields?: string[];
}

export interface PackedInbox {
  /** `[status, hop, claimDeadlineMs, problemId]`; status is an index into `statuses`. */
  statuses: InboxEscalation['status'][];
  rows: Record<string, [number, number, number, string | null]>;
}

/** New statuses go at the end: a packed inbox names its statuses, so older rows keep their meaning. */
const COVERAGE_FIELDS = ['targeted', 'done', 'overdue', 'rectified'] as const;
const OLD_COVERAGE_FIELDS = ['targeted', 'done', 'overdue'];

const STATUSES: InboxEscalation['status'][] = ['pending', 'claimed', 'forwarded', 'overdue'];

export function packChildren(children: Record<string, ChildSnapshot>): PackedChildren {
  const rows: PackedChildren['rows'] = {};
  const coverage: PackedChildren['coverage'] = {};
  for (const [id, c] of Object.entries(children)) {
    rows[id] = [c.seq, c.complete ? 1 : 0, c.mobilised ? 1 : 0, ...FIGURE_KEYS.map((k) => c.figures[k] ?? 0)];
    for (const [directiveId, cov] of Object.entries(c.directives ?? {})) {
      (coverage[directiveId] ??= {})[id] = [...countsRow(cov), ...LEVELS.flatMap((l, i) => (cov.byLevel[l] ? [i, ...countsRow(cov.byLevel[l])] : []))];
    }
  }
  return { keys: [...FIGURE_KEYS], rows, levels: [...LEVELS], coverage, coverageFields: [...COVERAGE_FIELDS] };
}

function countsRow(c: CoverageCounts): number[] {
  return COVERAGE_FIELDS.map((f) => c[f] ?? 0);
}

/** Counts read back by name; `rectified` only when not zero, as the engine keeps it (`directive.ts`). */
function countsOf(fields: readonly string[], row: readonly number[], at: number): CoverageCounts {
  const get = (name: string) => {
    const i = fields.indexOf(name);
    return i < 0 ? 0 : (row[at + i] ?? 0);
  };
  const rectified = get('rectified');
  return { targeted: get('targeted'), done: get('done'), overdue: get('overdue'), ...(rectified ? { rectified } : {}) };
}

export function unpackChildren(packed: PackedChildren): Record<string, ChildSnapshot> {
  const known = new Set<string>(FIGURE_KEYS);
  const children: Record<string, ChildSnapshot> = {};
  for (const [id, row] of Object.entries(packed.rows)) {
    const figures = zeroFigures();
    packed.keys.forEach((k, i) => {
      if (known.has(k)) figures[k as FigureKey] = row[3 + i] ?? 0;
    });
    children[id] = { seq: row[0]!, complete: row[1] === 1, mobilised: row[2] === 1, figures };
  }
  for (const [directiveId, byChild] of Object.entries(packed.coverage)) {
    for (const [id, row] of Object.entries(byChild)) {
      const child = children[id];
      if (!child) continue;
      const fields = packed.coverageFields ?? OLD_COVERAGE_FIELDS;
      const n = fields.length;
      const byLevel: Coverage['byLevel'] = {};
      for (let i = n; i + n < row.length; i += n + 1) byLevel[packed.levels[row[i]!] as Level] = countsOf(fields, row, i + 1);
      (child.directives ??= {})[directiveId] = { ...countsOf(fields, row, 0), byLevel };
    }
  }
  return children;
}

export function packInbox(inbox: Record<string, InboxEscalation>): PackedInbox {
  const rows: PackedInbox['rows'] = {};
  for (const [id, e] of Object.entries(inbox)) rows[id] = [STATUSES.indexOf(e.status), e.hop, e.claimDeadlineMs, e.problemId];
  return { statuses: [...STATUSES], rows };
}

export function unpackInbox(packed: PackedInbox): Record<string, InboxEscalation> {
  const inbox: Record<string, InboxEscalation> = {};
  for (const [id, [status, hop, claimDeadlineMs, problemId]] of Object.entries(packed.rows)) {
    inbox[id] = { status: packed.statuses[status]!, hop, claimDeadlineMs, problemId };
  }
  return inbox;
}
