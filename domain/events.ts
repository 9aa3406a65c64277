/**
 * Every domain event a workflow records. Workflows decide; the `recordEvents` activity
 * appends these to the `events` table and applies them to the read models in one
 * transaction. `id` is `<streamId>:<seq>` (the stream is the workflow id), so a retried
 * append stores nothing twice.
 */
import type { CampaignSpec } from './campaign.js';
import type { Coverage, DirectiveSpec } from './directive.js';
import type { JointPartState, JointSpec } from './joint.js';
import type { Figures } from './figures.js';
import type { Finding, InspectionRoundSpec } from './inspection.js';
import type { Level } from './levels.js';
import type { ItemStatus } from './ledger.js';
import type { MessageState } from './public-message.js';
import type { Component, ComponentState, EscalationStatus, OrgStatus, ProblemSource, StudyKind } from './vocabulary.js';

/** The words events are made of live in `domain/vocabulary.ts` (modules below this one import them there); named here too for older importers. */
export { COMPONENTS, PROBLEM_SOURCES, STUDY_KINDS } from './vocabulary.js';
export type { Component, ComponentState, EscalationStatus, OrgStatus, ProblemSource, StudyKind };

export interface OrgSummary {
  campaignId: string;
  orgId: string;
  status: OrgStatus;
  own: Figures;
  subtree: Figures;
  details: string;
}

