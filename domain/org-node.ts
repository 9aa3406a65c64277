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
import { packChildren, packInbox, unpackChildren, unpackInbox, type PackedChildren, type PackedInbox } from './carry.js';
import { awaitsClaim, claimDeadlineOutcome, compactInbox, escalationIdOf, isNewer, originWorkflowOf, type EscalationMessage, type EscalationNotice, type InboxEscalation, type OutgoingSignal } from './escalation.js';
import { orgWorkflowId } from './campaign.js';
import { jointItemId, type JointPartAssignment } from './joint.js';
import { publicItemId, type PublicMessageAssignment } from './public-message.js';
import { PREVENTION_NAMES, spotCheckItemId, type SpotCheckFinding } from './inspection.js';
import { addCoverage, coverageOfOne, directiveItemId, isTargeted, type Coverage, type DirectiveKind, type DirectiveSpec } from './directive.js';
import { levelRank, type Level as OrgLevel } from './levels.js';
import { checkInformationRequestCap, chinaWeek, type InformationRequestRefusal, type WeekCount } from './burden.js';
import {
  isLive,
  alertAt,
  deadlineInstant,
  itemOf,
  ledgerCounts,
  nextAlertAtMs,
  requireStatus,
  type ItemStatus,
  type Ledger,
} from './ledger.js';

export interface OrgRef {
  id: string;
  level: Level;
  name: string;
  parentId: string | null;
  path: string;
  /** Children in the directory when the org was started; 0 lets a leaf skip the cascade activity. Absent in older runs. */
  childCount?: number;
}

export type CampaignRef = Pick<CampaignSpec, 'id' | 'batch' | 'phaseMode' | 'rules' | 'startsOn' | 'endsOn' | 'rootOrgId'>;

interface TopicState {
  leader: string;
  title: string;
  status: 'proposed' | 'approved' | 'returned';
  reports: string[];
  measures: number;
}


/** State as continue-as-new carries it: the parts that grow with the org's surroundings packed (see `carry.ts`). */
export type CarriedOrgNodeState = Omit<OrgNodeState, 'children' | 'inbox'> & { packedChildren: PackedChildren; packedInbox: PackedInbox };

/** Everything an org workflow must carry through continue-as-new. JSON only. */
export interface OrgNodeState {
  seq: number;
  reportSeq: number;
  status: OrgStatus;
  mobilisation: { date: string; attendance: number; auto: boolean } | null;
  components: Record<Component, ComponentState>;
  study: { sessions: Record<string, { counted: boolean; reason: string | null }>; days: string[] };
  topics: Record<string, TopicState>;
  problems: Ledger;
  meetings: Record<string, { date: string; problemsFound: number; criticisms: number }>;
  projects: Record<string, { title: string; leadOrgId: string; participantOrgIds: string[] }>;
  reviewConcluded: boolean;
  cascade: { state: 'pending' | 'running' | 'done'; cursor: string | null; childrenTotal: number };
  children: Record<string, ChildSnapshot>;
  /** What the parent last heard, to tell urgent changes from routine ones. */
  lastReport: { atMs: number; mobilised: boolean; complete: boolean; status: OrgStatus; figures: string } | null;
  /** The last snapshot written to the read model, to write only changes. */
  lastPublished: string | null;
  ended: boolean;
  closing: { by: string; reason: string } | null;
  /** Escalations received from below (下题上答), by id. */
  inbox: Record<string, InboxEscalation>;
  /** Signals to other org workflows not yet sent. */
  outgoing: OutgoingSignal[];
  /** Escalations this org let lapse past their claim deadline: forwarded automatically, or turned red at the campaign's top. */
  lapses: number;
  /** Directives known here (上题下答): issued here or received from above. */
  directives: Record<string, DirectiveSpec>;
  /** Directives whose latest state the children have yet to hear. */
  pendingRelay: string[];
  /** 为基层减负: requests for information this org sent and had refused, by week (`burden.ts`); one entry a week. */
  informationRequestWeeks: Record<string, WeekCount>;
}

interface InboxStats {
  inbox: OrgNodeState['inbox'];
  version: number;
  received: number;
  pending: number;
  nextClaimDeadlineMs: number | null;
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

/**
 * Behaviour that changed after workflows were already running, asked only when it
 * matters. The workflow answers with Temporal's `patched()`, so a run recorded before a
 * change replays as it ran and a new run (or the same run, once past its history) gets
 * the change; tests of the pure code take the defaults (everything on).
 */
export interface OrgNodeOptions {
  /**
   * A claim deadline passing at the campaign's top turns the escalation red and counts a
   * lapse (`claimDeadlineOutcome`); before, it did nothing there (and a root with a
   * parent in the directory forwarded it to a workflow that does not exist).
   */
  topOfCampaign?: () => boolean;
  /** Directive coverage counts items rectified and awaiting verification (`Coverage.rectified`). */
  coverageRectified?: () => boolean;
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
  /** Bumped when an inbox entry is added or changes status. */
  private inboxVersion = 0;
  private inboxMemo: InboxStats | null = null;
  private subtreeMemo: { revision: number; children: OrgNodeState['children']; figures: Figures } | null = null;

  readonly state: OrgNodeState;
  private readonly options: Required<OrgNodeOptions>;

  /**
   * `carried` is the state a previous run handed to continue-as-new, packed by `carry()`
   * (or, from runs before packing, plain); fields added since then start empty.
   */
  constructor(
    readonly campaign: CampaignRef,
    readonly org: OrgRef,
    carried?: Partial<OrgNodeState> | CarriedOrgNodeState,
    options: OrgNodeOptions = {},
  ) {
    this.options = { topOfCampaign: () => true, coverageRectified: () => true, ...options };
    const { packedChildren, packedInbox, ...plain } = (carried ?? {}) as Partial<CarriedOrgNodeState> & Partial<OrgNodeState>;
    this.state = { ...OrgNode.initialState(), ...plain };
    if (packedChildren) this.state.children = unpackChildren(packedChildren);
    this.state.inbox = packedInbox ? unpackInbox(packedInbox) : compactInbox(this.state.inbox);
  }

