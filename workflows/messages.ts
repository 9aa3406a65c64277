/**
 * The messages the workflows accept, but for the org's commands: those are tabled in
 * `workflows/org-node-messages.ts`, with the decision each runs (the names below are made
 * from that table, for callers that send one command by name). Updates answer (the API
 * waits for the result or a rejection); signals are fire-and-forget between workflows;
 * queries read live state. Payload types come from the zod schemas in `domain/commands.ts`.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CampaignSpec } from '../domain/campaign.js';
import type { UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import {
  AddFindingCommand,
  CirculateNoticeCommand,
  CloseCampaignCommand,
  InterviewsCommand,
  IssueFindingsCommand,
  TriagePublicMessageCommand,
} from '../domain/commands.js';
import type { DirectiveSpec } from '../domain/directive.js';
import type { JointPartAssignment, JointPartState, JointPartStatus, JointSpec } from '../domain/joint.js';
import type { EscalationMessage, EscalationNotice } from '../domain/escalation.js';
import type { MessageState, PublicMessageAssignment, PublicMessageItemStatus } from '../domain/public-message.js';
import type { Finding, SpotCheckFinding } from '../domain/inspection.js';
import type { OrgSummary } from '../domain/events.js';
import type { ChildSnapshot } from '../domain/figures.js';
import { orgCommands } from './org-node-messages.js';

/**
 * One update of a workflow whose handler closes over the workflow's own state (no domain
 * object to table a decision of): its name and schema, and the update made from them. The
 * result type is given (`command<Result>()(name, schema)`): it is what the handler returns.
 */
export interface WorkflowCommand<Name extends string, Schema extends z.ZodType, Result> {
  name: Name;
  schema: Schema;
  update: UpdateDefinition<Result, [z.input<Schema>], Name>;
}
function command<Result>() {
  return <Name extends string, Schema extends z.ZodType>(name: Name, schema: Schema): WorkflowCommand<Name, Schema, Result> => ({
    name,
    schema,
    update: defineUpdate<Result, [z.input<Schema>], Name>(name),
  });
}

/** The org's commands by their old names (the table is the source; a new command needs no name here). */
export const mobiliseUpdate = orgCommands.mobilise.update;
export const recordStudySessionUpdate = orgCommands.recordStudySession.update;
export const proposeTopicUpdate = orgCommands.proposeTopic.update;
export const vetTopicUpdate = orgCommands.vetTopic.update;
export const submitReportUpdate = orgCommands.submitReport.update;
export const recordProblemUpdate = orgCommands.recordProblem.update;
export const planRectificationUpdate = orgCommands.planRectification.update;
export const startRectificationUpdate = orgCommands.startRectification.update;
export const submitRectificationUpdate = orgCommands.submitRectification.update;
export const verifyRectificationUpdate = orgCommands.verifyRectification.update;
export const extendDeadlineUpdate = orgCommands.extendDeadline.update;
export const discloseProblemsUpdate = orgCommands.discloseProblems.update;
export const democraticLifeMeetingUpdate = orgCommands.recordDemocraticLifeMeeting.update;
export const createProjectUpdate = orgCommands.createProject.update;
export const concludeReviewUpdate = orgCommands.concludeReview.update;
export const escalateProblemUpdate = orgCommands.escalateProblem.update;
export const claimEscalationUpdate = orgCommands.claimEscalation.update;
export const forwardEscalationUpdate = orgCommands.forwardEscalation.update;
export const issueDirectiveUpdate = orgCommands.issueDirective.update;
export const cancelDirectiveUpdate = orgCommands.cancelDirective.update;

/** 下题上答, between org workflows: an escalation arriving, and news of it going back to its origin. */
export const escalationReceivedSignal = defineSignal<[EscalationMessage]>('escalationReceived');
/**
 * How escalations are delivered between org workflows: an Update, not a signal, because
 * the server admits only a few updates to one workflow at a time and turns the rest
 * back to their senders (whose delivery activity retries). Ten thousand escalations
 * aimed at one district then queue at the senders instead of flooding the district with
 * signals faster than it can continue as new (a workflow cannot continue as new while
 * signals keep arriving). One update carries every escalation a sender has for that
 * target, up to 100. The signal (and its handler in workflows/org-node.ts) is a shim
 * (workflows/shared.ts) for escalations sent by runs started before 2026-11-25T09:41Z
 * (2e9b0ca): it can go once no run started before then is open.
 */
