/**
 * The five components of an org's part in a campaign, as decisions over its
 * {@link OrgContext}: 动员部署 mobilisation (and the cascade to its children), 学习 study,
 * 调研 research (topics, vetting, reports), 查摆 review (problems, 民主生活会, 公示,
 * concluding the problem list), and the rule after every change that opens and closes
 * them ({@link advance}); rectification's own lifecycle is in `rectification.ts`.
 *
 * The rest of these protocols: the commands' schemas in `domain/commands.ts`, their
 * updates in `workflows/org-node-messages.ts` (one entry each) registered by `workflows/org-node.ts`; the cascade's
 * activity in `activities/org-fanout.ts`; the read models in `db/models/org-progress.ts`,
 * `study-sessions.ts`, `research-topics.ts`, `democratic-life.ts` and `problems.ts`; the routes in `api/routes/org-actions.ts` and
 * `api/routes/ledger.ts`; unit tests in `components.test.ts` and `domain/org-node.test.ts`,
 * integration in `test/api/` and `test/hierarchy/`.
 */
import { COMPONENTS, type Component, type ComponentState, type ProblemSource, type StudyKind } from '../events.js';
import { itemOf, type ItemStatus } from '../ledger.js';
import { Rejection } from '../rejection.js';
import { similarTopics } from '../similarity.js';
import type { OrgContext, TopicState } from './context.js';

export interface StudySessionCommand {
  sessionId: string;
  date: string;
  kind: StudyKind;
  hours: number;
  attendance: number;
}

export interface StudySessionResult {
  sessionId: string;
  counted: boolean;
  reason: string | null;
  daysCounted: number;
  minDays: number;
}

// ---- mobilisation -------------------------------------------------------

/** 动员部署: records the meeting; the workflow then cascades to the children. */
export function mobilise(
  ctx: OrgContext,
  cmd: { date: string; attendance: number; by: string },
  nowMs: number,
  auto = false,
): { date: string; attendance: number } {
  const held = ctx.state.mobilisation;
  if (held) {
    if (held.date === cmd.date && held.attendance === cmd.attendance) return { date: held.date, attendance: held.attendance };
    throw new Rejection('Conflict', `mobilisation already recorded on ${held.date} (attendance ${held.attendance})`, 'date');
  }
  ctx.assertOpenForBusiness();
  ctx.assertInWindow(cmd.date, nowMs, 'date');
  ctx.state.mobilisation = { date: cmd.date, attendance: cmd.attendance, auto };
  ctx.state.status = 'active';
  ctx.emit(nowMs, { type: 'OrgMobilised', date: cmd.date, attendance: cmd.attendance, auto, by: cmd.by });
  ctx.advance(nowMs);
  return { date: cmd.date, attendance: cmd.attendance };
}

export function needsCascade(ctx: OrgContext): boolean {
  return ctx.mobilised && ctx.state.cascade.state !== 'done' && !ctx.state.closing;
}

/** One page of children started; `nextCursor` null when the last page is done. */
export function cascadePageDone(ctx: OrgContext, started: number, nextCursor: string | null, nowMs: number): void {
  ctx.state.cascade.childrenTotal += started;
  ctx.state.cascade.cursor = nextCursor;
  ctx.state.cascade.state = nextCursor === null ? 'done' : 'running';
  if (nextCursor === null) {
    ctx.emit(nowMs, { type: 'ChildrenCascaded', children: ctx.state.cascade.childrenTotal });
    ctx.advance(nowMs);
  }
}

// ---- study ----------------------------------------------------------------

export function recordStudySession(ctx: OrgContext, cmd: StudySessionCommand, nowMs: number): StudySessionResult {
  const minDays = ctx.campaign.rules.minStudyDays;
  const seen = ctx.state.study.sessions[cmd.sessionId];
  if (seen) return { sessionId: cmd.sessionId, ...seen, daysCounted: ctx.state.study.days.length, minDays };
  ctx.assertComponentOpen('study');
  ctx.assertInWindow(cmd.date, nowMs, 'date');
  let counted = false;
  let reason: string | null = null;
  if (cmd.kind !== 'concentrated') reason = `${cmd.kind} sessions do not count towards concentrated-study days`;
  else if (ctx.state.study.days.includes(cmd.date)) reason = `a concentrated-study day on ${cmd.date} is already counted`;
  else {
    counted = true;
    ctx.state.study.days.push(cmd.date);
  }
  ctx.state.study.sessions[cmd.sessionId] = { counted, reason };
  ctx.emit(nowMs, { type: 'StudySessionRecorded', ...cmd, counted, reason });
  ctx.advance(nowMs);
  return { sessionId: cmd.sessionId, counted, reason, daysCounted: ctx.state.study.days.length, minDays };
}

// ---- research -------------------------------------------------------------