  /** The state to continue as new with: children and inbox packed, so it stays far under Temporal's 2 MiB input limit. */
  carry(): CarriedOrgNodeState {
    const { children, inbox, ...rest } = this.state;
    return { ...rest, packedChildren: packChildren(children), packedInbox: packInbox(inbox) };
  }

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
      meetings: {},
      projects: {},
      reviewConcluded: false,
      cascade: { state: 'pending', cursor: null, childrenTotal: 0 },
      children: {},
      lastReport: null,
      lastPublished: null,
      ended: false,
      closing: null,
      inbox: {},
      outgoing: [],
      lapses: 0,
      directives: {},
      pendingRelay: [],
      informationRequestWeeks: {},
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

  /** A problem enters the ledger as `found`, whatever its source. */
  recordProblem(
    cmd: { problemId: string; source: ProblemSource; category: string; description: string; immediate?: boolean | undefined; projectRef?: string | undefined; by: string },
    nowMs: number,
    meetingId: string | null = null,
  ): { problemId: string; status: ItemStatus } {
    const held = this.state.problems[cmd.problemId];
    if (held) return { problemId: cmd.problemId, status: held.status };
    if (this.state.components.review === 'locked') throw this.lockedRejection('review');
    this.assertOpenForBusiness();
    return this.enterLedger(cmd, nowMs, meetingId);
  }

  /** Adds an item as `found`; claims of escalations enter here in any phase. */
  private enterLedger(
    cmd: { problemId: string; source: ProblemSource; category: string; description: string; immediate?: boolean | undefined; projectRef?: string | undefined; by: string },
    nowMs: number,
    meetingId: string | null,
  ): { problemId: string; status: ItemStatus } {
    const immediate = cmd.immediate ?? false;
    const projectRef = cmd.projectRef ?? null;
    this.state.problems[cmd.problemId] = {
      source: cmd.source,
      category: cmd.category,
      description: cmd.description,
      immediate,
      projectRef,
      status: 'found',
      owner: null,
      deadline: null,
      extended: false,
      alert: 'none',
      rectifiedBy: null,
      returns: 0,
      disclosedOn: null,
    };
    const { problemId, source, category, description, by } = cmd;
    this.emit(nowMs, { type: 'ProblemRecorded', problemId, source, category, description, immediate, projectRef, meetingId, by });
    this.advance(nowMs);
    return { problemId, status: 'found' };
  }

  /** found → planned: an owner, measures and a deadline, all required. */
  planRectification(cmd: { problemId: string; owner: string; measures: string; deadline: string; by: string }, nowMs: number): { problemId: string; status: ItemStatus; deadline: string } {
    const item = itemOf(this.state.problems, cmd.problemId, this.org.id);
    if (item.status === 'planned' && item.owner === cmd.owner && item.deadline === deadlineInstant(cmd.deadline)) {
      return { problemId: cmd.problemId, status: item.status, deadline: item.deadline };
    }
    this.assertComponentOpen('rectification');
    requireStatus(item, cmd.problemId, ['found'], 'plan');
    const deadline = this.futureDeadline(cmd.deadline, nowMs, 'deadline');
    if (item.immediate && Date.parse(deadline) - nowMs > this.campaign.rules.immediateDays * 86_400_000) {
      throw new Rejection('Invalid', `an immediate item (立行立改) must be done within ${this.campaign.rules.immediateDays} days`, 'deadline');
    }
    item.status = 'planned';
    item.owner = cmd.owner;
    item.deadline = deadline;
    this.emit(nowMs, { type: 'RectificationPlanned', problemId: cmd.problemId, owner: cmd.owner, measures: cmd.measures, deadline, by: cmd.by });
    this.reportBack(cmd.problemId);
    this.refreshAlert(cmd.problemId, nowMs);
    this.advance(nowMs);
    return { problemId: cmd.problemId, status: item.status, deadline };
  }

  /** planned → in_progress. */
  startRectification(cmd: { problemId: string; by: string }, nowMs: number): { problemId: string; status: ItemStatus } {
    const item = itemOf(this.state.problems, cmd.problemId, this.org.id);
    if (item.status === 'in_progress') return { problemId: cmd.problemId, status: item.status };
    this.assertOpenForBusiness();
    requireStatus(item, cmd.problemId, ['planned'], 'start');
    item.status = 'in_progress';
    this.emit(nowMs, { type: 'RectificationStarted', problemId: cmd.problemId, by: cmd.by });
    this.reportBack(cmd.problemId);
    this.advance(nowMs);
    return { problemId: cmd.problemId, status: item.status };
  }

  /** in_progress → rectified, with evidence. */
  submitRectification(cmd: { problemId: string; evidence: string; attachments?: string[] | undefined; by: string }, nowMs: number): { problemId: string; status: ItemStatus } {
    const item = itemOf(this.state.problems, cmd.problemId, this.org.id);
    this.assertOpenForBusiness();
    requireStatus(item, cmd.problemId, ['in_progress'], 'submit');
    item.status = 'rectified';
    item.rectifiedBy = cmd.by;
    this.emit(nowMs, { type: 'RectificationSubmitted', problemId: cmd.problemId, evidence: cmd.evidence, attachments: cmd.attachments ?? [], by: cmd.by });
    this.reportBack(cmd.problemId);
    this.advance(nowMs);
    return { problemId: cmd.problemId, status: item.status };
  }

