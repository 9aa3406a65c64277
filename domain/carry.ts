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
import type { Coverage } from './directive.js';
import type { InboxEscalation } from './escalation.js';
import { FIGURE_KEYS, zeroFigures, type ChildSnapshot, type FigureKey } from './figures.js';
import { LEVELS, type Level } from './levels.js';

export interface PackedChildren {
  /** Figure names, in the order of each row's values after `[seq, complete, mobilised]`. */
  keys: string[];
  rows: Record<string, number[]>;
  /** Coverage rows by directive then child: `[targeted, done, overdue]`, then `[level index in levels, targeted, done, overdue]` for each level with any. */
  levels: string[];
  coverage: Record<string, Record<string, number[]>>;
}

export interface PackedInbox {
  /** `[status, hop, claimDeadlineMs, problemId]`; status is an index into `statuses`. */
  statuses: InboxEscalation['status'][];
  rows: Record<string, [number, number, number, string | null]>;
}

const STATUSES: InboxEscalation['status'][] = ['pending', 'claimed', 'forwarded'];

export function packChildren(children: Record<string, ChildSnapshot>): PackedChildren {
  const rows: PackedChildren['rows'] = {};
  const coverage: PackedChildren['coverage'] = {};
  for (const [id, c] of Object.entries(children)) {
    rows[id] = [c.seq, c.complete ? 1 : 0, c.mobilised ? 1 : 0, ...FIGURE_KEYS.map((k) => c.figures[k] ?? 0)];
    for (const [directiveId, cov] of Object.entries(c.directives ?? {})) {
      (coverage[directiveId] ??= {})[id] = [cov.targeted, cov.done, cov.overdue, ...LEVELS.flatMap((l, i) => levelRow(cov, l, i))];
    }
  }
  return { keys: [...FIGURE_KEYS], rows, levels: [...LEVELS], coverage };
}

function levelRow(cov: Coverage, level: Level, index: number): number[] {
  const l = cov.byLevel[level];
  return l ? [index, l.targeted, l.done, l.overdue] : [];
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
      const byLevel: Coverage['byLevel'] = {};
      for (let i = 3; i + 3 < row.length; i += 4) {
        byLevel[packed.levels[row[i]!] as Level] = { targeted: row[i + 1]!, done: row[i + 2]!, overdue: row[i + 3]! };
      }
      (child.directives ??= {})[directiveId] = { targeted: row[0]!, done: row[1]!, overdue: row[2]!, byLevel };
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