/** A leader's research topic; near-duplicates among the org's topics are flagged for the vetter. */
export function proposeTopic(
  ctx: OrgContext,
  cmd: { topicId: string; leader: string; title: string },
  nowMs: number,
): { topicId: string; status: TopicState['status']; similarTo: string[] } {
  const held = ctx.state.topics[cmd.topicId];
  if (held && held.status !== 'returned') {
    if (held.title === cmd.title && held.leader === cmd.leader) return { topicId: cmd.topicId, status: held.status, similarTo: [] };
    throw new Rejection('Conflict', `topic ${cmd.topicId} already exists (${held.status}); only a returned topic may be revised`, 'topicId');
  }
  ctx.assertComponentOpen('research');
  const others = Object.entries(ctx.state.topics)
    .filter(([id, t]) => id !== cmd.topicId && t.status !== 'returned')
    .map(([topicId, t]) => ({ topicId, title: t.title }));
  const similarTo = similarTopics(cmd.title, others);
  const status = ctx.campaign.rules.topicsMustBeVetted ? 'proposed' : 'approved';
  ctx.state.topics[cmd.topicId] = { leader: cmd.leader, title: cmd.title, status, reports: held?.reports ?? [], measures: held?.measures ?? 0 };
  ctx.emit(nowMs, { type: 'TopicProposed', topicId: cmd.topicId, leader: cmd.leader, title: cmd.title, similarTo });
  if (status === 'approved') ctx.emit(nowMs, { type: 'TopicVetted', topicId: cmd.topicId, decision: 'approved', reason: null, by: 'rules' });
  ctx.advance(nowMs);
  return { topicId: cmd.topicId, status, similarTo };
}

/** 把关: approve, or return with a reason. */
export function vetTopic(
  ctx: OrgContext,
  cmd: { topicId: string; decision: 'approved' | 'returned'; reason?: string | undefined; by: string },
  nowMs: number,
): { topicId: string; status: TopicState['status'] } {
  const topic = ctx.state.topics[cmd.topicId];
  if (!topic) throw new Rejection('NotFound', `no topic ${cmd.topicId} in ${ctx.org.id}`, 'topicId');
  if (topic.status === cmd.decision) return { topicId: cmd.topicId, status: topic.status };
  if (topic.status !== 'proposed') throw new Rejection('Conflict', `topic ${cmd.topicId} is ${topic.status}, not awaiting vetting`, 'topicId');
  if (cmd.decision === 'returned' && !cmd.reason?.trim()) throw new Rejection('Invalid', 'a returned topic needs a reason', 'reason');
  topic.status = cmd.decision;
  ctx.emit(nowMs, { type: 'TopicVetted', topicId: cmd.topicId, decision: cmd.decision, reason: cmd.reason?.trim() || null, by: cmd.by });
  ctx.advance(nowMs);
  return { topicId: cmd.topicId, status: topic.status };
}

export function submitReport(
  ctx: OrgContext,
  cmd: { reportId: string; topicId: string; title: string; policyMeasures: number },
  nowMs: number,
): { reportId: string; topicReports: number } {
  const topic = ctx.state.topics[cmd.topicId];
  if (!topic) throw new Rejection('NotFound', `no topic ${cmd.topicId} in ${ctx.org.id}`, 'topicId');
  if (topic.reports.includes(cmd.reportId)) return { reportId: cmd.reportId, topicReports: topic.reports.length };
  ctx.assertComponentOpen('research');
  if (topic.status !== 'approved') throw new Rejection('Conflict', `topic ${cmd.topicId} is ${topic.status}; reports go against approved topics`, 'topicId');
  topic.reports.push(cmd.reportId);
  topic.measures += cmd.policyMeasures;
  ctx.emit(nowMs, { type: 'ReportSubmitted', ...cmd });
  ctx.advance(nowMs);
  return { reportId: cmd.reportId, topicReports: topic.reports.length };
}

// ---- review ----------------------------------------------------------------

/** A problem enters the ledger as `found`, whatever its source. */
export function recordProblem(
  ctx: OrgContext,
  cmd: {
    problemId: string;
    source: ProblemSource;
    category: string;
    description: string;
    immediate?: boolean | undefined;
    projectRef?: string | undefined;
    by: string;
  },
  nowMs: number,
  meetingId: string | null = null,
): { problemId: string; status: ItemStatus } {
  const held = ctx.state.problems[cmd.problemId];
  if (held) return { problemId: cmd.problemId, status: held.status };
  if (ctx.state.components.review === 'locked') throw ctx.lockedRejection('review');
  ctx.assertOpenForBusiness();
  return ctx.enterLedger(cmd, nowMs, meetingId);
}