  /**
   * rectified → closed (verified) or back to in_progress (returned, with a reason). The
   * verifier is an inspector or an organiser of a higher org, and never who rectified it.
   */
  verifyRectification(
    cmd: { problemId: string; decision: 'verified' | 'returned'; reason?: string | undefined; by: string; verifierRole: string; verifierOrgId: string | null },
    nowMs: number,
  ): { problemId: string; status: ItemStatus } {
    const item = itemOf(this.state.problems, cmd.problemId, this.org.id);
    this.assertOpenForBusiness();
    requireStatus(item, cmd.problemId, ['rectified'], cmd.decision === 'verified' ? 'verify' : 'return');
    const higher = cmd.verifierRole === 'admin' || cmd.verifierRole === 'inspector' || (cmd.verifierRole === 'organiser' && cmd.verifierOrgId !== this.org.id);
    // No field: `by` is filled by the API from the caller's token, not sent, so naming it
    // (`body.by`) pointed at a field the request does not have; the rule is the reason.
    if (!higher) throw new Rejection('Forbidden', `an item of ${this.org.id} is verified by an inspector over it or an organiser above it, never by the org's own people`);
    if (cmd.by === item.rectifiedBy) throw new Rejection('Forbidden', `item ${cmd.problemId} is verified by an inspector or an organiser above ${this.org.id}, never by whoever rectified it, as this caller did`);
    if (cmd.decision === 'returned') {
      const reason = cmd.reason?.trim();
      if (!reason) throw new Rejection('Invalid', 'a returned rectification needs a reason', 'reason');
      item.status = 'in_progress';
      item.returns += 1;
      this.emit(nowMs, { type: 'RectificationReturned', problemId: cmd.problemId, by: cmd.by, reason });
      this.refreshAlert(cmd.problemId, nowMs);
    } else {
      item.status = 'closed';
      this.emit(nowMs, { type: 'RectificationVerified', problemId: cmd.problemId, by: cmd.by, note: cmd.reason?.trim() || null });
      for (const escalationId of item.origins ?? []) this.answerOrigin(escalationId, cmd.problemId, cmd.reason?.trim() || null);
    }
    this.reportBack(cmd.problemId);
    this.advance(nowMs);
    return { problemId: cmd.problemId, status: item.status };
  }

  /** A deadline may be extended once, with a reason; the extension shows in the ledger. */
  extendDeadline(cmd: { problemId: string; deadline: string; reason: string; by: string }, nowMs: number): { problemId: string; deadline: string } {
    const item = itemOf(this.state.problems, cmd.problemId, this.org.id);
    const to = deadlineInstant(cmd.deadline);
    if (item.extended && item.deadline === to) return { problemId: cmd.problemId, deadline: to };
    this.assertOpenForBusiness();
    requireStatus(item, cmd.problemId, ['planned', 'in_progress'], 'extend its deadline');
    if (item.extended) throw new Rejection('Conflict', `the deadline of ${cmd.problemId} was already extended once`, 'deadline', { currentStatus: item.status });
    const from = item.deadline!;
    if (to <= from) throw new Rejection('Invalid', `the new deadline must be after the current one (${from})`, 'deadline');
    item.deadline = to;
    item.extended = true;
    this.emit(nowMs, { type: 'DeadlineExtended', problemId: cmd.problemId, from, to, reason: cmd.reason, by: cmd.by });
    this.refreshAlert(cmd.problemId, nowMs);
    this.advance(nowMs);
    return { problemId: cmd.problemId, deadline: to };
  }

  /** Fires the yellow and red alerts and the claim deadlines that are due; the workflow calls it from its timer. */
  checkDeadlines(nowMs: number): void {
    let changed = false;
    const due = this.inboxStats().nextClaimDeadlineMs;
    const atTop = due !== null && nowMs >= due ? this.claimDeadlinesAtTop() : null;
    for (const [id, e] of atTop !== null ? Object.entries(this.state.inbox) : []) {
      const outcome = claimDeadlineOutcome(e, nowMs, atTop!);
      const days = this.campaign.rules.claimDeadlineDays;
      if (outcome === 'forward') {
        // Not claimed in time: forwarded upward, and counted against this level.
        this.state.lapses += 1;
        this.forward(id, `not claimed within ${days} days`, 'rules:claim-deadline', true, nowMs);
        changed = true;
      } else if (outcome === 'overdue') {
        // Not claimed in time at the top: nowhere to forward it, so it turns red here and counts against this level.
        e.status = 'overdue';
        this.inboxVersion += 1;
        this.state.lapses += 1;
        const reason = `not claimed within ${days} days at ${this.org.id}, the top of the campaign: nothing above to forward it to`;
        this.emit(nowMs, { type: 'EscalationOverdue', escalationId: id, hop: e.hop, claimDeadline: new Date(e.claimDeadlineMs).toISOString(), reason, by: 'rules:claim-deadline' });
        changed = true;
      }
    }
    for (const id of Object.keys(this.state.problems)) changed = this.refreshAlert(id, nowMs) || changed;
    if (changed) this.advance(nowMs);
  }

  /** When the next deadline alert or claim deadline falls due, or null. */
  nextAlertAtMs(): number | null {
    let next: number | null = null;
    const due = this.inboxStats().nextClaimDeadlineMs;
    if (due !== null && this.claimDeadlinesAtTop() !== null) next = due;
    for (const item of Object.values(this.state.problems)) {
      const at = nextAlertAtMs(item, this.campaign.rules.warningDays);
      if (at !== null && (next === null || at < next)) next = at;
    }
    return next;
  }

  /** 公示: publishes closed items' results on a date. */
  discloseProblems(cmd: { date: string; problemIds: string[]; by: string }, nowMs: number): { disclosed: number } {
    this.assertOpenForBusiness();
    this.assertInWindow(cmd.date, nowMs, 'date', true);
    const fresh = cmd.problemIds.filter((id) => itemOf(this.state.problems, id, this.org.id).disclosedOn === null);
    for (const id of fresh) {
      const item = this.state.problems[id]!;
      if (item.status !== 'closed') throw new Rejection('Conflict', `problem ${id} is ${item.status}; only closed items are disclosed`, 'problemIds', { problemId: id, currentStatus: item.status });
    }
    if (fresh.length === 0) return { disclosed: 0 };
    for (const id of fresh) this.state.problems[id]!.disclosedOn = cmd.date;
    this.emit(nowMs, { type: 'ProblemsDisclosed', date: cmd.date, problemIds: fresh, by: cmd.by });
    this.advance(nowMs);
    return { disclosed: fresh.length };
  }

