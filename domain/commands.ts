/**
 * What people can ask of the workflows, as zod schemas: an org's commands, then the
 * campaign's, the public-message triage and the inspection round's. The API validates a
 * request body with them, and the workflow's update validators check them again before
 * anything enters history. `by` is filled in by the API from the caller's token. Each
 * workflow's table of its updates (name, schema, decision) is in `workflows/org-node-messages.ts`
 * for the org and `workflows/messages.ts` for the rest.
 */
import { z } from 'zod';
import { lazySchema } from './lazy-schema.js';
import { IsoDate } from './campaign.js';
import { Level } from './levels.js';
import { PROBLEM_SOURCES, STUDY_KINDS } from './vocabulary.js';
import { DIRECTIVE_KINDS } from './directive.js';
import { PREVENTIONS } from './inspection.js';

/** Client-chosen ids make retries safe: the same id twice is one record. */
export const ItemId = lazySchema(() => z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$/, 'letters, digits and _.:- , at most 80'));
const Text = (max: number) => z.string().trim().min(1).max(max);
const Actor = lazySchema(() => z.string().min(1).max(120));

export const MobiliseCommand = lazySchema(() => z.object({ date: IsoDate, attendance: z.number().int().min(1).max(1_000_000), by: Actor }).strict());
export type MobiliseCommand = z.infer<typeof MobiliseCommand>;

export const StudySessionCommand = lazySchema(() =>
  z
    .object({
      sessionId: ItemId,
      date: IsoDate,
      kind: z.enum(STUDY_KINDS),
      hours: z.number().positive().max(24),
      attendance: z.number().int().min(0).max(1_000_000),
      by: Actor,
    })
    .strict(),
);
export type StudySessionCommand = z.infer<typeof StudySessionCommand>;

export const ProposeTopicCommand = lazySchema(() => z.object({ topicId: ItemId, leader: Text(100), title: Text(200), by: Actor }).strict());
export type ProposeTopicCommand = z.infer<typeof ProposeTopicCommand>;

export const VetTopicCommand = lazySchema(() =>
  z.object({ topicId: ItemId, decision: z.enum(['approved', 'returned']), reason: z.string().trim().max(1000).optional(), by: Actor }).strict(),
);
export type VetTopicCommand = z.infer<typeof VetTopicCommand>;

export const SubmitReportCommand = lazySchema(() =>
  z.object({ reportId: ItemId, topicId: ItemId, title: Text(200), policyMeasures: z.number().int().min(0).max(1000), by: Actor }).strict(),
);
export type SubmitReportCommand = z.infer<typeof SubmitReportCommand>;

export const RecordProblemCommand = lazySchema(() =>
  z
    .object({
      problemId: ItemId,
      source: z.enum(PROBLEM_SOURCES),
      category: Text(60),
      description: Text(2000),
      /** 立行立改: rectified at once, within the campaign's `immediateDays`. */
      immediate: z.boolean().optional(),
      /** `<orgId>/<projectId>` of the special rectification project the item belongs to. */
      projectRef: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\/[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$/, 'expected <orgId>/<projectId>')
        .optional(),
      by: Actor,
    })
    .strict(),
);
export type RecordProblemCommand = z.infer<typeof RecordProblemCommand>;

/** A deadline as a date (the end of that day in China Standard Time) or an ISO instant. */
export const Deadline = lazySchema(() => z.union([IsoDate, z.iso.datetime({ offset: true })]));

export const PlanRectificationCommand = lazySchema(() =>
  z.object({ problemId: ItemId, owner: Text(120), measures: Text(2000), deadline: Deadline, by: Actor }).strict(),
);
export type PlanRectificationCommand = z.infer<typeof PlanRectificationCommand>;

export const StartRectificationCommand = lazySchema(() => z.object({ problemId: ItemId, by: Actor }).strict());
export type StartRectificationCommand = z.infer<typeof StartRectificationCommand>;

export const SubmitRectificationCommand = lazySchema(() =>
  z.object({ problemId: ItemId, evidence: Text(4000), attachments: z.array(z.string().min(1).max(500)).max(20).optional(), by: Actor }).strict(),
);
export type SubmitRectificationCommand = z.infer<typeof SubmitRectificationCommand>;

export const VerifyRectificationCommand = lazySchema(() =>
  z
    .object({
      problemId: ItemId,
      decision: z.enum(['verified', 'returned']),
      reason: z.string().trim().max(2000).optional(),
      by: Actor,
      verifierRole: z.enum(['admin', 'organiser', 'inspector', 'secretary', 'operator']),
      verifierOrgId: z.string().max(64).nullable(),
    })
    .strict(),
);
export type VerifyRectificationCommand = z.infer<typeof VerifyRectificationCommand>;

export const ExtendDeadlineCommand = lazySchema(() => z.object({ problemId: ItemId, deadline: Deadline, reason: Text(1000), by: Actor }).strict());
export type ExtendDeadlineCommand = z.infer<typeof ExtendDeadlineCommand>;