export type DomainEventBody =
  | { type: 'CampaignStarted'; spec: CampaignSpec }
  | { type: 'CampaignCloseRequested'; by: string; reason: string }
  | { type: 'CampaignFinished'; status: 'completed' | 'closed'; summary: OrgSummary | null }
  | { type: 'OrgStarted'; parentOrgId: string | null; level: Level; name: string; path: string }
  | { type: 'OrgMobilised'; date: string; attendance: number; auto: boolean; by: string }
  | { type: 'ChildrenCascaded'; children: number }
  | { type: 'ComponentOpened'; component: Component }
  | { type: 'ComponentDone'; component: Component }
  | {
      type: 'StudySessionRecorded';
      sessionId: string;
      date: string;
      kind: StudyKind;
      hours: number;
      attendance: number;
      counted: boolean;
      reason: string | null;
    }
  | { type: 'TopicProposed'; topicId: string; leader: string; title: string; similarTo: string[] }
  | { type: 'TopicVetted'; topicId: string; decision: 'approved' | 'returned'; reason: string | null; by: string }
  | { type: 'ReportSubmitted'; reportId: string; topicId: string; title: string; policyMeasures: number }
  | {
      type: 'ProblemRecorded';
      problemId: string;
      source: ProblemSource;
      category: string;
      description: string;
      immediate: boolean;
      projectRef: string | null;
      meetingId: string | null;
      by: string;
    }
  | { type: 'RectificationPlanned'; problemId: string; owner: string; measures: string; deadline: string; by: string }
  | { type: 'RectificationStarted'; problemId: string; by: string }
  | { type: 'RectificationSubmitted'; problemId: string; evidence: string; attachments: string[]; by: string }
  | { type: 'RectificationVerified'; problemId: string; by: string; note: string | null }
  | { type: 'RectificationReturned'; problemId: string; by: string; reason: string }
  | { type: 'DeadlineExtended'; problemId: string; from: string; to: string; reason: string; by: string }
  | { type: 'DeadlineAlert'; problemId: string; alert: 'yellow' | 'red'; deadline: string }
  | { type: 'ProblemsDisclosed'; date: string; problemIds: string[]; by: string }
  | { type: 'DemocraticLifeMeetingHeld'; meetingId: string; date: string; attendance: number; problemsFound: number; criticisms: number; by: string }
  | { type: 'ProblemEscalated'; problemId: string; escalationId: string; targetOrgId: string; targetCampaignId: string; reason: string; by: string }
  | { type: 'EscalationProgress'; problemId: string; escalationId: string; status: EscalationStatus; atOrgId: string; detail: string | null }
  | {
      type: 'EscalationReceived';
      escalationId: string;
      originCampaignId: string;
      originOrgId: string;
      originProblemId: string;
      category: string;
      description: string;
      reason: string;
      hop: number;
      claimDeadline: string;
    }
  | { type: 'EscalationClaimed'; escalationId: string; problemId: string; merged: boolean; hop: number; by: string }
  | { type: 'EscalationForwarded'; escalationId: string; toOrgId: string; reason: string; lapsed: boolean; hop: number; by: string }
  /**
   * Not claimed within its claim deadline at the campaign's top, where there is no parent to
   * forward it to: it stays here, still claimable, red, and counts as a lapse of this org.
   */
  | { type: 'EscalationOverdue'; escalationId: string; hop: number; claimDeadline: string; reason: string; by: string }
  | { type: 'DirectiveIssued'; directive: DirectiveSpec; by: string }
  | { type: 'DirectiveReceived'; directiveId: string; issuerOrgId: string; targeted: boolean; problemId: string | null }
  | { type: 'DirectiveCancelled'; directiveId: string; problemId: string | null; by: string }
  /** 为基层减负: a request for information over the sender's weekly cap; nothing was sent. */
  | { type: 'InformationRequestRefused'; directiveId: string; title: string; level: Level; week: string; cap: number; sent: number; by: string }
  | { type: 'JointPartAccepted'; jointId: string; problemId: string }
  | { type: 'JointProblemOpened'; joint: JointSpec }
  | { type: 'JointPartChanged'; jointId: string; participantOrgId: string; status: JointPartState }
  | { type: 'JointProblemClosed'; jointId: string }
  | {
      type: 'PublicMessageReceived';
      messageId: string;
      category: string;
      area: string;
      text: string;
      contact: string | null;
      officeOrgId: string;
      deadline: string;
    }
  | { type: 'PublicMessageRouted'; messageId: string; toOrgId: string; problemId: string; by: string; sameDay: boolean }
  | { type: 'PublicMessageAwaitingTriage'; messageId: string; officeOrgId: string; reason: string }
  | { type: 'PublicMessageFlagged'; messageId: string; deadline: string }
  | { type: 'PublicMessageProgress'; messageId: string; itemStatus: ItemStatus; state: MessageState }
  | { type: 'PublicMessageAccepted'; messageId: string; problemId: string }
  | { type: 'InspectionRoundStarted'; round: InspectionRoundSpec }
  | { type: 'InspectionSampleDrawn'; roundId: string; candidates: number; sample: string[] }
  | { type: 'InspectionFindingAdded'; roundId: string; finding: Finding }
  | { type: 'InterviewsRecorded'; roundId: string; count: number; notes: string; by: string }
  | { type: 'InspectionFindingsIssued'; roundId: string; items: { findingId: string; orgId: string; problemId: string; delivered: boolean }[]; by: string }
  | { type: 'InspectionNoticeCirculated'; roundId: string; title: string; text: string; orgIds: string[]; findings: number; by: string }
  | { type: 'ProjectCreated'; projectId: string; title: string; leadOrgId: string; participantOrgIds: string[]; by: string }
  | { type: 'ReviewConcluded'; by: string }
  | {
      type: 'ProgressReported';
      status: OrgStatus;
      phase: string;
      components: Record<Component, ComponentState>;
      own: Figures;
      subtree: Figures;
      childrenTotal: number | null;
      details: string;
      /** Coverage of every directive known in the subtree (上题下答). */
      directives?: Record<string, Coverage>;
    }
  | { type: 'OrgFinished'; summary: OrgSummary };

export type DomainEventType = DomainEventBody['type'];

/** An event as a workflow hands it to the `recordEvents` activity. */
export type DomainEvent = DomainEventBody & {
  /** `<streamId>:<seq>`: deterministic, the idempotency key of the append. */
  id: string;
  streamId: string;
  seq: number;
  campaignId: string;
  orgId: string | null;
  /** Workflow time (ISO) at which the decision was taken. */
  occurredAt: string;
};

/** The body of an event of one type, for projection code. */
export type EventOf<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;