  /** 民主生活会: its counts are recorded and its problems go straight into the ledger. */
  recordDemocraticLifeMeeting(
    cmd: { meetingId: string; date: string; attendance: number; criticisms: number; problems: { problemId: string; category: string; description: string }[]; by: string },
    nowMs: number,
  ): { meetingId: string; problemsFound: number } {
    const held = this.state.meetings[cmd.meetingId];
    if (held) return { meetingId: cmd.meetingId, problemsFound: held.problemsFound };
    if (this.state.components.review === 'locked') throw this.lockedRejection('review');
    this.assertOpenForBusiness();
    this.assertInWindow(cmd.date, nowMs, 'date', true);
    const taken = cmd.problems.find((p) => this.state.problems[p.problemId]);
    if (taken) throw new Rejection('Conflict', `problem ${taken.problemId} is already in the ledger`, 'problems');
    this.state.meetings[cmd.meetingId] = { date: cmd.date, problemsFound: cmd.problems.length, criticisms: cmd.criticisms };
    const { meetingId, date, attendance, criticisms, by } = cmd;
    this.emit(nowMs, { type: 'DemocraticLifeMeetingHeld', meetingId, date, attendance, problemsFound: cmd.problems.length, criticisms, by });
    for (const p of cmd.problems) this.recordProblem({ ...p, source: 'democratic_life', by }, nowMs, meetingId);
    this.advance(nowMs);
    return { meetingId, problemsFound: cmd.problems.length };
  }

  // ---- escalation up (下题上答) ---------------------------------------------

  /**
   * Marks an item as rooted above and sends it to the target (an ancestor, or a
   * functional department elsewhere, possibly in an earlier batch's campaign). The
   * item stays open, waiting on the answer.
   */
  escalateProblem(cmd: { problemId: string; targetOrgId: string; targetCampaignId?: string | undefined; reason: string; by: string }, nowMs: number): { escalationId: string; status: string } {
    const item = itemOf(this.state.problems, cmd.problemId, this.org.id);
    const targetCampaignId = cmd.targetCampaignId ?? this.campaign.id;
    if (item.escalation && item.escalation.status !== 'undeliverable') return { escalationId: item.escalation.escalationId, status: item.escalation.status };
    this.assertOpenForBusiness();
    requireStatus(item, cmd.problemId, ['found', 'planned', 'in_progress'], 'escalate');
    if (item.origins?.length) throw new Rejection('Conflict', `problem ${cmd.problemId} answers escalations from below; claim or forward those instead`, 'problemId');
    // The API checks the target is not below this org (the directory knows); the workflow can only see itself.
    if (targetCampaignId === this.campaign.id && cmd.targetOrgId === this.org.id) {
      throw new Rejection('Invalid', `an escalation goes above or across, never to ${this.org.id} itself`, 'targetOrgId');
    }
    const escalationId = escalationIdOf(this.streamId, cmd.problemId);
    item.escalation = { escalationId, status: 'sent', atOrgId: cmd.targetOrgId, hop: 0 };
    this.emit(nowMs, { type: 'ProblemEscalated', problemId: cmd.problemId, escalationId, targetOrgId: cmd.targetOrgId, targetCampaignId, reason: cmd.reason, by: cmd.by });
    this.send(orgWorkflowId(targetCampaignId, cmd.targetOrgId), 'escalationReceived', {
      escalationId,
      origin: { campaignId: this.campaign.id, orgId: this.org.id, problemId: cmd.problemId, workflowId: this.streamId },
      category: item.category,
      description: item.description,
      reason: cmd.reason,
      hop: 1,
    }, cmd.problemId);
    this.advance(nowMs);
    return { escalationId, status: 'sent' };
  }

