/**
 * 下题上答: a problem that shows below but is rooted above. The messages org workflows
 * exchange for it, and the target's record of one. Every message carries the
 * escalation's id (`<origin workflow id>#<problem id>`), so receiving one twice changes
 * nothing.
 */
import type { EscalationStatus } from './events.js';

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

/** The target's record of an escalation it received. */
export interface InboxEscalation {
  message: EscalationMessage;
  status: 'pending' | 'claimed' | 'forwarded';
  claimDeadlineMs: number;
  problemId: string | null;
}

/** A signal waiting to be sent to another workflow; kept in state so continue-as-new loses none. */
export interface OutgoingSignal {
  workflowId: string;
  signal: 'escalationReceived' | 'escalationNotice' | 'jointPartStatus';
  payload: EscalationMessage | EscalationNotice | import('./joint.js').JointPartStatus;
  /** The origin's problem, so a delivery failure can be recorded against it. */
  originProblemId: string | null;
}

export function escalationIdOf(originWorkflowId: string, problemId: string): string {
  return `${originWorkflowId}#${problemId}`;
}
