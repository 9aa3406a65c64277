/**
 * 上题下答, an org's decisions: a directive issued here to levels or orgs below (a
 * request for information capped each week, 为基层减负), received from above once and
 * relayed on level by level, a planned item of the ledger where it is targeted, cancelled
 * everywhere below by its issuer; and its coverage, own and over the subtree, reported up
 * with the progress snapshots.
 *
 * The rest of the protocol: the spec, targeting and coverage sums in
 * `domain/directive.ts`, the weekly cap in `domain/burden.ts`; the signals in `workflows/messages.ts`, the updates in
 * `workflows/org-node-messages.ts`, wired (and relayed to children) in `workflows/org-node.ts`
 * through `activities/org-fanout.ts`; the read models (`rm_directives`,
 * `rm_information_request_refusals`) in `db/models/directives.ts`, coverage in `rm_org_progress`;
 * the routes in `api/routes/directives.ts`; unit tests in `directives.test.ts` and
 * `domain/burden.test.ts`, integration in `test/cross-level/directive.test.ts` and
 * `test/cross-level/information-requests.test.ts`.
 */
import { checkInformationRequestCap, chinaWeek, type InformationRequestRefusal, type WeekCount } from '../burden.js';
import { addCoverage, coverageOfOne, directiveItemId, isTargeted, type Coverage, type DirectiveKind, type DirectiveSpec } from '../directive.js';
import { isLive } from '../ledger.js';
import { levelRank, type Level } from '../levels.js';
import { Rejection } from '../rejection.js';
import type { OrgContext } from './context.js';
import { refreshAlert } from './rectification.js';

/**
 * Issues a directive to levels or orgs below; it is relayed level by level.
 *
 * A request for information over the campaign's weekly cap (为基层减负) is answered, not
 * thrown: the refusal is a decision worth keeping, so it is recorded
 * (`InformationRequestRefused`) and counted, and the workflow answers only once it is
 * stored, so a caller reading the count back sees it. A thrown Rejection would answer
 * before its event is recorded. Nothing else changes: no directive, nothing relayed,
 * and the allowance is not spent. The cap is checked after every other rule, so a
 * malformed request is refused for what is wrong with it and is not counted.
 */
export function issueDirective(
  ctx: OrgContext,
  cmd: {
    directiveId: string;
    kind?: DirectiveKind | undefined;
    title: string;
    instructions: string;
    deadline: string;
    targetLevels: Level[];
    targetOrgIds: string[];
    by: string;
  },
  nowMs: number,
): { directiveId: string; refused?: InformationRequestRefusal } {
  const kind = cmd.kind ?? 'task';
  const held = ctx.state.directives[cmd.directiveId];
  if (held) {
    if (held.issuerOrgId === ctx.org.id && held.title === cmd.title && (held.kind ?? 'task') === kind) return { directiveId: cmd.directiveId };
    throw new Rejection('Conflict', `directive ${cmd.directiveId} already exists here`, 'directiveId');
  }
  ctx.assertOpenForBusiness();
  if (!ctx.mobilised) throw ctx.lockedRejection('rectification');
  const above = cmd.targetLevels.find((l) => levelRank(l) <= levelRank(ctx.org.level));
  if (above) throw new Rejection('Invalid', `a directive goes down: ${above} is not below ${ctx.org.level}`, 'targetLevels');
  if (cmd.targetLevels.length === 0 && cmd.targetOrgIds.length === 0) throw new Rejection('Invalid', 'name target levels or target orgs', 'targetLevels');
  const deadline = ctx.futureDeadline(cmd.deadline, nowMs, 'deadline');
  if (kind === 'information_request') {
    const week = chinaWeek(nowMs);
    const count = (ctx.state.informationRequestWeeks[week] ??= { sent: 0, refused: 0 });
    const refused = checkInformationRequestCap(ctx.campaign.rules, ctx.org, count, nowMs);
    if (refused) {
      count.refused += 1;
      const { level, cap, sent } = refused;
      ctx.emit(nowMs, { type: 'InformationRequestRefused', directiveId: cmd.directiveId, title: cmd.title, level, week, cap, sent, by: cmd.by });
      return { directiveId: cmd.directiveId, refused };
    }
    count.sent += 1;
  }
  const { directiveId, title, instructions, targetLevels, targetOrgIds } = cmd;
  const spec: DirectiveSpec = { directiveId, issuerOrgId: ctx.org.id, kind, title, instructions, deadline, targetLevels, targetOrgIds, cancelled: false };
  ctx.state.directives[cmd.directiveId] = spec;
  ctx.emit(nowMs, { type: 'DirectiveIssued', directive: spec, by: cmd.by });
  ctx.state.pendingRelay.push(cmd.directiveId);
  ctx.advance(nowMs);
  return { directiveId: cmd.directiveId };
}

/** 为基层减负: what this org sent and had refused in the week holding `nowMs`. */
export function informationRequestsThisWeek(ctx: OrgContext, nowMs: number): { week: string } & WeekCount {
  const week = chinaWeek(nowMs);
  return { week, ...(ctx.state.informationRequestWeeks[week] ?? { sent: 0, refused: 0 }) };
}

