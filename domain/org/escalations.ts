/**
 * 下题上答, an org's decisions: a problem that shows here but is rooted above is
 * escalated to an ancestor (or a functional department elsewhere); the target records it
 * once and acknowledges it, then claims it (a new item of its ledger, or merged into an
 * existing one with the same root cause), forwards it to its parent with a reason, or
 * lets it lapse past its claim deadline (forwarded automatically below the campaign's
 * top; red `EscalationOverdue` at the top, still claimable). Every move goes back to the
 * origin as a notice; the answer (the target's item verified) closes the origin's item.
 *
 * The rest of the protocol: the messages and the inbox record in `domain/escalation.ts`;
 * the signals and the batched `receiveEscalations` update in `workflows/messages.ts`, the
 * commands (escalate, claim, forward) in `workflows/org-node-messages.ts`,
 * wired in `workflows/org-node.ts`; delivery (a forward's message rebuilt from the
 * `EscalationReceived` event) in `activities/deliver-signals.ts`; the read model
 * (`rm_escalations`) and its queries in `db/models/escalations.ts`; the routes in `api/routes/escalations.ts`;
 * unit tests in `escalations.test.ts`, integration in `test/cross-level/escalation.test.ts`
 * and `test/cross-level/escalation-storm.test.ts`.
 */
import { orgWorkflowId } from '../workflow-ids.js';
import {
  awaitsClaim,
  claimDeadlineOutcome,
  escalationIdOf,
  isNewer,
  originWorkflowOf,
  type EscalationMessage,
  type EscalationNotice,
  type InboxEscalation,
  type OutgoingSignal,
} from '../escalation.js';
import { itemOf, requireStatus } from '../ledger.js';
import { Rejection } from '../rejection.js';
import type { InboxStats, OrgContext } from './context.js';

/**
 * Marks an item as rooted above and sends it to the target (an ancestor, or a
 * functional department elsewhere, possibly in an earlier batch's campaign). The
 * item stays open, waiting on the answer.
 */
export function escalateProblem(
  ctx: OrgContext,
  cmd: { problemId: string; targetOrgId: string; targetCampaignId?: string | undefined; reason: string; by: string },
  nowMs: number,
): { escalationId: string; status: string } {
  const item = itemOf(ctx.state.problems, cmd.problemId, ctx.org.id);
  const targetCampaignId = cmd.targetCampaignId ?? ctx.campaign.id;
  if (item.escalation && item.escalation.status !== 'undeliverable') return { escalationId: item.escalation.escalationId, status: item.escalation.status };
  ctx.assertOpenForBusiness();
  requireStatus(item, cmd.problemId, ['found', 'planned', 'in_progress'], 'escalate');
  if (item.origins?.length)
    throw new Rejection('Conflict', `problem ${cmd.problemId} answers escalations from below; claim or forward those instead`, 'problemId');
  // The API checks the target is not below this org (the directory knows); the workflow can only see itself.
  if (targetCampaignId === ctx.campaign.id && cmd.targetOrgId === ctx.org.id) {
    throw new Rejection('Invalid', `an escalation goes above or across, never to ${ctx.org.id} itself`, 'targetOrgId');
  }
  const escalationId = escalationIdOf(ctx.streamId, cmd.problemId);
  item.escalation = { escalationId, status: 'sent', atOrgId: cmd.targetOrgId, hop: 0 };
  ctx.emit(nowMs, {
    type: 'ProblemEscalated',
    problemId: cmd.problemId,
    escalationId,
    targetOrgId: cmd.targetOrgId,
    targetCampaignId,
    reason: cmd.reason,
    by: cmd.by,
  });
  ctx.send(
    orgWorkflowId(targetCampaignId, cmd.targetOrgId),
    'escalationReceived',
    {
      escalationId,
      origin: { campaignId: ctx.campaign.id, orgId: ctx.org.id, problemId: cmd.problemId, workflowId: ctx.streamId },
      category: item.category,
      description: item.description,
      reason: cmd.reason,
      hop: 1,
    },
    cmd.problemId,
  );
  ctx.advance(nowMs);
  return { escalationId, status: 'sent' };
}

