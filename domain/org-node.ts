/**
 * One organisation's part in one campaign: the facade `workflows/org-node.ts` drives.
 * It holds the org's {@link OrgContext} (state, refs, options, outbox) and only delegates;
 * the decisions live under `domain/org/`, one protocol a file:
 *
 * - `org/context.ts`: the state carried through continue-as-new, the event envelope,
 *   outgoing signals, the shared guards and the ledger entry;
 * - `org/components.ts`: mobilisation, study, research, review, and the rule that opens
 *   and closes the five components;
 * - `org/rectification.ts`: the ledger lifecycle, deadline alerts;
 * - `org/escalations.ts`: 下题上答 (escalate, receive, claim, merge, forward, lapse, notices);
 * - `org/directives.ts`: 上题下答 (issue, the weekly cap, relay, cancel, coverage);
 * - `org/assignments.ts`: joint parts, public messages, spot-check findings, projects;
 * - `org/progress.ts`: figures, reports to the parent, the stream's start and finish.
 *
 * The unit tests in `org-node.test.ts` and `org/*.test.ts` exercise it without a server.
 */
import type { DomainEvent, OrgSummary } from './events.js';
import * as assignments from './org/assignments.js';
import * as components from './org/components.js';
import {
  carriedState,
  initialOrgNodeState,
  OrgContext,
  stateFromCarried,
  type CampaignRef,
  type CarriedOrgNodeState,
  type OrgNodeOptions,
  type OrgNodeState,
  type OrgRef,
} from './org/context.js';
import * as directives from './org/directives.js';
import * as escalations from './org/escalations.js';
import * as progress from './org/progress.js';
import * as rectification from './org/rectification.js';

export { chinaDate, type CampaignRef, type CarriedOrgNodeState, type OrgNodeOptions, type OrgNodeState, type OrgRef } from './org/context.js';
export type { StudySessionCommand, StudySessionResult } from './org/components.js';

/** A protocol function's arguments after the context. */
type Args<F> = F extends (ctx: OrgContext, ...args: infer A) => unknown ? A : never;