  /** An escalation arrives: recorded once, acknowledged to its origin. */
  escalationReceived(message: EscalationMessage, nowMs: number): void {
    if (this.state.inbox[message.escalationId]) return;
    const claimDeadlineMs = nowMs + this.campaign.rules.claimDeadlineDays * 86_400_000;
    this.state.inbox[message.escalationId] = { status: 'pending', hop: message.hop, claimDeadlineMs, problemId: null };
    this.inboxVersion += 1;
    const { origin } = message;
    this.emit(nowMs, {
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
    this.notify(message.escalationId, message.hop, 'acknowledged', null);
    this.advance(nowMs);
  }

  /**
   * Whether claiming needs the escalation's message (a new item is made from its text);
   * the workflow then reads it from the event store. Rejects what the claim would reject.
   */
  claimNeedsMessage(cmd: { escalationId: string; intoProblemId?: string | undefined }): boolean {
    const entry = this.claimable(cmd.escalationId);
    return entry !== null && !cmd.intoProblemId;
  }

  /**
   * 认领: the escalation becomes an item of this org's ledger with the full lifecycle,
   * or joins an existing item (merging escalations with one root cause). A new item
   * needs `message`, which the workflow reads back from this org's `EscalationReceived` event.
   */
  claimEscalation(
    cmd: { escalationId: string; problemId?: string | undefined; intoProblemId?: string | undefined; by: string },
    nowMs: number,
    message: EscalationMessage | null = null,
  ): { escalationId: string; problemId: string } {
    const entry = this.claimable(cmd.escalationId);
    if (!entry) return { escalationId: cmd.escalationId, problemId: this.state.inbox[cmd.escalationId]!.problemId! };
    let problemId: string;
    if (cmd.intoProblemId) {
      const into = itemOf(this.state.problems, cmd.intoProblemId, this.org.id);
      problemId = cmd.intoProblemId;
      into.origins = [...(into.origins ?? []), cmd.escalationId];
    } else {
      problemId = cmd.problemId ?? `esc-${Object.keys(this.state.problems).length + 1}`;
      if (this.state.problems[problemId]) throw new Rejection('Conflict', `problem ${problemId} already exists; pass intoProblemId to merge`, 'problemId');
      if (!message || message.escalationId !== cmd.escalationId) throw new Error(`claiming ${cmd.escalationId} as a new item needs its message`);
      this.enterLedger({ problemId, source: 'escalation', category: message.category, description: `${message.description}（${message.origin.orgId} 上报：${message.reason}）`, by: cmd.by }, nowMs, null);
      this.state.problems[problemId]!.origins = [cmd.escalationId];
    }
    entry.status = 'claimed';
    entry.problemId = problemId;
    this.inboxVersion += 1;
    this.emit(nowMs, { type: 'EscalationClaimed', escalationId: cmd.escalationId, problemId, merged: Boolean(cmd.intoProblemId), hop: entry.hop, by: cmd.by });
    this.notify(cmd.escalationId, entry.hop, 'claimed', problemId);
    if (this.state.problems[problemId]!.status === 'closed') this.answerOrigin(cmd.escalationId, problemId, null);
    this.advance(nowMs);
    return { escalationId: cmd.escalationId, problemId };
  }

  /** The waiting entry (pending, or red at the top) a claim acts on; null when it is already claimed (the claim is a repeat). */
  private claimable(escalationId: string): InboxEscalation | null {
    const entry = this.state.inbox[escalationId];
    if (!entry) throw new Rejection('NotFound', `no escalation ${escalationId} at ${this.org.id}`, 'escalationId');
    if (entry.status === 'claimed') return null;
    if (!awaitsClaim(entry)) throw new Rejection('Conflict', `escalation ${escalationId} was ${entry.status}`, 'escalationId', { currentStatus: entry.status });
    this.assertOpenForBusiness();
    return entry;
  }

  /** Passes an escalation to the parent org, with a reason. */
  forwardEscalation(cmd: { escalationId: string; reason: string; by: string }, nowMs: number): { escalationId: string; toOrgId: string } {
    const entry = this.state.inbox[cmd.escalationId];
    if (!entry) throw new Rejection('NotFound', `no escalation ${cmd.escalationId} at ${this.org.id}`, 'escalationId');
    if (entry.status === 'forwarded') return { escalationId: cmd.escalationId, toOrgId: this.org.parentId! };
    if (!awaitsClaim(entry)) throw new Rejection('Conflict', `escalation ${cmd.escalationId} was ${entry.status}`, 'escalationId', { currentStatus: entry.status });
    if (!this.org.parentId || (this.isTop && this.options.topOfCampaign())) throw new Rejection('Conflict', `${this.org.id} is the top of the campaign: claim it here`, 'escalationId');
    this.assertOpenForBusiness();
    this.forward(cmd.escalationId, cmd.reason, cmd.by, false, nowMs);
    this.advance(nowMs);
    return { escalationId: cmd.escalationId, toOrgId: this.org.parentId };
  }

  /** The origin hears how its escalation moves; the answer closes its item, with a link to it. */
  escalationNotice(notice: EscalationNotice, nowMs: number): void {
    const entry = Object.entries(this.state.problems).find(([, p]) => p.escalation?.escalationId === notice.escalationId);
    if (!entry) return;
    const [problemId, item] = entry;
    const esc = item.escalation!;
    if (!isNewer(esc, notice)) return;
    esc.status = notice.status;
    esc.atOrgId = notice.atOrgId;
    esc.hop = notice.hop;
    this.emit(nowMs, { type: 'EscalationProgress', problemId, escalationId: notice.escalationId, status: notice.status, atOrgId: notice.atOrgId, detail: notice.detail });
    if (notice.status === 'answered' && item.status !== 'closed') {
      item.status = 'closed';
      this.emit(nowMs, { type: 'RectificationVerified', problemId, by: `answer:${notice.atOrgId}`, note: notice.detail });
    }
    this.advance(nowMs);
  }

  /** A signal that could not be delivered is recorded against its item, never dropped silently. */
  deliveryFailed(signal: OutgoingSignal, nowMs: number): void {
    if (signal.signal !== 'escalationReceived' || !signal.originProblemId) return;
    const item = this.state.problems[signal.originProblemId];
    if (!item?.escalation) return;
    item.escalation.status = 'undeliverable';
    this.emit(nowMs, { type: 'EscalationProgress', problemId: signal.originProblemId, escalationId: item.escalation.escalationId, status: 'undeliverable', atOrgId: item.escalation.atOrgId, detail: `no running workflow ${signal.workflowId}` });
    this.advance(nowMs);
  }

  /**
   * The campaign's top: its root org, which has no workflow above it in this campaign even
   * when the directory gives it a parent (a campaign over a district).
   */
  get isTop(): boolean {
    return !this.org.parentId || this.org.id === this.campaign.rootOrgId;
  }

  /**
   * How a passed claim deadline is decided here: true at the top (the escalation turns
   * red), false below it (forwarded), null when it does nothing: at the top in runs
   * recorded before the change (a parentless root ignored its deadlines; a root with a
   * parent in the directory forwarded, as below). Asked only when a deadline is near, so
   * the patch marker lands only in the runs it concerns.
   */
  private claimDeadlinesAtTop(): boolean | null {
    if (this.isTop && this.options.topOfCampaign()) return true;
    return this.org.parentId ? false : null;
  }

  private forward(escalationId: string, reason: string, by: string, lapsed: boolean, nowMs: number): void {
    const entry = this.state.inbox[escalationId]!;
    entry.status = 'forwarded';
    this.inboxVersion += 1;
    const toOrgId = this.org.parentId!;
    this.emit(nowMs, { type: 'EscalationForwarded', escalationId, toOrgId, reason, lapsed, hop: entry.hop, by });
    this.state.outgoing.push({
      workflowId: orgWorkflowId(this.campaign.id, toOrgId),
      signal: 'escalationReceived',
      payload: null,
      fromStore: { streamId: this.streamId, escalationId, hop: entry.hop + 1 },
      originProblemId: null,
    });
    this.notify(escalationId, entry.hop, 'forwarded', `${lapsed ? 'lapsed at' : 'forwarded by'} ${this.org.id} to ${toOrgId}: ${reason}`, toOrgId);
  }

  private answerOrigin(escalationId: string, problemId: string, result: string | null): void {
    const entry = this.state.inbox[escalationId];
    if (entry) this.notify(escalationId, entry.hop, 'answered', result ?? `answered by ${this.org.id} (${problemId})`);
  }

  private notify(escalationId: string, hop: number, status: EscalationNotice['status'], detail: string | null, atOrgId = this.org.id): void {
    this.send(originWorkflowOf(escalationId), 'escalationNotice', { escalationId, status, atOrgId, detail, hop }, null);
  }

  private send(workflowId: string, signal: OutgoingSignal['signal'], payload: OutgoingSignal['payload'], originProblemId: string | null): void {
    this.state.outgoing.push({ workflowId, signal, payload, originProblemId });
  }

  // ---- directives down (上题下答) ---------------------------------------------

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
  issueDirective(
    cmd: { directiveId: string; kind?: DirectiveKind | undefined; title: string; instructions: string; deadline: string; targetLevels: OrgLevel[]; targetOrgIds: string[]; by: string },
    nowMs: number,
  ): { directiveId: string; refused?: InformationRequestRefusal } {
    const kind = cmd.kind ?? 'task';
    const held = this.state.directives[cmd.directiveId];
    if (held) {
      if (held.issuerOrgId === this.org.id && held.title === cmd.title && (held.kind ?? 'task') === kind) return { directiveId: cmd.directiveId };
      throw new Rejection('Conflict', `directive ${cmd.directiveId} already exists here`, 'directiveId');
    }
    this.assertOpenForBusiness();
    if (!this.mobilised) throw this.lockedRejection('rectification');
    const above = cmd.targetLevels.find((l) => levelRank(l) <= levelRank(this.org.level));
    if (above) throw new Rejection('Invalid', `a directive goes down: ${above} is not below ${this.org.level}`, 'targetLevels');
    if (cmd.targetLevels.length === 0 && cmd.targetOrgIds.length === 0) throw new Rejection('Invalid', 'name target levels or target orgs', 'targetLevels');
    const deadline = this.futureDeadline(cmd.deadline, nowMs, 'deadline');
    if (kind === 'information_request') {
      const week = chinaWeek(nowMs);
      const count = (this.state.informationRequestWeeks[week] ??= { sent: 0, refused: 0 });
      const refused = checkInformationRequestCap(this.campaign.rules, this.org, count, nowMs);
      if (refused) {
        count.refused += 1;
        const { level, cap, sent } = refused;
        this.emit(nowMs, { type: 'InformationRequestRefused', directiveId: cmd.directiveId, title: cmd.title, level, week, cap, sent, by: cmd.by });
        return { directiveId: cmd.directiveId, refused };
      }
      count.sent += 1;
    }
    const spec: DirectiveSpec = { directiveId: cmd.directiveId, issuerOrgId: this.org.id, kind, title: cmd.title, instructions: cmd.instructions, deadline, targetLevels: cmd.targetLevels, targetOrgIds: cmd.targetOrgIds, cancelled: false };
    this.state.directives[cmd.directiveId] = spec;
    this.emit(nowMs, { type: 'DirectiveIssued', directive: spec, by: cmd.by });
    this.state.pendingRelay.push(cmd.directiveId);
    this.advance(nowMs);
    return { directiveId: cmd.directiveId };
  }

  /** 为基层减负: what this org sent and had refused in the week holding `nowMs`. */
  informationRequestsThisWeek(nowMs: number): { week: string } & WeekCount {
    const week = chinaWeek(nowMs);
    return { week, ...(this.state.informationRequestWeeks[week] ?? { sent: 0, refused: 0 }) };
  }

  /** A directive from above, or news that it was cancelled: recorded once, relayed on. */
  directiveReceived(spec: DirectiveSpec, nowMs: number): void {
    const held = this.state.directives[spec.directiveId];
    if (held) {
      if (spec.cancelled && !held.cancelled) this.cancelLocally(spec.directiveId, `issuer:${spec.issuerOrgId}`, nowMs);
      return;
    }
    this.state.directives[spec.directiveId] = spec;
    const targeted = !spec.cancelled && isTargeted(spec, this.org);
    const problemId = targeted ? directiveItemId(spec.directiveId) : null;
    if (problemId && !this.state.problems[problemId]) {
      const by = `directive:${spec.issuerOrgId}`;
      const category = spec.kind === 'information_request' ? '要材料' : '上题下答';
      this.enterLedger({ problemId, source: 'directive', category, description: `${spec.title}: ${spec.instructions}`, by }, nowMs, null);
      const item = this.state.problems[problemId]!;
      item.directiveId = spec.directiveId;
      item.status = 'planned';
      item.owner = this.org.name;
      item.deadline = spec.deadline;
      this.emit(nowMs, { type: 'RectificationPlanned', problemId, owner: this.org.name, measures: spec.instructions, deadline: spec.deadline, by });
      this.refreshAlert(problemId, nowMs);
    }
    this.emit(nowMs, { type: 'DirectiveReceived', directiveId: spec.directiveId, issuerOrgId: spec.issuerOrgId, targeted, problemId });
    if (spec.targetOrgIds.length > 0 || spec.targetLevels.some((l) => levelRank(l) > levelRank(this.org.level))) this.state.pendingRelay.push(spec.directiveId);
    this.advance(nowMs);
  }

  /** The issuer cancels: cancelled everywhere below. */
  cancelDirective(cmd: { directiveId: string; by: string }, nowMs: number): { directiveId: string; cancelled: true } {
    const spec = this.state.directives[cmd.directiveId];
    if (!spec || spec.issuerOrgId !== this.org.id) throw new Rejection('NotFound', `no directive ${cmd.directiveId} issued by ${this.org.id}`, 'directiveId');
    if (!spec.cancelled) this.cancelLocally(cmd.directiveId, cmd.by, nowMs);
    return { directiveId: cmd.directiveId, cancelled: true };
  }

  /** Directives the children must hear about; the workflow relays them and calls {@link relayed}. */
  get directivesToRelay(): DirectiveSpec[] {
    return this.state.pendingRelay.map((id) => this.state.directives[id]!);
  }

  relayed(count: number): void {
    this.state.pendingRelay.splice(0, count);
  }

  /** Every live directive, for children started after it was issued. */
  get liveDirectives(): DirectiveSpec[] {
    return Object.values(this.state.directives).filter((d) => !d.cancelled);
  }

  /**
   * Coverage of each live directive in this org alone. An item rectified and awaiting
   * verification from above counts as `rectified`, apart from `done` (closed once
   * verified, 不整改不销号), so an org that has finished its part is not taken for one lagging.
   */
  ownCoverage(): Record<string, Coverage> {
    const out: Record<string, Coverage> = {};
    for (const item of Object.values(this.state.problems)) {
      if (!item.directiveId || item.status === 'cancelled' || this.state.directives[item.directiveId]?.cancelled) continue;
      const done = item.status === 'closed' ? 1 : 0;
      const overdue = item.alert === 'red' && isLive(item) ? 1 : 0;
      // Asked only for a rectified item: runs recorded before it was counted replay without it.
      const rectified = item.status === 'rectified' && this.options.coverageRectified() ? 1 : 0;
      out[item.directiveId] = coverageOfOne(this.org.level, { targeted: 1, done, overdue, rectified });
    }
    return out;
  }

  /** Coverage in the whole subtree: own plus the children's latest snapshots. */
  subtreeCoverage(): Record<string, Coverage> {
    const total = addCoverage({}, this.ownCoverage());
    for (const child of Object.values(this.state.children)) addCoverage(total, child.directives);
    for (const [id, spec] of Object.entries(this.state.directives)) if (spec.cancelled) delete total[id];
    return total;
  }

  private cancelLocally(directiveId: string, by: string, nowMs: number): void {
    const spec = this.state.directives[directiveId]!;
    spec.cancelled = true;
    const problemId = directiveItemId(directiveId);
    const item = this.state.problems[problemId];
    const cancelsItem = item && item.status !== 'closed' && item.status !== 'cancelled';
    if (cancelsItem) item.status = 'cancelled';
    this.emit(nowMs, { type: 'DirectiveCancelled', directiveId, problemId: cancelsItem ? problemId : null, by });
    this.state.pendingRelay.push(directiveId);
    this.advance(nowMs);
  }

  // ---- joint answers (同题共答) ----------------------------------------------

  /** This org's part of a joint problem: an item in its own ledger, reported back as it moves. */
  jointPartAssigned(part: JointPartAssignment, nowMs: number): void {
    const problemId = jointItemId(part.jointId);
    if (this.state.problems[problemId]) return;
    this.enterLedger({ problemId, source: 'joint_answer', category: '同题共答', description: `${part.title}: ${part.description}（${part.openerOrgId} 发起）`, by: `joint:${part.openerOrgId}` }, nowMs, null);
    this.state.problems[problemId]!.jointWorkflowId = part.jointWorkflowId;
    this.emit(nowMs, { type: 'JointPartAccepted', jointId: part.jointId, problemId });
    this.reportBack(problemId);
    this.advance(nowMs);
  }

  /** Tells the supporting workflow an item answers (a joint answer, a public message) where the item stands. */
  private reportBack(problemId: string): void {
    const item = this.state.problems[problemId];
    if (item?.jointWorkflowId) {
      const jointId = problemId.slice('joint-'.length);
      this.send(item.jointWorkflowId, 'jointPartStatus', { jointId, orgId: this.org.id, status: item.status }, null);
    }
    if (item?.publicWorkflowId) {
      const messageId = problemId.slice('public-'.length);
      this.send(item.publicWorkflowId, 'publicMessageStatus', { messageId, orgId: this.org.id, status: item.status }, null);
    }
  }

  // ---- public messages (民意直通车) ---------------------------------------------

  /** A citizen's message routed here: an item in this org's ledger, closed only once verified, reported back as it moves. */
  publicMessageAssigned(message: PublicMessageAssignment, nowMs: number): void {
    const problemId = publicItemId(message.messageId);
    if (this.state.problems[problemId]) return;
    this.enterLedger({ problemId, source: 'public_message', category: message.category, description: `${message.text}（民意直通车 · ${message.area}）`, by: 'public' }, nowMs, null);
    this.state.problems[problemId]!.publicWorkflowId = message.messageWorkflowId;
    this.emit(nowMs, { type: 'PublicMessageAccepted', messageId: message.messageId, problemId });
    this.reportBack(problemId);
    this.advance(nowMs);
  }

  // ---- spot checks (暗访抽查) ------------------------------------------------------

  /** A guidance group's finding about this org: an item in its ledger (source `spot_check`), closed only once verified. */
  spotCheckFinding({ roundId, groupId, finding }: SpotCheckFinding, nowMs: number): void {
    const problemId = spotCheckItemId(roundId, finding.findingId);
    if (this.state.problems[problemId]) return;
    const description = `${PREVENTION_NAMES[finding.prevention]}：${finding.detail}（巡回指导组 ${groupId} 暗访抽查 ${roundId}）`;
    this.enterLedger({ problemId, source: 'spot_check', category: '暗访抽查', description, by: `inspection:${groupId}` }, nowMs, null);
  }

  /** 专项整治: a special rectification project with a lead department and participants. */
  createProject(cmd: { projectId: string; title: string; leadOrgId: string; participantOrgIds: string[]; by: string }, nowMs: number): { projectId: string } {
    const held = this.state.projects[cmd.projectId];
    if (held) {
      if (held.title === cmd.title && held.leadOrgId === cmd.leadOrgId) return { projectId: cmd.projectId };
      throw new Rejection('Conflict', `project ${cmd.projectId} already exists`, 'projectId');
    }
    this.assertOpenForBusiness();
    if (!this.mobilised) throw this.lockedRejection('rectification');
    this.state.projects[cmd.projectId] = { title: cmd.title, leadOrgId: cmd.leadOrgId, participantOrgIds: cmd.participantOrgIds };
    const { projectId, title, leadOrgId, participantOrgIds, by } = cmd;
    this.emit(nowMs, { type: 'ProjectCreated', projectId, title, leadOrgId, participantOrgIds, by });
    return { projectId };
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
    const inbox = this.inboxStats();
    f.escalated = Object.values(s.problems).filter((p) => p.escalation).length;
    f.escalationsReceived = inbox.received;
    f.escalationsPending = inbox.pending;
    f.lapses = s.lapses;
    return f;
  }

  /** Own figures plus every child's; summed once per change (a unit may have 3,000 children, and a pass asks several times). */
  subtreeFigures(): Figures {
    const m = this.subtreeMemo;
    if (m && m.revision === this.revision && m.children === this.state.children) return { ...m.figures };
    const figures = sumFigures([this.ownFigures(), ...Object.values(this.state.children).map((c) => c.figures)]);
    this.subtreeMemo = { revision: this.revision, children: this.state.children, figures };
    return { ...figures };
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
    if (last.figures === this.reportedJson()) return null;
    return Math.max(0, last.atMs + this.campaign.rules.progressReportSeconds * 1000 - nowMs);
  }

  /** The snapshot for the parent; also records a ProgressReported event for the read model. */
  makeReport(nowMs: number): ChildSnapshot {
    this.publish(nowMs);
    this.state.reportSeq += 1;
    const figures = this.subtreeFigures();
    const directives = this.subtreeCoverage();
    const complete = this.isComplete;
    this.state.lastReport = { atMs: nowMs, mobilised: this.mobilised, complete, status: this.state.status, figures: this.reportedJson() };
    return { seq: this.state.reportSeq, figures, complete, mobilised: this.mobilised, ...(Object.keys(directives).length ? { directives } : {}) };
  }

  /** What a report to the parent says, to tell whether anything changed since the last. */
  private reportedJson(): string {
    const directives = this.subtreeCoverage();
    return JSON.stringify(Object.keys(directives).length ? [this.subtreeFigures(), directives] : this.subtreeFigures());
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
      ...(Object.keys(this.state.directives).length ? { directives: this.subtreeCoverage() } : {}),
    });
  }