/** An escalation arrives: recorded once, acknowledged to its origin. */
export function escalationReceived(ctx: OrgContext, message: EscalationMessage, nowMs: number): void {
  if (ctx.state.inbox[message.escalationId]) return;
  const claimDeadlineMs = nowMs + ctx.campaign.rules.claimDeadlineDays * 86_400_000;
  ctx.state.inbox[message.escalationId] = { status: 'pending', hop: message.hop, claimDeadlineMs, problemId: null };
  ctx.inboxVersion += 1;
  const { origin } = message;
  ctx.emit(nowMs, {
    type: 'EscalationReceived',
    escalationId: message.escalationId,
    originCampaignId: origin.campaignId,
    originOrgId: origin.orgId,
    originProblemId: origin.problemId,
    category: message.category,
    description: message.description,
    reason: message.reason,
    hop: message.hop,
    claimDeadline: new Date(claimDeadlineMs).toISOString(),
  });
  notify(ctx, message.escalationId, message.hop, 'acknowledged', null);
  ctx.advance(nowMs);
}

/**
 * Whether claiming needs the escalation's message (a new item is made from its text);
 * the workflow then reads it from the event store. Rejects what the claim would reject.
 */
export function claimNeedsMessage(ctx: OrgContext, cmd: { escalationId: string; intoProblemId?: string | undefined }): boolean {
  const entry = claimable(ctx, cmd.escalationId);
  return entry !== null && !cmd.intoProblemId;
}

/**
 * 认领: the escalation becomes an item of this org's ledger with the full lifecycle,
 * or joins an existing item (merging escalations with one root cause). A new item
 * needs `message`, which the workflow reads back from this org's `EscalationReceived` event.
 */
export function claimEscalation(
  ctx: OrgContext,
  cmd: { escalationId: string; problemId?: string | undefined; intoProblemId?: string | undefined; by: string },
  nowMs: number,
  message: EscalationMessage | null = null,
): { escalationId: string; problemId: string } {
  const entry = claimable(ctx, cmd.escalationId);
  if (!entry) return { escalationId: cmd.escalationId, problemId: ctx.state.inbox[cmd.escalationId]!.problemId! };
  let problemId: string;
  if (cmd.intoProblemId) {
    const into = itemOf(ctx.state.problems, cmd.intoProblemId, ctx.org.id);
    problemId = cmd.intoProblemId;
    into.origins = [...(into.origins ?? []), cmd.escalationId];
  } else {
    problemId = cmd.problemId ?? `esc-${Object.keys(ctx.state.problems).length + 1}`;
    if (ctx.state.problems[problemId]) throw new Rejection('Conflict', `problem ${problemId} already exists; pass intoProblemId to merge`, 'problemId');
    if (!message || message.escalationId !== cmd.escalationId) throw new Error(`claiming ${cmd.escalationId} as a new item needs its message`);
    const description = `${message.description}（${message.origin.orgId} 上报：${message.reason}）`;
    ctx.enterLedger({ problemId, source: 'escalation', category: message.category, description, by: cmd.by }, nowMs, null);
    ctx.state.problems[problemId]!.origins = [cmd.escalationId];
  }
  entry.status = 'claimed';
  entry.problemId = problemId;
  ctx.inboxVersion += 1;
  ctx.emit(nowMs, { type: 'EscalationClaimed', escalationId: cmd.escalationId, problemId, merged: Boolean(cmd.intoProblemId), hop: entry.hop, by: cmd.by });
  notify(ctx, cmd.escalationId, entry.hop, 'claimed', problemId);
  if (ctx.state.problems[problemId]!.status === 'closed') answerOrigin(ctx, cmd.escalationId, problemId, null);
  ctx.advance(nowMs);
  return { escalationId: cmd.escalationId, problemId };
}

/** The waiting entry (pending, or red at the top) a claim acts on; null when it is already claimed (the claim is a repeat). */
function claimable(ctx: OrgContext, escalationId: string): InboxEscalation | null {
  const entry = ctx.state.inbox[escalationId];
  if (!entry) throw new Rejection('NotFound', `no escalation ${escalationId} at ${ctx.org.id}`, 'escalationId');
  if (entry.status === 'claimed') return null;
  if (!awaitsClaim(entry)) throw new Rejection('Conflict', `escalation ${escalationId} was ${entry.status}`, 'escalationId', { currentStatus: entry.status });
  ctx.assertOpenForBusiness();
  return entry;
}