export const receiveEscalationsUpdate = defineUpdate<{ received: number }, [EscalationMessage[]]>('receiveEscalations');
export const escalationNoticeSignal = defineSignal<[EscalationNotice]>('escalationNotice');

/** 上题下答, relayed from each org to its children. */
export const directiveReceivedSignal = defineSignal<[DirectiveSpec]>('directiveReceived');

/** 同题共答: a participant's part, and its progress back to the joint-answer workflow. */
export const jointPartAssignedSignal = defineSignal<[JointPartAssignment]>('jointPartAssigned');
export const jointPartStatusSignal = defineSignal<[JointPartStatus]>('jointPartStatus');
export const jointStatusQuery = defineQuery<{ spec: JointSpec; parts: Record<string, JointPartState>; closed: boolean }>('jointStatus');

/** 民意直通车: a message routed to an org, its item's progress back, and the office's triage. */
export const publicMessageAssignedSignal = defineSignal<[PublicMessageAssignment]>('publicMessageAssigned');
export const publicMessageStatusSignal = defineSignal<[PublicMessageItemStatus]>('publicMessageStatus');
/** The public-message workflow's updates; their handlers live in `workflows/public-message.ts`, beside the state they change. */
export const publicMessageCommands = {
  triagePublicMessage: command<{ messageId: string; toOrgId: string; sameDay: boolean }>()('triagePublicMessage', TriagePublicMessageCommand),
};
export const triagePublicMessageUpdate = publicMessageCommands.triagePublicMessage.update;
export const publicMessageStateQuery = defineQuery<{ state: MessageState; orgId: string | null; flagged: boolean }>('publicMessageState');

/** 暗访抽查: a finding handed to an inspected org, and the commands of an inspection round. */
export const spotCheckFindingSignal = defineSignal<[SpotCheckFinding]>('spotCheckFinding');
/** The inspection round's updates; their handlers live in `workflows/inspection.ts`, beside the round's state. */
export const inspectionCommands = {
  recordInterviews: command<{ interviews: number }>()('recordInterviews', InterviewsCommand),
  addFinding: command<Finding>()('addFinding', AddFindingCommand),
  issueFindings: command<{ issued: number; undelivered: string[] }>()('issueFindings', IssueFindingsCommand),
  circulateNotice: command<{ title: string; text: string }>()('circulateNotice', CirculateNoticeCommand),
};
export const recordInterviewsUpdate = inspectionCommands.recordInterviews.update;
export const addFindingUpdate = inspectionCommands.addFinding.update;
export const issueFindingsUpdate = inspectionCommands.issueFindings.update;
export const circulateNoticeUpdate = inspectionCommands.circulateNotice.update;

/** A child's latest aggregated snapshot, sent to its parent (or, for the root, to the campaign). */
export interface ChildProgress {
  childId: string;
  snapshot: ChildSnapshot;
  /** The child's workflow has returned; nothing more will come from it. */
  final: boolean;
}
export const childProgressSignal = defineSignal<[ChildProgress]>('childProgress');

/** The organiser closed the campaign; relayed from each org to its children. */
export const closeCampaignSignal = defineSignal<[CloseCampaignCommand]>('closeCampaign');

export const orgStatusQuery = defineQuery<
  OrgSummary & { phase: string; components: Record<string, string>; childrenTotal: number | null; childrenReporting: number }
>('orgStatus');

/** The campaign workflow's update; its handler lives in `workflows/campaign.ts`. */
export const campaignCommands = {
  closeCampaign: command<{ status: string }>()('closeCampaign', CloseCampaignCommand),
};
export const closeCampaignUpdate = campaignCommands.closeCampaign.update;
export const campaignSpecQuery = defineQuery<CampaignSpec>('campaignSpec');
export const campaignStatusQuery = defineQuery<{ status: string; root: ChildSnapshot | null }>('campaignStatus');
