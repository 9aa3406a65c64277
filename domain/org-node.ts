/**
 * One organisation's part in one campaign, as plain data and pure decisions: the
 * five components (mobilisation, study, research, review, rectification), its own
 * figures, its children's latest snapshots and the events each decision produces.
 * `workflows/org-node.ts` is only the wiring around this class; the unit tests in
 * `org-node.test.ts` exercise it without a server.
 *
 * Dates are calendar dates in China Standard Time (UTC+8), the campaigns' calendar.
 */
import type { CampaignSpec } from './campaign.js';
import {
  COMPONENTS,
  type Component,
  type ComponentState,
  type DomainEvent,
  type DomainEventBody,
  type OrgStatus,
  type OrgSummary,
  type ProblemSource,
  type StudyKind,
} from './events.js';
import { acceptSnapshot, sumFigures, zeroFigures, type ChildSnapshot, type Figures } from './figures.js';
import type { Level } from './levels.js';
import { Rejection } from './rejection.js';
import { similarTopics } from './similarity.js';

export interface OrgRef {
  id: string;
  level: Level;
  name: string;
  parentId: string | null;
  path: string;
}

export type CampaignRef = Pick<CampaignSpec, 'id' | 'batch' | 'phaseMode' | 'rules' | 'startsOn' | 'endsOn' | 'rootOrgId'>;

interface TopicState {
  leader: string;
  title: string;
  status: 'proposed' | 'approved' | 'returned';
  reports: string[];
  measures: number;
}

interface ProblemState {
  status: 'open' | 'closed';
  source: ProblemSource;
}

/** Everything an org workflow must carry through continue-as-new. JSON only. */
export interface OrgNodeState {
  seq: number;
  reportSeq: number;
  status: OrgStatus;
  mobilisation: { date: string; attendance: number; auto: boolean } | null;
  components: Record<Component, ComponentState>;
  study: { sessions: Record<string, { counted: boolean; reason: string | null }>; days: string[] };
  topics: Record<string, TopicState>;
  problems: Record<string, ProblemState>;
  reviewConcluded: boolean;
  cascade: { state: 'pending' | 'running' | 'done'; cursor: string | null; childrenTotal: number };
  children: Record<string, ChildSnapshot>;
  /** What the parent last heard, to tell urgent changes from routine ones. */
  lastReport: { atMs: number; mobilised: boolean; complete: boolean; status: OrgStatus; figures: string } | null;
  /** The last snapshot written to the read model, to write only changes. */
  lastPublished: string | null;
  ended: boolean;
  closing: { by: string; reason: string } | null;
}

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

const CST_OFFSET_MS = 8 * 3600_000;

/** The calendar date in China Standard Time at `nowMs`. */
export function chinaDate(nowMs: number): string {
  return new Date(nowMs + CST_OFFSET_MS).toISOString().slice(0, 10);
}

export class OrgNode {
  /** Events decided but not yet recorded; the workflow drains this into `recordEvents`. */
  readonly outbox: DomainEvent[] = [];
  /** Bumped on every change, so the workflow's wait can wake and re-plan its timers. */
  revision = 0;

  constructor(
    readonly campaign: CampaignRef,
    readonly org: OrgRef,
    readonly state: OrgNodeState = OrgNode.initialState(),
  ) {}

  static initialState(): OrgNodeState {
    return {
      seq: 0,
      reportSeq: 0,
      status: 'waiting_mobilisation',
      mobilisation: null,
      components: { study: 'locked', research: 'locked', review: 'locked', rectification: 'locked' },
      study: { sessions: {}, days: [] },
      topics: {},
      problems: {},
      reviewConcluded: false,
      cascade: { state: 'pending', cursor: null, childrenTotal: 0 },
      children: {},
      lastReport: null,
      lastPublished: null,
      ended: false,
      closing: null,
    };
  }

  get streamId(): string {
    return `campaign/${this.campaign.id}/org/${this.org.id}`;
  }

  /** The first event of the stream; called once, on the first run. */
  start(nowMs: number): void {
    this.emit(nowMs, {
      type: 'OrgStarted',
      parentOrgId: this.org.parentId,
      level: this.org.level,
      name: this.org.name,
      path: this.org.path,
    });
  }

  // ---- mobilisation -------------------------------------------------------

