/**
 * One org's problem ledger (问题清单) and its rectification lifecycle, whatever the
 * problem's source:
 *
 *   found → planned (owner, measures, deadline) → in_progress → rectified (evidence)
 *         → closed, once verified by someone other than who rectified it (不整改不销号);
 *   or, at verification, returned with a reason → in_progress.
 *
 * Deadlines warn: yellow `warningDays` before, red once passed. A deadline may be
 * extended once, with a reason, and that shows. Pure functions over plain data; the
 * org workflow fires them from durable timers.
 */
import { Rejection } from './rejection.js';
import type { ProblemSource } from './vocabulary.js';

export type ItemStatus = 'found' | 'planned' | 'in_progress' | 'rectified' | 'closed' | 'cancelled';
export type Alert = 'none' | 'yellow' | 'red';

export interface LedgerItem {
  source: ProblemSource;
  category: string;
  description: string;
  immediate: boolean;
  projectRef: string | null;
  status: ItemStatus;
  owner: string | null;
  /** ISO instant. */
  deadline: string | null;
  extended: boolean;
  alert: Alert;
  rectifiedBy: string | null;
  returns: number;
  disclosedOn: string | null;
  /** At the origin: the item waits on an answer from above (下题上答). */
  escalation?: { escalationId: string; status: import('./vocabulary.js').EscalationStatus; atOrgId: string; hop: number };
  /** At the target: the escalations this item answers (several when merged). */
  origins?: string[];
  /** The directive this item carries out (上题下答). */
  directiveId?: string;
  /** The joint-answer workflow this item is a part of (同题共答). */
  jointWorkflowId?: string;
  /** The public message's workflow this item answers (民意直通车). */
  publicWorkflowId?: string;
}

export type Ledger = Record<string, LedgerItem>;

/** Who may do what next, for the 409 a person reads. */
const NEXT: Record<ItemStatus, string> = {
  found: 'plan it (owner, measures, deadline)',
  planned: 'start the rectification',
  in_progress: 'submit the rectification with evidence',
  rectified: 'verify it or return it',
  closed: 'nothing: it is closed',
  cancelled: 'nothing: its directive was cancelled',
};

/** The item, or a NotFound naming it. */
export function itemOf(ledger: Ledger, problemId: string, orgId: string): LedgerItem {
  const item = ledger[problemId];
  if (!item) throw new Rejection('NotFound', `no problem ${problemId} in ${orgId}`, 'problemId');
  return item;
}

/**
 * Refuses a transition from the wrong state with a Conflict that carries the current state.
 *
 * @example
 * requireStatus(item, 'p1', ['rectified'], 'verify') // throws when item.status is 'planned'
 */
export function requireStatus(item: LedgerItem, problemId: string, allowed: readonly ItemStatus[], action: string): void {
  if (!allowed.includes(item.status)) {
    throw new Rejection('Conflict', `problem ${problemId} is ${item.status}; cannot ${action} (next: ${NEXT[item.status]})`, 'problemId', {
      currentStatus: item.status,
    });
  }
}

/** The instant a deadline given as a date (end of that day, China Standard Time) or as an ISO instant stands for. */
export function deadlineInstant(deadline: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(deadline) ? new Date(`${deadline}T23:59:59.999+08:00`).toISOString() : new Date(deadline).toISOString();
}

/** An item still being worked on: its deadline counts. */
export function isLive(item: LedgerItem): boolean {
  return item.status === 'planned' || item.status === 'in_progress';
}

/** When the item's next alert is due, or null when none is pending. */
export function nextAlertAtMs(item: LedgerItem, warningDays: number): number | null {
  if (!isLive(item) || !item.deadline || item.alert === 'red') return null;
  const deadline = Date.parse(item.deadline);
  return item.alert === 'none' ? deadline - warningDays * 86_400_000 : deadline;
}

/** The alert an item should show at `nowMs`. */
export function alertAt(item: LedgerItem, warningDays: number, nowMs: number): Alert {
  if (!isLive(item) || !item.deadline) return item.alert;
  const deadline = Date.parse(item.deadline);
  if (nowMs >= deadline) return 'red';
  if (nowMs >= deadline - warningDays * 86_400_000) return 'yellow';
  return 'none';
}

/** Counts for the org's figures. */
export function ledgerCounts(ledger: Ledger): {
  problems: number;
  problemsClosed: number;
  overdue: number;
  dueSoon: number;
  disclosed: number;
  immediate: number;
} {
  let problemsClosed = 0;
  let overdue = 0;
  let dueSoon = 0;
  let disclosed = 0;
  let immediate = 0;
  // A cancelled directive's item no longer counts at all.
  const items = Object.values(ledger).filter((i) => i.status !== 'cancelled');
  for (const i of items) {
    if (i.status === 'closed') problemsClosed++;
    if (isLive(i) && i.alert === 'red') overdue++;
    if (isLive(i) && i.alert === 'yellow') dueSoon++;
    if (i.disclosedOn) disclosed++;
    if (i.immediate) immediate++;
  }
  return { problems: items.length, problemsClosed, overdue, dueSoon, disclosed, immediate };
}