export const DiscloseProblemsCommand = lazySchema(() => z.object({ date: IsoDate, problemIds: z.array(ItemId).min(1).max(1000), by: Actor }).strict());
export type DiscloseProblemsCommand = z.infer<typeof DiscloseProblemsCommand>;

export const DemocraticLifeMeetingCommand = lazySchema(() =>
  z
    .object({
      meetingId: ItemId,
      date: IsoDate,
      attendance: z.number().int().min(1).max(10_000),
      criticisms: z.number().int().min(0).max(10_000),
      problems: z.array(z.object({ problemId: ItemId, category: Text(60), description: Text(2000) }).strict()).max(500),
      by: Actor,
    })
    .strict(),
);
export type DemocraticLifeMeetingCommand = z.infer<typeof DemocraticLifeMeetingCommand>;

export const CreateProjectCommand = lazySchema(() =>
  z
    .object({
      projectId: ItemId,
      title: Text(200),
      leadOrgId: z.string().min(1).max(64),
      participantOrgIds: z.array(z.string().min(1).max(64)).max(500),
      by: Actor,
    })
    .strict(),
);
export type CreateProjectCommand = z.infer<typeof CreateProjectCommand>;

export const ConcludeReviewCommand = lazySchema(() => z.object({ by: Actor }).strict());
export type ConcludeReviewCommand = z.infer<typeof ConcludeReviewCommand>;

export const CloseCampaignCommand = lazySchema(() => z.object({ by: Actor, reason: Text(1000) }).strict());
export type CloseCampaignCommand = z.infer<typeof CloseCampaignCommand>;

/** 下题上答: the escalation's id is `<origin workflow id>#<problem id>`. */
const EscalationId = lazySchema(() => z.string().min(1).max(300));

export const EscalateProblemCommand = lazySchema(() =>
  z
    .object({
      problemId: ItemId,
      targetOrgId: z.string().min(1).max(64),
      targetCampaignId: z.string().min(1).max(63).optional(),
      reason: Text(2000),
      by: Actor,
    })
    .strict(),
);
export type EscalateProblemCommand = z.infer<typeof EscalateProblemCommand>;

export const ClaimEscalationCommand = lazySchema(() =>
  z
    .object({ escalationId: EscalationId, problemId: ItemId.optional(), intoProblemId: ItemId.optional(), by: Actor })
    .strict()
    .refine((c) => !(c.problemId && c.intoProblemId), {
      message: 'give problemId for a new item or intoProblemId to merge, not both',
      path: ['intoProblemId'],
    }),
);
export type ClaimEscalationCommand = z.infer<typeof ClaimEscalationCommand>;

export const ForwardEscalationCommand = lazySchema(() => z.object({ escalationId: EscalationId, reason: Text(1000), by: Actor }).strict());
export type ForwardEscalationCommand = z.infer<typeof ForwardEscalationCommand>;

/** 上题下答: a policy from above to be carried out by the target levels or orgs below. */
export const IssueDirectiveCommand = lazySchema(() =>
  z
    .object({
      directiveId: ItemId,
      /** Default `task`, so commands sent before kinds existed mean what they meant. */
      kind: z.enum(DIRECTIVE_KINDS).default('task'),
      title: Text(200),
      instructions: Text(4000),
      deadline: Deadline,
      targetLevels: z.array(Level).max(3).default([]),
      targetOrgIds: z.array(z.string().min(1).max(64)).max(1000).default([]),
      by: Actor,
    })
    .strict(),
);
export type IssueDirectiveCommand = z.input<typeof IssueDirectiveCommand>;

export const CancelDirectiveCommand = lazySchema(() => z.object({ directiveId: ItemId, by: Actor }).strict());
export type CancelDirectiveCommand = z.infer<typeof CancelDirectiveCommand>;

/** 民意直通车: the campaign office routes a message no rule routed (the public-message workflow's update). */
export const TriagePublicMessageCommand = lazySchema(() => z.object({ toOrgId: z.string().min(1).max(64), by: Actor }).strict());
export type TriagePublicMessageCommand = z.infer<typeof TriagePublicMessageCommand>;

/** 暗访抽查: the commands of an inspection round (the inspection workflow's updates); `by` is trimmed here, as it always was. */
export const InterviewsCommand = lazySchema(() => z.object({ count: z.number().int().min(1).max(10_000), notes: Text(4000), by: Text(120) }).strict());
export type InterviewsCommand = z.infer<typeof InterviewsCommand>;
export const AddFindingCommand = lazySchema(() => z.object({ orgId: Text(64), prevention: z.enum(PREVENTIONS), detail: Text(2000), by: Text(120) }).strict());
export type AddFindingCommand = z.infer<typeof AddFindingCommand>;
export const IssueFindingsCommand = lazySchema(() => z.object({ by: Text(120) }).strict());
export type IssueFindingsCommand = z.infer<typeof IssueFindingsCommand>;
export const CirculateNoticeCommand = lazySchema(() => z.object({ title: Text(200), by: Text(120) }).strict());
export type CirculateNoticeCommand = z.infer<typeof CirculateNoticeCommand>;