  /** 动员部署: records the meeting; the workflow then cascades to the children. */
  mobilise(cmd: { date: string; attendance: number; by: string }, nowMs: number, auto = false): { date: string; attendance: number } {
    const held = this.state.mobilisation;
    if (held) {
      if (held.date === cmd.date && held.attendance === cmd.attendance) return { date: held.date, attendance: held.attendance };
      throw new Rejection('Conflict', `mobilisation already recorded on ${held.date} (attendance ${held.attendance})`, 'date');
    }
    this.assertOpenForBusiness();
    this.assertInWindow(cmd.date, nowMs, 'date');
    this.state.mobilisation = { date: cmd.date, attendance: cmd.attendance, auto };
    this.state.status = 'active';
    this.emit(nowMs, { type: 'OrgMobilised', date: cmd.date, attendance: cmd.attendance, auto, by: cmd.by });
    this.advance(nowMs);
    return { date: cmd.date, attendance: cmd.attendance };
  }

  get mobilised(): boolean {
    return this.state.mobilisation !== null;
  }

  get needsCascade(): boolean {
    return this.mobilised && this.state.cascade.state !== 'done' && !this.state.closing;
  }

  /** One page of children started; `nextCursor` null when the last page is done. */
  cascadePageDone(started: number, nextCursor: string | null, nowMs: number): void {
    this.state.cascade.childrenTotal += started;
    this.state.cascade.cursor = nextCursor;
    this.state.cascade.state = nextCursor === null ? 'done' : 'running';
    if (nextCursor === null) {
      this.emit(nowMs, { type: 'ChildrenCascaded', children: this.state.cascade.childrenTotal });
      this.advance(nowMs);
    }
  }

  // ---- study ----------------------------------------------------------------

  recordStudySession(cmd: StudySessionCommand, nowMs: number): StudySessionResult {
    const minDays = this.campaign.rules.minStudyDays;
    const seen = this.state.study.sessions[cmd.sessionId];
    if (seen) return { sessionId: cmd.sessionId, ...seen, daysCounted: this.state.study.days.length, minDays };
    this.assertComponentOpen('study');
    this.assertInWindow(cmd.date, nowMs, 'date');
    let counted = false;
    let reason: string | null = null;
    if (cmd.kind !== 'concentrated') reason = `${cmd.kind} sessions do not count towards concentrated-study days`;
    else if (this.state.study.days.includes(cmd.date)) reason = `a concentrated-study day on ${cmd.date} is already counted`;
    else {
      counted = true;
      this.state.study.days.push(cmd.date);
    }
    this.state.study.sessions[cmd.sessionId] = { counted, reason };
    this.emit(nowMs, { type: 'StudySessionRecorded', ...cmd, counted, reason });
    this.advance(nowMs);
    return { sessionId: cmd.sessionId, counted, reason, daysCounted: this.state.study.days.length, minDays };
  }

  // ---- research -------------------------------------------------------------

  /** A leader's research topic; near-duplicates among the org's topics are flagged for the vetter. */
  proposeTopic(cmd: { topicId: string; leader: string; title: string }, nowMs: number): { topicId: string; status: TopicState['status']; similarTo: string[] } {
    const held = this.state.topics[cmd.topicId];
    if (held && held.status !== 'returned') {
      if (held.title === cmd.title && held.leader === cmd.leader) return { topicId: cmd.topicId, status: held.status, similarTo: [] };
      throw new Rejection('Conflict', `topic ${cmd.topicId} already exists (${held.status}); only a returned topic may be revised`, 'topicId');
    }
    this.assertComponentOpen('research');
    const others = Object.entries(this.state.topics)
      .filter(([id, t]) => id !== cmd.topicId && t.status !== 'returned')
      .map(([topicId, t]) => ({ topicId, title: t.title }));
    const similarTo = similarTopics(cmd.title, others);
    const status = this.campaign.rules.topicsMustBeVetted ? 'proposed' : 'approved';
    this.state.topics[cmd.topicId] = { leader: cmd.leader, title: cmd.title, status, reports: held?.reports ?? [], measures: held?.measures ?? 0 };
    this.emit(nowMs, { type: 'TopicProposed', topicId: cmd.topicId, leader: cmd.leader, title: cmd.title, similarTo });
    if (status === 'approved') this.emit(nowMs, { type: 'TopicVetted', topicId: cmd.topicId, decision: 'approved', reason: null, by: 'rules' });
    this.advance(nowMs);
    return { topicId: cmd.topicId, status, similarTo };
  }

