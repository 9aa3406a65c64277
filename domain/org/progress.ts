/**
 * An org's stream from its first event to its last, and what it tells others of its
 * progress: `OrgStarted`; its own figures and its subtree's (its children's latest
 * snapshots); the snapshot for its parent, sent at once on a change that matters and at
 * most once per `progressReportSeconds` otherwise; the `ProgressReported` event for the
 * read model; the line an operator reads in the Temporal UI; and the campaign's end,
 * closing and `OrgFinished`.
 *
 * The rest: the figures and snapshots in `domain/figures.ts` (packed for continue-as-new
 * by `domain/carry.ts`); the `childProgress` signal in `workflows/messages.ts`, sent and
 * received in `workflows/org-node.ts`; the read model (`rm_org_progress`) in
 * `db/models/org-progress.ts` and `db/models/overview.ts`; the routes in `api/routes/campaigns.ts` and `api/routes/overview.ts`;
 * unit tests in `domain/org-node.test.ts` and `domain/carry.test.ts`, integration in
 * `test/hierarchy/aggregates.test.ts`.
 */
import { acceptSnapshot, sumFigures, zeroFigures, type ChildSnapshot, type Figures } from '../figures.js';
import { COMPONENTS, type OrgSummary } from '../events.js';
import { ledgerCounts } from '../ledger.js';
import type { OrgContext } from './context.js';
import { subtreeCoverage } from './directives.js';
import { inboxStats } from './escalations.js';

/** The first event of the stream; called once, on the first run. */
export function start(ctx: OrgContext, nowMs: number): void {
  ctx.emit(nowMs, {
    type: 'OrgStarted',
    parentOrgId: ctx.org.parentId,
    level: ctx.org.level,
    name: ctx.org.name,
    path: ctx.org.path,
  });
}

/** A child's snapshot: kept if newer than the one held. */
export function childReported(ctx: OrgContext, childId: string, snapshot: ChildSnapshot, nowMs: number): void {
  ctx.state.children[childId] = acceptSnapshot(ctx.state.children[childId], snapshot);
  ctx.advance(nowMs);
}

export function ownFigures(ctx: OrgContext): Figures {
  const f = zeroFigures();
  const s = ctx.state;
  const topics = Object.values(s.topics);
  f.orgs = 1;
  f.mobilised = ctx.mobilised ? 1 : 0;
  f.studyDone = s.components.study === 'done' ? 1 : 0;
  f.researchDone = s.components.research === 'done' ? 1 : 0;
  f.reviewDone = s.components.review === 'done' ? 1 : 0;
  f.complete = ctx.isComplete ? 1 : 0;
  f.studyDays = s.study.days.length;
  f.topics = topics.filter((t) => t.status !== 'returned').length;
  f.topicsApproved = topics.filter((t) => t.status === 'approved').length;
  f.reports = topics.reduce((n, t) => n + t.reports.length, 0);
  f.measures = topics.reduce((n, t) => n + t.measures, 0);
  const counts = ledgerCounts(s.problems);
  f.problems = counts.problems;
  f.problemsClosed = counts.problemsClosed;
  f.overdue = counts.overdue;
  f.dueSoon = counts.dueSoon;
  f.immediate = counts.immediate;
  f.disclosed = counts.disclosed;
  const meetings = Object.values(s.meetings);
  f.meetings = meetings.length;
  f.criticisms = meetings.reduce((n, m) => n + m.criticisms, 0);
  const inbox = inboxStats(ctx);
  f.escalated = Object.values(s.problems).filter((p) => p.escalation).length;
  f.escalationsReceived = inbox.received;
  f.escalationsPending = inbox.pending;
  f.lapses = s.lapses;
  return f;
}

/** Own figures plus every child's; summed once per change (a unit may have 3,000 children, and a pass asks several times). */
export function subtreeFigures(ctx: OrgContext): Figures {
  const m = ctx.subtreeMemo;
  if (m && m.revision === ctx.revision && m.children === ctx.state.children) return { ...m.figures };
  const figures = sumFigures([ownFigures(ctx), ...Object.values(ctx.state.children).map((c) => c.figures)]);
  ctx.subtreeMemo = { revision: ctx.revision, children: ctx.state.children, figures };
  return { ...figures };
}

/** The phase an operator filters on (`CampaignPhase`). */
export function phase(ctx: OrgContext): string {
  const s = ctx.state;
  if (s.status === 'completed' || s.status === 'closed_incomplete' || s.status === 'continuing') return s.status;
  if (!ctx.mobilised) return 'mobilisation';
  const open = COMPONENTS.find((c) => s.components[c] !== 'done');
  if (open) return open;
  return ctx.isComplete ? 'complete' : 'children';
}