  private publishedSnapshot(): string {
    const coverage = this.subtreeCoverage();
    const base = [this.state.status, this.state.components, this.subtreeFigures(), this.ownFigures(), this.childrenTotal];
    return JSON.stringify(Object.keys(coverage).length ? [...base, coverage] : base);
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
        return s.reviewConcluded && Object.values(s.problems).every((p) => p.status === 'closed' || p.status === 'cancelled');
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

  /** A campaign date; `continuing` also admits dates after the end (continuing rectification). */
  private assertInWindow(date: string, nowMs: number, field: string, continuing = false): void {
    const { startsOn, endsOn } = this.campaign;
    if (date < startsOn) throw new Rejection('Invalid', `${date} is before the campaign starts (${startsOn})`, field);
    if (date > endsOn && !continuing) throw new Rejection('Invalid', `${date} is after the campaign ends (${endsOn})`, field);
    const today = chinaDate(nowMs);
    if (date > today) throw new Rejection('Invalid', `${date} is in the future (today is ${today})`, field);
  }

  private futureDeadline(deadline: string, nowMs: number, field: string): string {
    const instant = deadlineInstant(deadline);
    if (Date.parse(instant) <= nowMs) throw new Rejection('Invalid', `the deadline ${deadline} has already passed`, field);
    return instant;
  }

  /** Moves an item's alert to what it should be now; a DeadlineAlert event when it turns yellow or red. */
  private refreshAlert(problemId: string, nowMs: number): boolean {
    const item = this.state.problems[problemId]!;
    const next = alertAt(item, this.campaign.rules.warningDays, nowMs);
    if (next === item.alert) return false;
    item.alert = next;
    if (next !== 'none') this.emit(nowMs, { type: 'DeadlineAlert', problemId, alert: next, deadline: item.deadline! });
    return true;
  }

  /**
   * Inbox counts and the next claim deadline, recounted only when the inbox changed: a
   * district may hold 10,000 escalations, and the workflow asks on every pass.
   */
  private inboxStats(): InboxStats {
    const m = this.inboxMemo;
    if (m && m.inbox === this.state.inbox && m.version === this.inboxVersion) return m;
    let pending = 0;
    let nextClaimDeadlineMs: number | null = null;
    const entries = Object.values(this.state.inbox);
    for (const e of entries) {
      if (!awaitsClaim(e)) continue;
      pending += 1;
      if (e.status !== 'pending') continue;
      if (nextClaimDeadlineMs === null || e.claimDeadlineMs < nextClaimDeadlineMs) nextClaimDeadlineMs = e.claimDeadlineMs;
    }
    return (this.inboxMemo = { inbox: this.state.inbox, version: this.inboxVersion, received: entries.length, pending, nextClaimDeadlineMs });
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