  /** 把关: approve, or return with a reason. */
  vetTopic(cmd: { topicId: string; decision: 'approved' | 'returned'; reason?: string | undefined; by: string }, nowMs: number): { topicId: string; status: TopicState['status'] } {
    const topic = this.state.topics[cmd.topicId];
    if (!topic) throw new Rejection('NotFound', `no topic ${cmd.topicId} in ${this.org.id}`, 'topicId');
    if (topic.status === cmd.decision) return { topicId: cmd.topicId, status: topic.status };
    if (topic.status !== 'proposed') throw new Rejection('Conflict', `topic ${cmd.topicId} is ${topic.status}, not awaiting vetting`, 'topicId');
    if (cmd.decision === 'returned' && !cmd.reason?.trim()) throw new Rejection('Invalid', 'a returned topic needs a reason', 'reason');
    topic.status = cmd.decision;
    this.emit(nowMs, { type: 'TopicVetted', topicId: cmd.topicId, decision: cmd.decision, reason: cmd.reason?.trim() || null, by: cmd.by });
    this.advance(nowMs);
    return { topicId: cmd.topicId, status: topic.status };
  }

  submitReport(cmd: { reportId: string; topicId: string; title: string; policyMeasures: number }, nowMs: number): { reportId: string; topicReports: number } {
    const topic = this.state.topics[cmd.topicId];
    if (!topic) throw new Rejection('NotFound', `no topic ${cmd.topicId} in ${this.org.id}`, 'topicId');
    if (topic.reports.includes(cmd.reportId)) return { reportId: cmd.reportId, topicReports: topic.reports.length };
    this.assertComponentOpen('research');
    if (topic.status !== 'approved') throw new Rejection('Conflict', `topic ${cmd.topicId} is ${topic.status}; reports go against approved topics`, 'topicId');
    topic.reports.push(cmd.reportId);
    topic.measures += cmd.policyMeasures;
    this.emit(nowMs, { type: 'ReportSubmitted', ...cmd });
    this.advance(nowMs);
    return { reportId: cmd.reportId, topicReports: topic.reports.length };
  }

  // ---- review and rectification --------------------------------------------

  recordProblem(cmd: { problemId: string; source: ProblemSource; category: string; description: string }, nowMs: number): { problemId: string; status: 'open' | 'closed' } {
    const held = this.state.problems[cmd.problemId];
    if (held) return { problemId: cmd.problemId, status: held.status };
    if (this.state.components.review === 'locked') throw this.lockedRejection('review');
    this.assertOpenForBusiness();
    this.state.problems[cmd.problemId] = { status: 'open', source: cmd.source };
    this.emit(nowMs, { type: 'ProblemRecorded', ...cmd });
    this.advance(nowMs);
    return { problemId: cmd.problemId, status: 'open' };
  }

  closeProblem(cmd: { problemId: string; note: string; by: string }, nowMs: number): { problemId: string; status: 'closed' } {
    const problem = this.state.problems[cmd.problemId];
    if (!problem) throw new Rejection('NotFound', `no problem ${cmd.problemId} in ${this.org.id}`, 'problemId');
    if (problem.status === 'closed') return { problemId: cmd.problemId, status: 'closed' };
    if (this.state.components.rectification === 'locked') throw this.lockedRejection('rectification');
    problem.status = 'closed';
    this.emit(nowMs, { type: 'ProblemClosed', problemId: cmd.problemId, note: cmd.note, by: cmd.by });
    this.advance(nowMs);
    return { problemId: cmd.problemId, status: 'closed' };
  }

  /** The org declares its problem list complete (问题清单); rectification can then finish. */
  concludeReview(by: string, nowMs: number): { problems: number } {
    const problems = Object.keys(this.state.problems).length;
    if (this.state.reviewConcluded) return { problems };
    this.assertComponentOpen('review');
    this.state.reviewConcluded = true;
    this.emit(nowMs, { type: 'ReviewConcluded', by });
    this.advance(nowMs);
    return { problems };
  }

  // ---- children and progress -------------------------------------------------

  /** A child's snapshot: kept if newer than the one held. */
  childReported(childId: string, snapshot: ChildSnapshot, nowMs: number): void {
    this.state.children[childId] = acceptSnapshot(this.state.children[childId], snapshot);
    this.advance(nowMs);
  }

  ownFigures(): Figures {
    const f = zeroFigures();
    const s = this.state;
    const topics = Object.values(s.topics);
    const problems = Object.values(s.problems);
    f.orgs = 1;
    f.mobilised = this.mobilised ? 1 : 0;
    f.studyDone = s.components.study === 'done' ? 1 : 0;
    f.researchDone = s.components.research === 'done' ? 1 : 0;
    f.reviewDone = s.components.review === 'done' ? 1 : 0;
    f.complete = this.isComplete ? 1 : 0;
    f.studyDays = s.study.days.length;
    f.topics = topics.filter((t) => t.status !== 'returned').length;
    f.topicsApproved = topics.filter((t) => t.status === 'approved').length;
    f.reports = topics.reduce((n, t) => n + t.reports.length, 0);
    f.measures = topics.reduce((n, t) => n + t.measures, 0);
    f.problems = problems.length;
    f.problemsClosed = problems.filter((p) => p.status === 'closed').length;
    return f;
  }