export class OrgNode {
  private readonly ctx: OrgContext;

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
    const required = { topOfCampaign: () => true, coverageRectified: () => true, ...options };
    this.ctx = new OrgContext(campaign, org, stateFromCarried(carried), required, components.advance);
  }

  static initialState(): OrgNodeState {
    return initialOrgNodeState();
  }

  /** Everything the workflow carries through continue-as-new. */
  get state(): OrgNodeState {
    return this.ctx.state;
  }

  /** Events decided but not yet recorded; the workflow drains this into `recordEvents`. */
  get outbox(): DomainEvent[] {
    return this.ctx.outbox;
  }

  /** Bumped on every change, so the workflow's wait can wake and re-plan its timers. */
  get revision(): number {
    return this.ctx.revision;
  }

  get streamId(): string {
    return this.ctx.streamId;
  }

  /** The state to continue as new with: children and inbox packed, so it stays far under Temporal's 2 MiB input limit. */
  carry(): CarriedOrgNodeState {
    return carriedState(this.ctx.state);
  }

  // ---- the five components (org/components.ts) ----------------------------------

  mobilise(...a: Args<typeof components.mobilise>) {
    return components.mobilise(this.ctx, ...a);
  }
  get mobilised(): boolean {
    return this.ctx.mobilised;
  }
  get needsCascade(): boolean {
    return components.needsCascade(this.ctx);
  }
  cascadePageDone(...a: Args<typeof components.cascadePageDone>) {
    return components.cascadePageDone(this.ctx, ...a);
  }
  recordStudySession(...a: Args<typeof components.recordStudySession>) {
    return components.recordStudySession(this.ctx, ...a);
  }
  proposeTopic(...a: Args<typeof components.proposeTopic>) {
    return components.proposeTopic(this.ctx, ...a);
  }
  vetTopic(...a: Args<typeof components.vetTopic>) {
    return components.vetTopic(this.ctx, ...a);
  }
  submitReport(...a: Args<typeof components.submitReport>) {
    return components.submitReport(this.ctx, ...a);
  }
  recordProblem(...a: Args<typeof components.recordProblem>) {
    return components.recordProblem(this.ctx, ...a);
  }
  discloseProblems(...a: Args<typeof components.discloseProblems>) {
    return components.discloseProblems(this.ctx, ...a);
  }
  recordDemocraticLifeMeeting(...a: Args<typeof components.recordDemocraticLifeMeeting>) {
    return components.recordDemocraticLifeMeeting(this.ctx, ...a);
  }
  concludeReview(...a: Args<typeof components.concludeReview>) {
    return components.concludeReview(this.ctx, ...a);
  }

  // ---- the ledger lifecycle (org/rectification.ts) -------------------------------

  planRectification(...a: Args<typeof rectification.planRectification>) {
    return rectification.planRectification(this.ctx, ...a);
  }
  startRectification(...a: Args<typeof rectification.startRectification>) {
    return rectification.startRectification(this.ctx, ...a);
  }
  submitRectification(...a: Args<typeof rectification.submitRectification>) {
    return rectification.submitRectification(this.ctx, ...a);
  }
  verifyRectification(...a: Args<typeof rectification.verifyRectification>) {
    return rectification.verifyRectification(this.ctx, ...a);
  }
  extendDeadline(...a: Args<typeof rectification.extendDeadline>) {
    return rectification.extendDeadline(this.ctx, ...a);
  }
  checkDeadlines(...a: Args<typeof rectification.checkDeadlines>) {
    return rectification.checkDeadlines(this.ctx, ...a);
  }
  nextAlertAtMs(): number | null {
    return rectification.nextAlertAtMs(this.ctx);
  }

  // ---- 下题上答 (org/escalations.ts) ------------------------------------------------

  escalateProblem(...a: Args<typeof escalations.escalateProblem>) {
    return escalations.escalateProblem(this.ctx, ...a);
  }
  escalationReceived(...a: Args<typeof escalations.escalationReceived>) {
    return escalations.escalationReceived(this.ctx, ...a);
  }
  claimNeedsMessage(...a: Args<typeof escalations.claimNeedsMessage>) {
    return escalations.claimNeedsMessage(this.ctx, ...a);
  }
  claimEscalation(...a: Args<typeof escalations.claimEscalation>) {
    return escalations.claimEscalation(this.ctx, ...a);
  }
  forwardEscalation(...a: Args<typeof escalations.forwardEscalation>) {
    return escalations.forwardEscalation(this.ctx, ...a);
  }
  escalationNotice(...a: Args<typeof escalations.escalationNotice>) {
    return escalations.escalationNotice(this.ctx, ...a);
  }
  deliveryFailed(...a: Args<typeof escalations.deliveryFailed>) {
    return escalations.deliveryFailed(this.ctx, ...a);
  }
  get isTop(): boolean {
    return escalations.isTop(this.ctx);
  }

  // ---- 上题下答 (org/directives.ts) -------------------------------------------------

  issueDirective(...a: Args<typeof directives.issueDirective>) {
    return directives.issueDirective(this.ctx, ...a);
  }
  informationRequestsThisWeek(...a: Args<typeof directives.informationRequestsThisWeek>) {
    return directives.informationRequestsThisWeek(this.ctx, ...a);
  }
  directiveReceived(...a: Args<typeof directives.directiveReceived>) {
    return directives.directiveReceived(this.ctx, ...a);
  }
  cancelDirective(...a: Args<typeof directives.cancelDirective>) {
    return directives.cancelDirective(this.ctx, ...a);
  }
  get directivesToRelay() {
    return directives.directivesToRelay(this.ctx);
  }
  relayed(...a: Args<typeof directives.relayed>) {
    return directives.relayed(this.ctx, ...a);
  }
  get liveDirectives() {
    return directives.liveDirectives(this.ctx);
  }
  ownCoverage() {
    return directives.ownCoverage(this.ctx);
  }
  subtreeCoverage() {
    return directives.subtreeCoverage(this.ctx);
  }

  // ---- work handed over by other workflows (org/assignments.ts) --------------------

  jointPartAssigned(...a: Args<typeof assignments.jointPartAssigned>) {
    return assignments.jointPartAssigned(this.ctx, ...a);
  }
  publicMessageAssigned(...a: Args<typeof assignments.publicMessageAssigned>) {
    return assignments.publicMessageAssigned(this.ctx, ...a);
  }
  spotCheckFinding(...a: Args<typeof assignments.spotCheckFinding>) {
    return assignments.spotCheckFinding(this.ctx, ...a);
  }
  createProject(...a: Args<typeof assignments.createProject>) {
    return assignments.createProject(this.ctx, ...a);
  }

  // ---- progress, children and the end (org/progress.ts) ----------------------------

  start(...a: Args<typeof progress.start>) {
    return progress.start(this.ctx, ...a);
  }
  childReported(...a: Args<typeof progress.childReported>) {
    return progress.childReported(this.ctx, ...a);
  }
  ownFigures() {
    return progress.ownFigures(this.ctx);
  }
  subtreeFigures() {
    return progress.subtreeFigures(this.ctx);
  }
  get ownDone(): boolean {
    return this.ctx.ownDone;
  }
  get childrenTotal(): number | null {
    return this.ctx.childrenTotal;
  }
  get childrenComplete(): boolean {
    return this.ctx.childrenComplete;
  }
  get isComplete(): boolean {
    return this.ctx.isComplete;
  }
  get phase(): string {
    return progress.phase(this.ctx);
  }
  details(): string {
    return progress.details(this.ctx);
  }
  reportDueInMs(...a: Args<typeof progress.reportDueInMs>) {
    return progress.reportDueInMs(this.ctx, ...a);
  }
  makeReport(...a: Args<typeof progress.makeReport>) {
    return progress.makeReport(this.ctx, ...a);
  }
  publish(...a: Args<typeof progress.publish>) {
    return progress.publish(this.ctx, ...a);
  }
  campaignEnded(...a: Args<typeof progress.campaignEnded>) {
    return progress.campaignEnded(this.ctx, ...a);
  }
  close(...a: Args<typeof progress.close>) {
    return progress.close(this.ctx, ...a);
  }
  get finished(): boolean {
    return this.ctx.finished;
  }
  summary(): OrgSummary {
    return progress.summary(this.ctx);
  }
  finish(...a: Args<typeof progress.finish>) {
    return progress.finish(this.ctx, ...a);
  }
}