/** 公示: publishes closed items' results on a date. */
export function discloseProblems(ctx: OrgContext, cmd: { date: string; problemIds: string[]; by: string }, nowMs: number): { disclosed: number } {
  ctx.assertOpenForBusiness();
  ctx.assertInWindow(cmd.date, nowMs, 'date', true);
  const fresh = cmd.problemIds.filter((id) => itemOf(ctx.state.problems, id, ctx.org.id).disclosedOn === null);
  for (const id of fresh) {
    const item = ctx.state.problems[id]!;
    if (item.status !== 'closed')
      throw new Rejection('Conflict', `problem ${id} is ${item.status}; only closed items are disclosed`, 'problemIds', {
        problemId: id,
        currentStatus: item.status,
      });
  }
  if (fresh.length === 0) return { disclosed: 0 };
  for (const id of fresh) ctx.state.problems[id]!.disclosedOn = cmd.date;
  ctx.emit(nowMs, { type: 'ProblemsDisclosed', date: cmd.date, problemIds: fresh, by: cmd.by });
  ctx.advance(nowMs);
  return { disclosed: fresh.length };
}

/** 民主生活会: its counts are recorded and its problems go straight into the ledger. */
export function recordDemocraticLifeMeeting(
  ctx: OrgContext,
  cmd: {
    meetingId: string;
    date: string;
    attendance: number;
    criticisms: number;
    problems: { problemId: string; category: string; description: string }[];
    by: string;
  },
  nowMs: number,
): { meetingId: string; problemsFound: number } {
  const held = ctx.state.meetings[cmd.meetingId];
  if (held) return { meetingId: cmd.meetingId, problemsFound: held.problemsFound };
  if (ctx.state.components.review === 'locked') throw ctx.lockedRejection('review');
  ctx.assertOpenForBusiness();
  ctx.assertInWindow(cmd.date, nowMs, 'date', true);
  const taken = cmd.problems.find((p) => ctx.state.problems[p.problemId]);
  if (taken) throw new Rejection('Conflict', `problem ${taken.problemId} is already in the ledger`, 'problems');
  ctx.state.meetings[cmd.meetingId] = { date: cmd.date, problemsFound: cmd.problems.length, criticisms: cmd.criticisms };
  const { meetingId, date, attendance, criticisms, by } = cmd;
  ctx.emit(nowMs, { type: 'DemocraticLifeMeetingHeld', meetingId, date, attendance, problemsFound: cmd.problems.length, criticisms, by });
  for (const p of cmd.problems) recordProblem(ctx, { ...p, source: 'democratic_life', by }, nowMs, meetingId);
  ctx.advance(nowMs);
  return { meetingId, problemsFound: cmd.problems.length };
}

/** The org declares its problem list complete (问题清单); rectification can then finish. */
export function concludeReview(ctx: OrgContext, by: string, nowMs: number): { problems: number } {
  const problems = Object.keys(ctx.state.problems).length;
  if (ctx.state.reviewConcluded) return { problems };
  ctx.assertComponentOpen('review');
  ctx.state.reviewConcluded = true;
  ctx.emit(nowMs, { type: 'ReviewConcluded', by });
  ctx.advance(nowMs);
  return { problems };
}

// ---- opening and closing the components --------------------------------------

/** Recomputes component states and status after any change; emits what changed. The context runs it as its `advance`. */
export function advance(ctx: OrgContext, nowMs: number): void {
  ctx.revision += 1;
  const s = ctx.state;
  if (s.closing || !ctx.mobilised) return;
  const sequential = ctx.campaign.phaseMode === 'sequential';
  let previousDone = true;
  for (const c of COMPONENTS) {
    const was = s.components[c];
    let next: ComponentState = was;
    if (was === 'locked' && (!sequential || previousDone)) {
      next = 'open';
      ctx.emit(nowMs, { type: 'ComponentOpened', component: c });
    }
    if (next !== 'locked') {
      const done = componentDone(ctx, c);
      if (done && next === 'open') {
        next = 'done';
        ctx.emit(nowMs, { type: 'ComponentDone', component: c });
      } else if (!done && next === 'done') {
        // New work after a component finished reopens it: a new problem (不整改不销号), a revised topic.
        next = 'open';
        ctx.emit(nowMs, { type: 'ComponentOpened', component: c });
      }
    }
    s.components[c] = next;
    previousDone = next === 'done';
  }
  const complete = ctx.isComplete;
  if (complete) s.status = s.ended ? 'completed' : 'complete';
  else s.status = s.ended ? 'continuing' : 'active';
}

function componentDone(ctx: OrgContext, c: Component): boolean {
  const s = ctx.state;
  switch (c) {
    case 'study':
      return s.study.days.length >= ctx.campaign.rules.minStudyDays;
    case 'research': {
      const topics = Object.values(s.topics);
      const approved = topics.filter((t) => t.status === 'approved');
      return approved.length > 0 && approved.every((t) => t.reports.length > 0) && !topics.some((t) => t.status === 'proposed');
    }
    case 'review':
      return s.reviewConcluded;
    case 'rectification':
      return s.reviewConcluded && Object.values(s.problems).every((p) => p.status === 'closed' || p.status === 'cancelled');
  }
}
