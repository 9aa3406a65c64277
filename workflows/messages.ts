/**
 * The messages org and campaign workflows accept. Updates answer (the API waits for
 * the result or a rejection); signals are fire-and-forget between workflows; queries
 * read live state. Payload types come from the zod schemas in `domain/commands.ts`.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CampaignSpec } from '../domain/campaign.js';
import type {
  CloseCampaignCommand,
  ConcludeReviewCommand,
  CreateProjectCommand,
  DemocraticLifeMeetingCommand,
  DiscloseProblemsCommand,
  ExtendDeadlineCommand,
  PlanRectificationCommand,
  StartRectificationCommand,
  SubmitRectificationCommand,
  VerifyRectificationCommand,
  MobiliseCommand,
  ProposeTopicCommand,
  RecordProblemCommand,
  StudySessionCommand,
  SubmitReportCommand,
  VetTopicCommand,
  EscalateProblemCommand,
  ClaimEscalationCommand,
  ForwardEscalationCommand,
  IssueDirectiveCommand,
  CancelDirectiveCommand,
} from '../domain/commands.js';
import type { InformationRequestRefusal } from '../domain/burden.js';
import type { DirectiveSpec } from '../domain/directive.js';
import type { JointPartAssignment, JointPartState, JointPartStatus, JointSpec } from '../domain/joint.js';
import type { EscalationMessage, EscalationNotice } from '../domain/escalation.js';
import type { MessageState, PublicMessageAssignment, PublicMessageItemStatus } from '../domain/public-message.js';
import type { Finding, SpotCheckFinding } from '../domain/inspection.js';
import type { OrgSummary } from '../domain/events.js';
import type { ChildSnapshot } from '../domain/figures.js';
import type { StudySessionResult } from '../domain/org-node.js';

export const mobiliseUpdate = defineUpdate<{ date: string; attendance: number }, [MobiliseCommand]>('mobilise');
export const recordStudySessionUpdate = defineUpdate<StudySessionResult, [StudySessionCommand]>('recordStudySession');
export const proposeTopicUpdate = defineUpdate<{ topicId: string; status: string; similarTo: string[] }, [ProposeTopicCommand]>('proposeTopic');
export const vetTopicUpdate = defineUpdate<{ topicId: string; status: string }, [VetTopicCommand]>('vetTopic');
export const submitReportUpdate = defineUpdate<{ reportId: string; topicReports: number }, [SubmitReportCommand]>('submitReport');
export const recordProblemUpdate = defineUpdate<{ problemId: string; status: string }, [RecordProblemCommand]>('recordProblem');
export const planRectificationUpdate = defineUpdate<{ problemId: string; status: string; deadline: string }, [PlanRectificationCommand]>('planRectification');
export const startRectificationUpdate = defineUpdate<{ problemId: string; status: string }, [StartRectificationCommand]>('startRectification');
export const submitRectificationUpdate = defineUpdate<{ problemId: string; status: string }, [SubmitRectificationCommand]>('submitRectification');
export const verifyRectificationUpdate = defineUpdate<{ problemId: string; status: string }, [VerifyRectificationCommand]>('verifyRectification');
export const extendDeadlineUpdate = defineUpdate<{ problemId: string; deadline: string }, [ExtendDeadlineCommand]>('extendDeadline');
export const discloseProblemsUpdate = defineUpdate<{ disclosed: number }, [DiscloseProblemsCommand]>('discloseProblems');
export const democraticLifeMeetingUpdate = defineUpdate<{ meetingId: string; problemsFound: number }, [DemocraticLifeMeetingCommand]>('recordDemocraticLifeMeeting');
export const createProjectUpdate = defineUpdate<{ projectId: string }, [CreateProjectCommand]>('createProject');
export const concludeReviewUpdate = defineUpdate<{ problems: number }, [ConcludeReviewCommand]>('concludeReview');

export const escalateProblemUpdate = defineUpdate<{ escalationId: string; status: string }, [EscalateProblemCommand]>('escalateProblem');
export const claimEscalationUpdate = defineUpdate<{ escalationId: string; problemId: string }, [ClaimEscalationCommand]>('claimEscalation');
export const forwardEscalationUpdate = defineUpdate<{ escalationId: string; toOrgId: string }, [ForwardEscalationCommand]>('forwardEscalation');
/** 下题上答, between org workflows: an escalation arriving, and news of it going back to its origin. */
export const escalationReceivedSignal = defineSignal<[EscalationMessage]>('escalationReceived');
/**
 * How escalations are delivered between org workflows: an Update, not a signal, because
 * the server admits only a few updates to one workflow at a time and turns the rest
 * back to their senders (whose delivery activity retries). Ten thousand escalations
 * aimed at one district then queue at the senders instead of flooding the district with
 * signals faster than it can continue as new (a workflow cannot continue as new while
 * signals keep arriving). One update carries every escalation a sender has for that
 * target, up to 100. The signal stays for messages sent before.
 */
