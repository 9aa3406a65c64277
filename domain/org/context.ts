/**
 * What every protocol of one org in one campaign shares: its state (carried through
 * continue-as-new), the org and campaign it belongs to, the options that answer Temporal's
 * `patched()`, the events it has decided (`emit`, one envelope per event) and the signals
 * it has yet to send (`send`), the guards every command passes, and the ledger entry that
 * escalations, directives and assignments all end in.
 *
 * The protocols themselves sit beside this file, one a file: `components.ts` (the five
 * components and the rule that opens and closes them), `rectification.ts` (the ledger
 * lifecycle), `escalations.ts` (下题上答), `directives.ts` (上题下答), `assignments.ts`
 * (work handed over by other workflows) and `progress.ts` (figures and reports). Each
 * takes this context first. `domain/org-node.ts` is the facade the workflow
 * (`workflows/org-node.ts`) drives.
 *
 * Dates are calendar dates in China Standard Time (UTC+8), the campaigns' calendar.
 */
import type { CampaignSpec } from '../campaign.js';
import { COMPONENTS, type Component, type ComponentState, type DomainEvent, type DomainEventBody, type OrgStatus, type ProblemSource } from '../events.js';
import type { ChildSnapshot, Figures } from '../figures.js';
import type { Level } from '../levels.js';
import { stamp } from '../event-envelope.js';
import { Rejection } from '../rejection.js';
import { orgWorkflowId } from '../workflow-ids.js';
import { packChildren, packInbox, unpackChildren, unpackInbox, type PackedChildren, type PackedInbox } from '../carry.js';
import { compactInbox, type InboxEscalation, type OutgoingSignal } from '../escalation.js';
import type { DirectiveSpec } from '../directive.js';
import type { WeekCount } from '../burden.js';
import { deadlineInstant, type ItemStatus, type Ledger } from '../ledger.js';

export interface OrgRef {
  id: string;
  level: Level;
  name: string;
  parentId: string | null;
  path: string;
  /**
   * Children in the directory when the org was started; 0 lets a leaf skip the cascade activity. Absent in runs
   * started before 2026-11-25T10:23Z (d3323eb); optional until none of those is open (shim: workflows/shared.ts).
   */
  childCount?: number;
}

export type CampaignRef = Pick<CampaignSpec, 'id' | 'batch' | 'phaseMode' | 'rules' | 'startsOn' | 'endsOn' | 'rootOrgId'>;

