/**
 * 下题上答: a problem that shows below but is rooted above. The messages org workflows
 * exchange for it, and the target's record of one. Every message carries the
 * escalation's id (`<origin workflow id>#<problem id>`), so receiving one twice changes
 * nothing.
 */
import type { EscalationStatus } from './vocabulary.js';

export interface EscalationOrigin {
  campaignId: string;
  orgId: string;
  problemId: string;
  workflowId: string;
}

/** Sent up: to the target, or forwarded from one level to the next. */
export interface EscalationMessage {
  escalationId: string;
  origin: EscalationOrigin;
  category: string;
  description: string;
  reason: string;
  /** 1 for the first target; +1 for each forward. */
  hop: number;
}

/** Sent back to the origin as the escalation moves. */
export interface EscalationNotice {
  escalationId: string;
  status: Exclude<EscalationStatus, 'sent' | 'undeliverable'>;
  atOrgId: string;
  detail: string | null;
  /** The hop of the level that sent it: with the status's rank, orders notices that cross. */
  hop: number;
}

const RANK: Record<EscalationNotice['status'], number> = { acknowledged: 0, forwarded: 1, claimed: 1, answered: 2 };

/** Whether `notice` is news for an origin that last heard `held` (notices may arrive out of order). */
export function isNewer(held: { hop: number; status: string }, notice: EscalationNotice): boolean {
  if (held.status === 'answered') return false;
  if (notice.hop !== held.hop) return notice.hop > held.hop;
  return RANK[notice.status] > (RANK[held.status as EscalationNotice['status']] ?? -1);
}

/**
 * The target's record of an escalation it received. It holds no text: a district may
 * hold ten thousand of these through continue-as-new, whose input must stay under
 * Temporal's 2 MiB payload limit, so the message itself stays in the event store (this
 * org's `EscalationReceived` event) and is read back when a claim or a forward needs it.
 * The origin's workflow id is the part of the escalation id before `#`.
 */
export interface InboxEscalation {
  /** `overdue`: still waiting for a claim at the campaign's top, past its claim deadline (see {@link claimDeadlineOutcome}). */
  status: 'pending' | 'claimed' | 'forwarded' | 'overdue';
  /** The hop at which it reached this org. */
  hop: number;
  claimDeadlineMs: number;
  problemId: string | null;
}

/** Waiting for the org to claim it (or forward it, below the top): pending, or pending past its deadline at the top. */
export function awaitsClaim(entry: Pick<InboxEscalation, 'status'>): boolean {
  return entry.status === 'pending' || entry.status === 'overdue';
}

/**
 * What a claim deadline does to an escalation waiting at an org (下题上答: one not claimed
 * within `rules.claimDeadlineDays` counts as a lapse against the level that let it pass).
 *
 * - `wait`: still pending, its deadline not reached.
 * - `forward`: the deadline passed below the campaign's top: it goes on to the parent
 *   automatically, and the lapse counts here.
 * - `overdue`: the deadline passed at the campaign's top, where there is no parent to
 *   forward it to. Before this decision such an escalation stayed `pending` silently (no
 *   lapse counted, nothing flagged). It now stays where it is, still claimable (only this
 *   org can answer it), turns red, and counts as a lapse of the top the same way a forward
 *   counts one below; the office sees it on its overdue view.
 * - `none`: nothing to do: claimed, forwarded, or already red (a lapse counts once).
 *
 * "The top" is the campaign's root org (which may have a parent in the directory when a
 * campaign covers only a subtree: that parent runs no workflow of this campaign).
 */
export type ClaimDeadlineOutcome = 'wait' | 'forward' | 'overdue' | 'none';

export function claimDeadlineOutcome(entry: Pick<InboxEscalation, 'status' | 'claimDeadlineMs'>, nowMs: number, atTop: boolean): ClaimDeadlineOutcome {
  if (entry.status !== 'pending') return 'none';
  if (nowMs < entry.claimDeadlineMs) return 'wait';
  return atTop ? 'overdue' : 'forward';
}