  subtreeFigures(): Figures {
    return sumFigures([this.ownFigures(), ...Object.values(this.state.children).map((c) => c.figures)]);
  }

  get ownDone(): boolean {
    return COMPONENTS.every((c) => this.state.components[c] === 'done');
  }

  get childrenTotal(): number | null {
    return this.state.cascade.state === 'done' ? this.state.cascade.childrenTotal : null;
  }

  get childrenComplete(): boolean {
    const total = this.childrenTotal;
    if (total === null) return false;
    return Object.values(this.state.children).filter((c) => c.complete).length >= total;
  }

  /** Its own components and every child's subtree are done. */
  get isComplete(): boolean {
    return this.ownDone && this.childrenComplete;
  }

  /** The phase an operator filters on (`CampaignPhase`). */
  get phase(): string {
    const s = this.state;
    if (s.status === 'completed' || s.status === 'closed_incomplete' || s.status === 'continuing') return s.status;
    if (!this.mobilised) return 'mobilisation';
    const open = COMPONENTS.find((c) => s.components[c] !== 'done');
    if (open) return open;
    return this.isComplete ? 'complete' : 'children';
  }

  /** The line an operator reads in the Temporal UI, e.g. "学习 4/6 天 · 问题 12 open · children 14/16 mobilised". */
  details(): string {
    const s = this.state;
    const own = this.ownFigures();
    const parts = [
      this.mobilised ? `动员 ✓ ${s.mobilisation!.date}` : '动员 pending',
      `学习 ${own.studyDays}/${this.campaign.rules.minStudyDays} 天`,
      `调研 ${own.topics} topics, ${own.reports} reports`,
      `问题 ${own.problems - own.problemsClosed} open, ${own.overdue} overdue${s.reviewConcluded ? '' : ' (list open)'}`,
    ];
    const total = this.childrenTotal ?? Object.keys(s.children).length;
    if (total > 0 || s.cascade.state !== 'pending') {
      const kids = Object.values(s.children);
      const more = this.childrenTotal === null && this.mobilised ? '+' : '';
      parts.push(`children ${kids.filter((c) => c.mobilised).length}/${total}${more} mobilised, ${kids.filter((c) => c.complete).length} complete`);
    }
    return `${s.status} · ${parts.join(' · ')}`;
  }

  /**
   * Whether the parent should hear from this org now: at once when it has mobilised,
   * completed or changed status, otherwise at most once per `progressReportSeconds`.
   */
  reportDueInMs(nowMs: number): number | null {
    const last = this.state.lastReport;
    if (!last) return 0;
    if (last.mobilised !== this.mobilised || last.complete !== this.isComplete || last.status !== this.state.status) return 0;
    if (last.figures === JSON.stringify(this.subtreeFigures())) return null;
    return Math.max(0, last.atMs + this.campaign.rules.progressReportSeconds * 1000 - nowMs);
  }

  /** The snapshot for the parent; also records a ProgressReported event for the read model. */
  makeReport(nowMs: number): ChildSnapshot {
    this.publish(nowMs);
    this.state.reportSeq += 1;
    const figures = this.subtreeFigures();
    const complete = this.isComplete;
    this.state.lastReport = { atMs: nowMs, mobilised: this.mobilised, complete, status: this.state.status, figures: JSON.stringify(figures) };
    return { seq: this.state.reportSeq, figures, complete, mobilised: this.mobilised };
  }

  /** Records a ProgressReported event if anything the read model shows has changed. */
  publish(nowMs: number): void {
    const snapshot = this.publishedSnapshot();
    if (snapshot === this.state.lastPublished) return;
    this.state.lastPublished = snapshot;
    this.emit(nowMs, {
      type: 'ProgressReported',
      status: this.state.status,
      phase: this.phase,
      components: { ...this.state.components },
      own: this.ownFigures(),
      subtree: this.subtreeFigures(),
      childrenTotal: this.childrenTotal,
      details: this.details(),
    });
  }

  private publishedSnapshot(): string {
    return JSON.stringify([this.state.status, this.state.components, this.subtreeFigures(), this.ownFigures(), this.childrenTotal]);
  }

  // ---- end of the campaign ---------------------------------------------------

  /** The campaign's scheduled end has passed: an org with open work keeps rectifying. */
  campaignEnded(nowMs: number): void {
    if (this.state.ended) return;
    this.state.ended = true;
    this.advance(nowMs);
  }