/** Passes an escalation to the parent org, with a reason. */
export function forwardEscalation(
  ctx: OrgContext,
  cmd: { escalationId: string; reason: string; by: string },
  nowMs: number,
): { escalationId: string; toOrgId: string } {
  const entry = ctx.state.inbox[cmd.escalationId];
  if (!entry) throw new Rejection('NotFound', `no escalation ${cmd.escalationId} at ${ctx.org.id}`, 'escalationId');
  if (entry.status === 'forwarded') return { escalationId: cmd.escalationId, toOrgId: ctx.org.parentId! };
  if (!awaitsClaim(entry))
    throw new Rejection('Conflict', `escalation ${cmd.escalationId} was ${entry.status}`, 'escalationId', { currentStatus: entry.status });
  if (!ctx.org.parentId || (isTop(ctx) && ctx.options.topOfCampaign()))
    throw new Rejection('Conflict', `${ctx.org.id} is the top of the campaign: claim it here`, 'escalationId');
  ctx.assertOpenForBusiness();
  forward(ctx, cmd.escalationId, cmd.reason, cmd.by, false, nowMs);
  ctx.advance(nowMs);
  return { escalationId: cmd.escalationId, toOrgId: ctx.org.parentId };
}

/** The origin hears how its escalation moves; the answer closes its item, with a link to it. */
export function escalationNotice(ctx: OrgContext, notice: EscalationNotice, nowMs: number): void {
  const entry = Object.entries(ctx.state.problems).find(([, p]) => p.escalation?.escalationId === notice.escalationId);
  if (!entry) return;
  const [problemId, item] = entry;
  const esc = item.escalation!;
  if (!isNewer(esc, notice)) return;
  esc.status = notice.status;
  esc.atOrgId = notice.atOrgId;
  esc.hop = notice.hop;
  ctx.emit(nowMs, {
    type: 'EscalationProgress',
    problemId,
    escalationId: notice.escalationId,
    status: notice.status,
    atOrgId: notice.atOrgId,
    detail: notice.detail,
  });
  if (notice.status === 'answered' && item.status !== 'closed') {
    item.status = 'closed';
    ctx.emit(nowMs, { type: 'RectificationVerified', problemId, by: `answer:${notice.atOrgId}`, note: notice.detail });
  }
  ctx.advance(nowMs);
}

/** A signal that could not be delivered is recorded against its item, never dropped silently. */
export function deliveryFailed(ctx: OrgContext, signal: OutgoingSignal, nowMs: number): void {
  if (signal.signal !== 'escalationReceived' || !signal.originProblemId) return;
  const item = ctx.state.problems[signal.originProblemId];
  if (!item?.escalation) return;
  item.escalation.status = 'undeliverable';
  const detail = `no running workflow ${signal.workflowId}`;
  ctx.emit(nowMs, {
    type: 'EscalationProgress',
    problemId: signal.originProblemId,
    escalationId: item.escalation.escalationId,
    status: 'undeliverable',
    atOrgId: item.escalation.atOrgId,
    detail,
  });
  ctx.advance(nowMs);
}

/**
 * The campaign's top: its root org, which has no workflow above it in this campaign even
 * when the directory gives it a parent (a campaign over a district).
 */
export function isTop(ctx: OrgContext): boolean {
  return !ctx.org.parentId || ctx.org.id === ctx.campaign.rootOrgId;
}

/**
 * How a passed claim deadline is decided here: true at the top (the escalation turns
 * red), false below it (forwarded), null when it does nothing: at the top in runs
 * recorded before the change (a parentless root ignored its deadlines; a root with a
 * parent in the directory forwarded, as below). Asked only when a deadline is near, so
 * the patch marker lands only in the runs it concerns.
 */
function claimDeadlinesAtTop(ctx: OrgContext): boolean | null {
  if (isTop(ctx) && ctx.options.topOfCampaign()) return true;
  return ctx.org.parentId ? false : null;
}

/**
 * The claim deadlines that are due: each escalation not claimed in time is forwarded
 * (below the top) or turns red (at the top), and counts as a lapse of this org. True when
 * anything changed; the caller (`rectification.ts`'s `checkDeadlines`) then advances.
 */
