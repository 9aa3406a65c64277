/**
 * The ledger lifecycle (整改), an org's decisions over its own items whatever their
 * source: found → planned (owner, measures, deadline) → in_progress → rectified (evidence)
 * → closed once verified from above (不整改不销号), or returned with a reason; a deadline
 * extended once; yellow and red alerts as deadlines near and pass. Items enter the ledger
 * through the context's `enterLedger`; the transition rules themselves are pure functions
 * in `domain/ledger.ts`.
 *
 * The rest of the protocol: the commands' schemas in `domain/commands.ts`, their updates
 * in `workflows/org-node-messages.ts` registered by `workflows/org-node.ts` (its timer calls
 * {@link checkDeadlines} at {@link nextAlertAtMs}); the read model (`rm_problems`) in
 * `db/models/problems.ts`; the routes in `api/routes/ledger.ts` and
 * `api/routes/org-actions.ts`; unit tests in `rectification.test.ts` and
 * `domain/org-node.test.ts`, integration in `test/rectification/ledger.test.ts`.
 */
import { alertAt, deadlineInstant, itemOf, nextAlertAtMs as itemAlertAtMs, requireStatus, type ItemStatus } from '../ledger.js';
import { Rejection } from '../rejection.js';
import type { OrgContext } from './context.js';
import { answerOrigin, lapseClaimDeadlines, nextClaimDeadlineMs } from './escalations.js';

/** found → planned: an owner, measures and a deadline, all required. */
export function planRectification(
  ctx: OrgContext,
  cmd: { problemId: string; owner: string; measures: string; deadline: string; by: string },
  nowMs: number,
): { problemId: string; status: ItemStatus; deadline: string } {
  const item = itemOf(ctx.state.problems, cmd.problemId, ctx.org.id);
  if (item.status === 'planned' && item.owner === cmd.owner && item.deadline === deadlineInstant(cmd.deadline)) {
    return { problemId: cmd.problemId, status: item.status, deadline: item.deadline };
  }
  ctx.assertComponentOpen('rectification');
  requireStatus(item, cmd.problemId, ['found'], 'plan');
  const deadline = ctx.futureDeadline(cmd.deadline, nowMs, 'deadline');
  if (item.immediate && Date.parse(deadline) - nowMs > ctx.campaign.rules.immediateDays * 86_400_000) {
    throw new Rejection('Invalid', `an immediate item (立行立改) must be done within ${ctx.campaign.rules.immediateDays} days`, 'deadline');
  }
  item.status = 'planned';
  item.owner = cmd.owner;
  item.deadline = deadline;
  ctx.emit(nowMs, { type: 'RectificationPlanned', problemId: cmd.problemId, owner: cmd.owner, measures: cmd.measures, deadline, by: cmd.by });
  ctx.reportBack(cmd.problemId);
  refreshAlert(ctx, cmd.problemId, nowMs);
  ctx.advance(nowMs);
  return { problemId: cmd.problemId, status: item.status, deadline };
}

/** planned → in_progress. */
export function startRectification(ctx: OrgContext, cmd: { problemId: string; by: string }, nowMs: number): { problemId: string; status: ItemStatus } {
  const item = itemOf(ctx.state.problems, cmd.problemId, ctx.org.id);
  if (item.status === 'in_progress') return { problemId: cmd.problemId, status: item.status };
  ctx.assertOpenForBusiness();
  requireStatus(item, cmd.problemId, ['planned'], 'start');
  item.status = 'in_progress';
  ctx.emit(nowMs, { type: 'RectificationStarted', problemId: cmd.problemId, by: cmd.by });
  ctx.reportBack(cmd.problemId);
  ctx.advance(nowMs);
  return { problemId: cmd.problemId, status: item.status };
}

/** in_progress → rectified, with evidence. */
export function submitRectification(
  ctx: OrgContext,
  cmd: { problemId: string; evidence: string; attachments?: string[] | undefined; by: string },
  nowMs: number,
): { problemId: string; status: ItemStatus } {
  const item = itemOf(ctx.state.problems, cmd.problemId, ctx.org.id);
  ctx.assertOpenForBusiness();
  requireStatus(item, cmd.problemId, ['in_progress'], 'submit');
  item.status = 'rectified';
  item.rectifiedBy = cmd.by;
  ctx.emit(nowMs, { type: 'RectificationSubmitted', problemId: cmd.problemId, evidence: cmd.evidence, attachments: cmd.attachments ?? [], by: cmd.by });
  ctx.reportBack(cmd.problemId);
  ctx.advance(nowMs);
  return { problemId: cmd.problemId, status: item.status };
}

/**
 * rectified → closed (verified) or back to in_progress (returned, with a reason). The
 * verifier is an inspector or an organiser of a higher org, and never who rectified it.
 * A verified item that answers escalations from below sends each origin its answer.
 */