  /** An organiser closed the campaign: finish with an honest status. */
  close(cmd: { by: string; reason: string }, nowMs: number): void {
    if (this.state.closing) return;
    this.state.closing = cmd;
    this.state.status = this.isComplete ? 'completed' : 'closed_incomplete';
    this.publish(nowMs);
  }

  /** The workflow may return: closed, or complete once the campaign's end has passed. */
  get finished(): boolean {
    return this.state.status === 'completed' || this.state.status === 'closed_incomplete';
  }

  summary(): OrgSummary {
    return {
      campaignId: this.campaign.id,
      orgId: this.org.id,
      status: this.state.status,
      own: this.ownFigures(),
      subtree: this.subtreeFigures(),
      details: this.details(),
    };
  }

  /** The final event of the stream. */
  finish(nowMs: number): OrgSummary {
    const summary = this.summary();
    this.emit(nowMs, { type: 'OrgFinished', summary });
    return summary;
  }

  // ---- internals --------------------------------------------------------------

  /** Recomputes component states and status after any change; emits what changed. */
  private advance(nowMs: number): void {
    this.revision += 1;
    const s = this.state;
    if (s.closing || !this.mobilised) return;
    const sequential = this.campaign.phaseMode === 'sequential';
    let previousDone = true;
    for (const c of COMPONENTS) {
      const was = s.components[c];
      let next: ComponentState = was;
      if (was === 'locked' && (!sequential || previousDone)) {
        next = 'open';
        this.emit(nowMs, { type: 'ComponentOpened', component: c });
      }
      if (next !== 'locked') {
        const done = this.componentDone(c);
        if (done && next === 'open') {
          next = 'done';
          this.emit(nowMs, { type: 'ComponentDone', component: c });
        } else if (!done && next === 'done') {
          // New work after a component finished reopens it: a new problem (不整改不销号), a revised topic.
          next = 'open';
          this.emit(nowMs, { type: 'ComponentOpened', component: c });
        }
      }
      s.components[c] = next;
      previousDone = next === 'done';
    }
    const complete = this.isComplete;
    if (complete) s.status = s.ended ? 'completed' : 'complete';
    else s.status = s.ended ? 'continuing' : 'active';
  }

  private componentDone(c: Component): boolean {
    const s = this.state;
    switch (c) {
      case 'study':
        return s.study.days.length >= this.campaign.rules.minStudyDays;
      case 'research': {
        const topics = Object.values(s.topics);
        const approved = topics.filter((t) => t.status === 'approved');
        return approved.length > 0 && approved.every((t) => t.reports.length > 0) && !topics.some((t) => t.status === 'proposed');
      }
      case 'review':
        return s.reviewConcluded;
      case 'rectification':
        return s.reviewConcluded && Object.values(s.problems).every((p) => p.status === 'closed');
    }
  }

  private assertOpenForBusiness(): void {
    if (this.state.closing || this.finished) throw new Rejection('Conflict', `the campaign is over for ${this.org.id} (${this.state.status})`);
  }

  private assertComponentOpen(c: Component): void {
    this.assertOpenForBusiness();
    if (this.state.components[c] === 'locked') throw this.lockedRejection(c);
  }

  private lockedRejection(c: Component): Rejection {
    if (!this.mobilised) return new Rejection('Conflict', `${this.org.id} has not held its mobilisation meeting yet; ${c} opens after it`);
    const before = COMPONENTS[COMPONENTS.indexOf(c) - 1];
    return new Rejection('Conflict', `${c} opens when ${before} is done (sequential mode)`);
  }

  private assertInWindow(date: string, nowMs: number, field: string): void {
    const { startsOn, endsOn } = this.campaign;
    if (date < startsOn) throw new Rejection('Invalid', `${date} is before the campaign starts (${startsOn})`, field);
    if (date > endsOn) throw new Rejection('Invalid', `${date} is after the campaign ends (${endsOn})`, field);
    const today = chinaDate(nowMs);
    if (date > today) throw new Rejection('Invalid', `${date} is in the future (today is ${today})`, field);
  }

  private emit(nowMs: number, body: DomainEventBody): void {
    this.state.seq += 1;
    const event = {
      ...body,
      id: `${this.streamId}:${this.state.seq}`,
      streamId: this.streamId,
      seq: this.state.seq,
      campaignId: this.campaign.id,
      orgId: this.org.id,
      occurredAt: new Date(nowMs).toISOString(),
    } as DomainEvent;
    this.outbox.push(event);
  }
}