export function lapseClaimDeadlines(ctx: OrgContext, nowMs: number): boolean {
  let changed = false;
  const due = inboxStats(ctx).nextClaimDeadlineMs;
  const atTop = due !== null && nowMs >= due ? claimDeadlinesAtTop(ctx) : null;
  for (const [id, e] of atTop !== null ? Object.entries(ctx.state.inbox) : []) {
    const outcome = claimDeadlineOutcome(e, nowMs, atTop!);
    const days = ctx.campaign.rules.claimDeadlineDays;
    if (outcome === 'forward') {
      // Not claimed in time: forwarded upward, and counted against this level.
      ctx.state.lapses += 1;
      forward(ctx, id, `not claimed within ${days} days`, 'rules:claim-deadline', true, nowMs);
      changed = true;
    } else if (outcome === 'overdue') {
      // Not claimed in time at the top: nowhere to forward it, so it turns red here and counts against this level.
      e.status = 'overdue';
      ctx.inboxVersion += 1;
      ctx.state.lapses += 1;
      const reason = `not claimed within ${days} days at ${ctx.org.id}, the top of the campaign: nothing above to forward it to`;
      ctx.emit(nowMs, {
        type: 'EscalationOverdue',
        escalationId: id,
        hop: e.hop,
        claimDeadline: new Date(e.claimDeadlineMs).toISOString(),
        reason,
        by: 'rules:claim-deadline',
      });
      changed = true;
    }
  }
  return changed;
}

/** When the next claim deadline falls due, or null (none pending, or one that would do nothing here). */
export function nextClaimDeadlineMs(ctx: OrgContext): number | null {
  const due = inboxStats(ctx).nextClaimDeadlineMs;
  return due !== null && claimDeadlinesAtTop(ctx) !== null ? due : null;
}

function forward(ctx: OrgContext, escalationId: string, reason: string, by: string, lapsed: boolean, nowMs: number): void {
  const entry = ctx.state.inbox[escalationId]!;
  entry.status = 'forwarded';
  ctx.inboxVersion += 1;
  const toOrgId = ctx.org.parentId!;
  ctx.emit(nowMs, { type: 'EscalationForwarded', escalationId, toOrgId, reason, lapsed, hop: entry.hop, by });
  ctx.state.outgoing.push({
    workflowId: orgWorkflowId(ctx.campaign.id, toOrgId),
    signal: 'escalationReceived',
    payload: null,
    fromStore: { streamId: ctx.streamId, escalationId, hop: entry.hop + 1 },
    originProblemId: null,
  });
  notify(ctx, escalationId, entry.hop, 'forwarded', `${lapsed ? 'lapsed at' : 'forwarded by'} ${ctx.org.id} to ${toOrgId}: ${reason}`, toOrgId);
}

/** The answer goes back to the origin of an escalation this org claimed (its item verified, or claimed into a closed one). */
export function answerOrigin(ctx: OrgContext, escalationId: string, problemId: string, result: string | null): void {
  const entry = ctx.state.inbox[escalationId];
  if (entry) notify(ctx, escalationId, entry.hop, 'answered', result ?? `answered by ${ctx.org.id} (${problemId})`);
}

function notify(ctx: OrgContext, escalationId: string, hop: number, status: EscalationNotice['status'], detail: string | null, atOrgId = ctx.org.id): void {
  ctx.send(originWorkflowOf(escalationId), 'escalationNotice', { escalationId, status, atOrgId, detail, hop }, null);
}

/**
 * Inbox counts and the next claim deadline, recounted only when the inbox changed: a
 * district may hold 10,000 escalations, and the workflow asks on every pass.
 */
export function inboxStats(ctx: OrgContext): InboxStats {
  const m = ctx.inboxMemo;
  if (m && m.inbox === ctx.state.inbox && m.version === ctx.inboxVersion) return m;
  let pending = 0;
  let nextClaimDeadlineMs: number | null = null;
  const entries = Object.values(ctx.state.inbox);
  for (const e of entries) {
    if (!awaitsClaim(e)) continue;
    pending += 1;
    if (e.status !== 'pending') continue;
    if (nextClaimDeadlineMs === null || e.claimDeadlineMs < nextClaimDeadlineMs) nextClaimDeadlineMs = e.claimDeadlineMs;
  }
  return (ctx.inboxMemo = { inbox: ctx.state.inbox, version: ctx.inboxVersion, received: entries.length, pending, nextClaimDeadlineMs });
}