/** A directive from above, or news that it was cancelled: recorded once, relayed on. */
export function directiveReceived(ctx: OrgContext, spec: DirectiveSpec, nowMs: number): void {
  const held = ctx.state.directives[spec.directiveId];
  if (held) {
    if (spec.cancelled && !held.cancelled) cancelLocally(ctx, spec.directiveId, `issuer:${spec.issuerOrgId}`, nowMs);
    return;
  }
  ctx.state.directives[spec.directiveId] = spec;
  const targeted = !spec.cancelled && isTargeted(spec, ctx.org);
  const problemId = targeted ? directiveItemId(spec.directiveId) : null;
  if (problemId && !ctx.state.problems[problemId]) {
    const by = `directive:${spec.issuerOrgId}`;
    const category = spec.kind === 'information_request' ? '要材料' : '上题下答';
    ctx.enterLedger({ problemId, source: 'directive', category, description: `${spec.title}: ${spec.instructions}`, by }, nowMs, null);
    const item = ctx.state.problems[problemId]!;
    item.directiveId = spec.directiveId;
    item.status = 'planned';
    item.owner = ctx.org.name;
    item.deadline = spec.deadline;
    ctx.emit(nowMs, { type: 'RectificationPlanned', problemId, owner: ctx.org.name, measures: spec.instructions, deadline: spec.deadline, by });
    refreshAlert(ctx, problemId, nowMs);
  }
  ctx.emit(nowMs, { type: 'DirectiveReceived', directiveId: spec.directiveId, issuerOrgId: spec.issuerOrgId, targeted, problemId });
  if (spec.targetOrgIds.length > 0 || spec.targetLevels.some((l) => levelRank(l) > levelRank(ctx.org.level))) ctx.state.pendingRelay.push(spec.directiveId);
  ctx.advance(nowMs);
}

/** The issuer cancels: cancelled everywhere below. */
export function cancelDirective(ctx: OrgContext, cmd: { directiveId: string; by: string }, nowMs: number): { directiveId: string; cancelled: true } {
  const spec = ctx.state.directives[cmd.directiveId];
  if (!spec || spec.issuerOrgId !== ctx.org.id) throw new Rejection('NotFound', `no directive ${cmd.directiveId} issued by ${ctx.org.id}`, 'directiveId');
  if (!spec.cancelled) cancelLocally(ctx, cmd.directiveId, cmd.by, nowMs);
  return { directiveId: cmd.directiveId, cancelled: true };
}

/** Directives the children must hear about; the workflow relays them and calls {@link relayed}. */
export function directivesToRelay(ctx: OrgContext): DirectiveSpec[] {
  return ctx.state.pendingRelay.map((id) => ctx.state.directives[id]!);
}

export function relayed(ctx: OrgContext, count: number): void {
  ctx.state.pendingRelay.splice(0, count);
}

/** Every live directive, for children started after it was issued. */
export function liveDirectives(ctx: OrgContext): DirectiveSpec[] {
  return Object.values(ctx.state.directives).filter((d) => !d.cancelled);
}

/**
 * Coverage of each live directive in this org alone. An item rectified and awaiting
 * verification from above counts as `rectified`, apart from `done` (closed once
 * verified, 不整改不销号), so an org that has finished its part is not taken for one lagging.
 */
export function ownCoverage(ctx: OrgContext): Record<string, Coverage> {
  const out: Record<string, Coverage> = {};
  for (const item of Object.values(ctx.state.problems)) {
    if (!item.directiveId || item.status === 'cancelled' || ctx.state.directives[item.directiveId]?.cancelled) continue;
    const done = item.status === 'closed' ? 1 : 0;
    const overdue = item.alert === 'red' && isLive(item) ? 1 : 0;
    // Asked only for a rectified item: runs recorded before it was counted replay without it.
    const rectified = item.status === 'rectified' && ctx.options.coverageRectified() ? 1 : 0;
    out[item.directiveId] = coverageOfOne(ctx.org.level, { targeted: 1, done, overdue, rectified });
  }
  return out;
}

/** Coverage in the whole subtree: own plus the children's latest snapshots. */
export function subtreeCoverage(ctx: OrgContext): Record<string, Coverage> {
  const total = addCoverage({}, ownCoverage(ctx));
  for (const child of Object.values(ctx.state.children)) addCoverage(total, child.directives);
  for (const [id, spec] of Object.entries(ctx.state.directives)) if (spec.cancelled) delete total[id];
  return total;
}

function cancelLocally(ctx: OrgContext, directiveId: string, by: string, nowMs: number): void {
  const spec = ctx.state.directives[directiveId]!;
  spec.cancelled = true;
  const problemId = directiveItemId(directiveId);
  const item = ctx.state.problems[problemId];
  const cancelsItem = item && item.status !== 'closed' && item.status !== 'cancelled';
  if (cancelsItem) item.status = 'cancelled';
  ctx.emit(nowMs, { type: 'DirectiveCancelled', directiveId, problemId: cancelsItem ? problemId : null, by });
  ctx.state.pendingRelay.push(directiveId);
  ctx.advance(nowMs);
}