export function verifyRectification(
  ctx: OrgContext,
  cmd: { problemId: string; decision: 'verified' | 'returned'; reason?: string | undefined; by: string; verifierRole: string; verifierOrgId: string | null },
  nowMs: number,
): { problemId: string; status: ItemStatus } {
  const item = itemOf(ctx.state.problems, cmd.problemId, ctx.org.id);
  ctx.assertOpenForBusiness();
  requireStatus(item, cmd.problemId, ['rectified'], cmd.decision === 'verified' ? 'verify' : 'return');
  const higher = cmd.verifierRole === 'admin' || cmd.verifierRole === 'inspector' || (cmd.verifierRole === 'organiser' && cmd.verifierOrgId !== ctx.org.id);
  // No field: `by` is filled by the API from the caller's token, not sent, so naming it
  // (`body.by`) pointed at a field the request does not have; the rule is the reason.
  if (!higher)
    throw new Rejection('Forbidden', `an item of ${ctx.org.id} is verified by an inspector over it or an organiser above it, never by the org's own people`);
  if (cmd.by === item.rectifiedBy) {
    throw new Rejection(
      'Forbidden',
      `item ${cmd.problemId} is verified by an inspector or an organiser above ${ctx.org.id}, never by whoever rectified it, as this caller did`,
    );
  }
  if (cmd.decision === 'returned') {
    const reason = cmd.reason?.trim();
    if (!reason) throw new Rejection('Invalid', 'a returned rectification needs a reason', 'reason');
    item.status = 'in_progress';
    item.returns += 1;
    ctx.emit(nowMs, { type: 'RectificationReturned', problemId: cmd.problemId, by: cmd.by, reason });
    refreshAlert(ctx, cmd.problemId, nowMs);
  } else {
    item.status = 'closed';
    ctx.emit(nowMs, { type: 'RectificationVerified', problemId: cmd.problemId, by: cmd.by, note: cmd.reason?.trim() || null });
    for (const escalationId of item.origins ?? []) answerOrigin(ctx, escalationId, cmd.problemId, cmd.reason?.trim() || null);
  }
  ctx.reportBack(cmd.problemId);
  ctx.advance(nowMs);
  return { problemId: cmd.problemId, status: item.status };
}

/** A deadline may be extended once, with a reason; the extension shows in the ledger. */
export function extendDeadline(
  ctx: OrgContext,
  cmd: { problemId: string; deadline: string; reason: string; by: string },
  nowMs: number,
): { problemId: string; deadline: string } {
  const item = itemOf(ctx.state.problems, cmd.problemId, ctx.org.id);
  const to = deadlineInstant(cmd.deadline);
  if (item.extended && item.deadline === to) return { problemId: cmd.problemId, deadline: to };
  ctx.assertOpenForBusiness();
  requireStatus(item, cmd.problemId, ['planned', 'in_progress'], 'extend its deadline');
  if (item.extended) throw new Rejection('Conflict', `the deadline of ${cmd.problemId} was already extended once`, 'deadline', { currentStatus: item.status });
  const from = item.deadline!;
  if (to <= from) throw new Rejection('Invalid', `the new deadline must be after the current one (${from})`, 'deadline');
  item.deadline = to;
  item.extended = true;
  ctx.emit(nowMs, { type: 'DeadlineExtended', problemId: cmd.problemId, from, to, reason: cmd.reason, by: cmd.by });
  refreshAlert(ctx, cmd.problemId, nowMs);
  ctx.advance(nowMs);
  return { problemId: cmd.problemId, deadline: to };
}

/** Fires the claim deadlines (`escalations.ts`) and the yellow and red alerts that are due; the workflow calls it from its timer. */
export function checkDeadlines(ctx: OrgContext, nowMs: number): void {
  let changed = lapseClaimDeadlines(ctx, nowMs);
  for (const id of Object.keys(ctx.state.problems)) changed = refreshAlert(ctx, id, nowMs) || changed;
  if (changed) ctx.advance(nowMs);
}

/** When the next deadline alert or claim deadline falls due, or null. */
export function nextAlertAtMs(ctx: OrgContext): number | null {
  let next = nextClaimDeadlineMs(ctx);
  for (const item of Object.values(ctx.state.problems)) {
    const at = itemAlertAtMs(item, ctx.campaign.rules.warningDays);
    if (at !== null && (next === null || at < next)) next = at;
  }
  return next;
}

/** Moves an item's alert to what it should be now; a DeadlineAlert event when it turns yellow or red. */
export function refreshAlert(ctx: OrgContext, problemId: string, nowMs: number): boolean {
  const item = ctx.state.problems[problemId]!;
  const next = alertAt(item, ctx.campaign.rules.warningDays, nowMs);
  if (next === item.alert) return false;
  item.alert = next;
  if (next !== 'none') ctx.emit(nowMs, { type: 'DeadlineAlert', problemId, alert: next, deadline: item.deadline! });
  return true;
}