export const receiveEscalationsUpdate = defineUpdate<{ received: number }, [EscalationMessage[]]>('receiveEscalations');
export const escalationNoticeSignal = defineSignal<[EscalationNotice]>('escalationNotice');

/** `refused`: a request for information over the campaign's weekly cap (为基层减負), recorded and not sent. */
export const issueDirectiveUpdate = defineUpdate<{ directiveId: string; refused?: InformationRequestRefusal }, [IssueDirectiveCommand]>('issueDirective');
export const cancelDirectiveUpdate = defineUpdate<{ directiveId: string; cancelled: true }, [CancelDirectiveCommand]>('cancelDirective');
/** 上题下答, relayed from each org to its children. */
export const directiveReceivedSignal = defineSignal<[DirectiveSpec]>('directiveReceived');

/** 同题共答: a participant's part, and its progress back to the joint-answer workflow. */
export const jointPartAssignedSignal = defineSignal<[JointPartAssignment]>('jointPartAssigned');
export const jointPartStatusSignal = defineSignal<[JointPartStatus]>('jointPartStatus');
export const jointStatusQuery = defineQuery<{ spec: JointSpec; parts: Record<string, JointPartState>; closed: boolean }>('jointStatus');

/** 民意直通车: a message routed to an org, its item's progress back, and the office's triage. */
export const publicMessageAssignedSignal = defineSignal<[PublicMessageAssignment]>('publicMessageAssigned');
export const publicMessageStatusSignal = defineSignal<[PublicMessageItemStatus]>('publicMessageStatus');
export const triagePublicMessageUpdate = defineUpdate<{ messageId: string; toOrgId: string; sameDay: boolean }, [{ toOrgId: string; by: string }]>('triagePublicMessage');
export const publicMessageStateQuery = defineQuery<{ state: MessageState; orgId: string | null; flagged: boolean }>('publicMessageState');

/** 暗访抽查: a finding handed to an inspected org, and the commands of an inspection round. */
export const spotCheckFindingSignal = defineSignal<[SpotCheckFinding]>('spotCheckFinding');
export const recordInterviewsUpdate = defineUpdate<{ interviews: number }, [{ count: number; notes: string; by: string }]>('recordInterviews');
export const addFindingUpdate = defineUpdate<Finding, [{ orgId: string; prevention: string; detail: string; by: string }]>('addFinding');
export const issueFindingsUpdate = defineUpdate<{ issued: number; undelivered: string[] }, [{ by: string }]>('issueFindings');
export const circulateNoticeUpdate = defineUpdate<{ title: string; text: string }, [{ title: string; by: string }]>('circulateNotice');

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

export const orgStatusQuery = defineQuery<OrgSummary & { phase: string; components: Record<string, string>; childrenTotal: number | null; childrenReporting: number }>('orgStatus');

export const closeCampaignUpdate = defineUpdate<{ status: string }, [CloseCampaignCommand]>('closeCampaign');
export const campaignSpecQuery = defineQuery<CampaignSpec>('campaignSpec');
export const campaignStatusQuery = defineQuery<{ status: string; root: ChildSnapshot | null }>('campaignStatus');