/** The line an operator reads in the Temporal UI, e.g. "学习 4/6 天 · 问题 12 open · children 14/16 mobilised". */
export function details(ctx: OrgContext): string {
  const s = ctx.state;
  const own = ownFigures(ctx);
  const parts = [
    ctx.mobilised ? `动员 ✓ ${s.mobilisation!.date}` : '动员 pending',
    `学习 ${own.studyDays}/${ctx.campaign.rules.minStudyDays} 天`,
    `调研 ${own.topics} topics, ${own.reports} reports`,
    `问题 ${own.problems - own.problemsClosed} open, ${own.overdue} overdue${s.reviewConcluded ? '' : ' (list open)'}`,
  ];
  const total = ctx.childrenTotal ?? Object.keys(s.children).length;
  if (total > 0 || s.cascade.state !== 'pending') {
    const kids = Object.values(s.children);
    const more = ctx.childrenTotal === null && ctx.mobilised ? '+' : '';
    parts.push(`children ${kids.filter((c) => c.mobilised).length}/${total}${more} mobilised, ${kids.filter((c) => c.complete).length} complete`);
  }
  return `${s.status} · ${parts.join(' · ')}`;
}

/**
 * Whether the parent should hear from this org now: at once when it has mobilised,
 * completed or changed status, otherwise at most once per `progressReportSeconds`.
 */
export function reportDueInMs(ctx: OrgContext, nowMs: number): number | null {
  const last = ctx.state.lastReport;
  if (!last) return 0;
  if (last.mobilised !== ctx.mobilised || last.complete !== ctx.isComplete || last.status !== ctx.state.status) return 0;
  if (last.figures === reportedJson(ctx)) return null;
  return Math.max(0, last.atMs + ctx.campaign.rules.progressReportSeconds * 1000 - nowMs);
}

/** The snapshot for the parent; also records a ProgressReported event for the read model. */
export function makeReport(ctx: OrgContext, nowMs: number): ChildSnapshot {
  publish(ctx, nowMs);
  ctx.state.reportSeq += 1;
  const figures = subtreeFigures(ctx);
  const directives = subtreeCoverage(ctx);
  const complete = ctx.isComplete;
  ctx.state.lastReport = { atMs: nowMs, mobilised: ctx.mobilised, complete, status: ctx.state.status, figures: reportedJson(ctx) };
  return { seq: ctx.state.reportSeq, figures, complete, mobilised: ctx.mobilised, ...(Object.keys(directives).length ? { directives } : {}) };
}

/** What a report to the parent says, to tell whether anything changed since the last. */
function reportedJson(ctx: OrgContext): string {
  const directives = subtreeCoverage(ctx);
  return JSON.stringify(Object.keys(directives).length ? [subtreeFigures(ctx), directives] : subtreeFigures(ctx));
}

/** Records a ProgressReported event if anything the read model shows has changed. */
export function publish(ctx: OrgContext, nowMs: number): void {
  const snapshot = publishedSnapshot(ctx);
  if (snapshot === ctx.state.lastPublished) return;
  ctx.state.lastPublished = snapshot;
  ctx.emit(nowMs, {
    type: 'ProgressReported',
    status: ctx.state.status,
    phase: phase(ctx),
    components: { ...ctx.state.components },
    own: ownFigures(ctx),
    subtree: subtreeFigures(ctx),
    childrenTotal: ctx.childrenTotal,
    details: details(ctx),
    ...(Object.keys(ctx.state.directives).length ? { directives: subtreeCoverage(ctx) } : {}),
  });
}

function publishedSnapshot(ctx: OrgContext): string {
  const coverage = subtreeCoverage(ctx);
  const base = [ctx.state.status, ctx.state.components, subtreeFigures(ctx), ownFigures(ctx), ctx.childrenTotal];
  return JSON.stringify(Object.keys(coverage).length ? [...base, coverage] : base);
}

/** The campaign's scheduled end has passed: an org with open work keeps rectifying. */
export function campaignEnded(ctx: OrgContext, nowMs: number): void {
  if (ctx.state.ended) return;
  ctx.state.ended = true;
  ctx.advance(nowMs);
}

/** An organiser closed the campaign: finish with an honest status. */
export function close(ctx: OrgContext, cmd: { by: string; reason: string }, nowMs: number): void {
  if (ctx.state.closing) return;
  ctx.state.closing = cmd;
  ctx.state.status = ctx.isComplete ? 'completed' : 'closed_incomplete';
  publish(ctx, nowMs);
}

export function summary(ctx: OrgContext): OrgSummary {
  return {
    campaignId: ctx.campaign.id,
    orgId: ctx.org.id,
    status: ctx.state.status,
    own: ownFigures(ctx),
    subtree: subtreeFigures(ctx),
    details: details(ctx),
  };
}

/** The final event of the stream. */
export function finish(ctx: OrgContext, nowMs: number): OrgSummary {
  const s = summary(ctx);
  ctx.emit(nowMs, { type: 'OrgFinished', summary: s });
  return s;
}