/** Carried state from before inbox entries were compacted held the whole message. */
type LegacyInboxEscalation = Omit<InboxEscalation, 'hop'> & { message: EscalationMessage };

/**
 * Brings a carried inbox to the current shape (entries from older runs held the message).
 * Shim (workflows/shared.ts) for runs started before 2026-11-25T09:41Z (2e9b0ca): it can go once none is open.
 */
export function compactInbox(inbox: Record<string, InboxEscalation | LegacyInboxEscalation>): Record<string, InboxEscalation> {
  const out: Record<string, InboxEscalation> = {};
  for (const [id, e] of Object.entries(inbox)) {
    out[id] = 'message' in e ? { status: e.status, hop: e.message.hop, claimDeadlineMs: e.claimDeadlineMs, problemId: e.problemId } : e;
  }
  return out;
}

/** The origin's workflow, read from the escalation id. */
export function originWorkflowOf(escalationId: string): string {
  const i = escalationId.lastIndexOf('#');
  return i < 0 ? escalationId : escalationId.slice(0, i);
}

/**
 * A signal waiting to be sent to another workflow; kept in state so continue-as-new
 * loses none. A forward carries no message: `fromStore` names the event it is rebuilt
 * from when it is delivered.
 */
export interface OutgoingSignal {
  workflowId: string;
  signal: 'escalationReceived' | 'escalationNotice' | 'jointPartStatus' | 'publicMessageStatus';
  payload: EscalationMessage | EscalationNotice | import('./joint.js').JointPartStatus | import('./public-message.js').PublicMessageItemStatus | null;
  /** For a forward: the stream whose `EscalationReceived` event holds the message, and the hop it goes on with. */
  fromStore?: { streamId: string; escalationId: string; hop: number };
  /** The origin's problem, so a delivery failure can be recorded against it. */
  originProblemId: string | null;
}

/** Rebuilds the message an org received from its `EscalationReceived` event, for the next hop. */
export function messageFromReceived(
  e: { escalationId: string; originCampaignId: string; originOrgId: string; originProblemId: string; category: string; description: string; reason: string },
  hop: number,
): EscalationMessage {
  return {
    escalationId: e.escalationId,
    origin: { campaignId: e.originCampaignId, orgId: e.originOrgId, problemId: e.originProblemId, workflowId: originWorkflowOf(e.escalationId) },
    category: e.category,
    description: e.description,
    reason: e.reason,
    hop,
  };
}

/**
 * How many of `items`, from `from` on, make one batch: at most `maxCount`, and at most
 * `maxBytes` by `sizeOf`, but always at least one (an item bigger than that goes alone).
 */
export function batchLength<T>(items: readonly T[], from: number, maxCount: number, maxBytes: number, sizeOf: (item: T) => number): number {
  let bytes = 0;
  let n = 0;
  while (from + n < items.length && n < maxCount) {
    bytes += sizeOf(items[from + n]!);
    if (n > 0 && bytes > maxBytes) break;
    n += 1;
  }
  return n;
}

/**
 * The next batch to deliver: at most `maxCount` signals and about `maxBytes` of JSON (an
 * activity's input is one payload, and an origin's messages may carry 2,000-character
 * descriptions), but always at least one.
 */
export function nextBatch(outgoing: readonly OutgoingSignal[], maxCount: number, maxBytes: number): OutgoingSignal[] {
  // Worst case: every character three UTF-8 bytes (workflow code has no Buffer to count them).
  return outgoing.slice(
    0,
    batchLength(outgoing, 0, maxCount, maxBytes, (s) => JSON.stringify(s).length * 3),
  );
}

export function escalationIdOf(originWorkflowId: string, problemId: string): string {
  return `${originWorkflowId}#${problemId}`;
}