export interface TopicState {
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

/** The inbox's counts and its next claim deadline (`escalations.ts` computes them, and keeps them here between changes). */
export interface InboxStats {
  inbox: OrgNodeState['inbox'];
  version: number;
  received: number;
  pending: number;
  nextClaimDeadlineMs: number | null;
}

/** A problem as it enters the ledger, whatever brought it. */
export interface LedgerEntry {
  problemId: string;
  source: ProblemSource;
  category: string;
  description: string;
  immediate?: boolean | undefined;
  projectRef?: string | undefined;
  by: string;
}

const CST_OFFSET_MS = 8 * 3600_000;

/** The calendar date in China Standard Time at `nowMs`. */
export function chinaDate(nowMs: number): string {
  return new Date(nowMs + CST_OFFSET_MS).toISOString().slice(0, 10);
}

export function initialOrgNodeState(): OrgNodeState {
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

/**
 * The state a previous run handed to continue-as-new, packed by {@link carriedState} (or,
 * from runs before packing, plain); fields added since then start empty.
 */
export function stateFromCarried(carried?: Partial<OrgNodeState> | CarriedOrgNodeState): OrgNodeState {
  const { packedChildren, packedInbox, ...plain } = (carried ?? {}) as Partial<CarriedOrgNodeState> & Partial<OrgNodeState>;
  const state = { ...initialOrgNodeState(), ...plain };
  if (packedChildren) state.children = unpackChildren(packedChildren);
  state.inbox = packedInbox ? unpackInbox(packedInbox) : compactInbox(state.inbox);
  return state;
}

/** The state to continue as new with: children and inbox packed, so it stays far under Temporal's 2 MiB input limit. */
export function carriedState(state: OrgNodeState): CarriedOrgNodeState {
  const { children, inbox, ...rest } = state;
  return { ...rest, packedChildren: packChildren(children), packedInbox: packInbox(inbox) };
}

export class OrgContext {
  /** Events decided but not yet recorded; the workflow drains this into `recordEvents`. */
  readonly outbox: DomainEvent[] = [];
  /** Bumped on every change, so the workflow's wait can wake and re-plan its timers. */
  revision = 0;
  /** Bumped when an inbox entry is added or changes status. */
  inboxVersion = 0;
  inboxMemo: InboxStats | null = null;
  subtreeMemo: { revision: number; children: OrgNodeState['children']; figures: Figures } | null = null;

  /**
   * `onChange` is the rule run after every change (`components.ts`'s `advance`): given
   * here so that this module, below every protocol, imports none of them.
   */
  constructor(
    readonly campaign: CampaignRef,
    readonly org: OrgRef,
    readonly state: OrgNodeState,
    readonly options: Required<OrgNodeOptions>,
    private readonly onChange: (ctx: OrgContext, nowMs: number) => void,
  ) {}

  get streamId(): string {
    return orgWorkflowId(this.campaign.id, this.org.id);
  }

  /** Recomputes component states and status after any change; emits what changed. */
  advance(nowMs: number): void {
    this.onChange(this, nowMs);
  }

  get mobilised(): boolean {
    return this.state.mobilisation !== null;
  }

  /** The workflow may return: closed, or complete once the campaign's end has passed. */
  get finished(): boolean {
    return this.state.status === 'completed' || this.state.status === 'closed_incomplete';
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

  assertOpenForBusiness(): void {
    if (this.state.closing || this.finished) throw new Rejection('Conflict', `the campaign is over for ${this.org.id} (${this.state.status})`);
  }

  assertComponentOpen(c: Component): void {
    this.assertOpenForBusiness();
    if (this.state.components[c] === 'locked') throw this.lockedRejection(c);
  }

  lockedRejection(c: Component): Rejection {
    if (!this.mobilised) return new Rejection('Conflict', `${this.org.id} has not held its mobilisation meeting yet; ${c} opens after it`);
    const before = COMPONENTS[COMPONENTS.indexOf(c) - 1];
    return new Rejection('Conflict', `${c} opens when ${before} is done (sequential mode)`);
  }

  /** A campaign date; `continuing` also admits dates after the end (continuing rectification). */
  assertInWindow(date: string, nowMs: number, field: string, continuing = false): void {
    const { startsOn, endsOn } = this.campaign;
    if (date < startsOn) throw new Rejection('Invalid', `${date} is before the campaign starts (${startsOn})`, field);
    if (date > endsOn && !continuing) throw new Rejection('Invalid', `${date} is after the campaign ends (${endsOn})`, field);
    const today = chinaDate(nowMs);
    if (date > today) throw new Rejection('Invalid', `${date} is in the future (today is ${today})`, field);
  }

  futureDeadline(deadline: string, nowMs: number, field: string): string {
    const instant = deadlineInstant(deadline);
    if (Date.parse(instant) <= nowMs) throw new Rejection('Invalid', `the deadline ${deadline} has already passed`, field);
    return instant;
  }

  /** Adds an item as `found`; claims of escalations enter here in any phase. */
  enterLedger(cmd: LedgerEntry, nowMs: number, meetingId: string | null): { problemId: string; status: ItemStatus } {
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

  /** Tells the supporting workflow an item answers (a joint answer, a public message) where the item stands. */
  reportBack(problemId: string): void {
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

  /** Queues a signal to another workflow; the workflow delivers `state.outgoing` in batches (`activities/deliver-signals.ts`). */
  send(workflowId: string, signal: OutgoingSignal['signal'], payload: OutgoingSignal['payload'], originProblemId: string | null): void {
    this.state.outgoing.push({ workflowId, signal, payload, originProblemId });
  }

  emit(nowMs: number, body: DomainEventBody): void {
    this.state.seq += 1;
    this.outbox.push(stamp({ streamId: this.streamId, campaignId: this.campaign.id, orgId: this.org.id }, this.state.seq, body, nowMs));
  }
}
