/**
 * The org workflow's commands, one entry each: the Temporal update's name, the zod schema
 * of its payload (from `domain/commands.ts`) and the decision it runs on the org's
 * `OrgNode`. The update's definition is made from the entry, and its result type is the
 * decision's return type. Everything else reads this table: the workflow registers its
 * handlers from it (`workflows/org-node.ts`), the API's org actions take the update and its
 * body schema from it (`api/routes/org-actions.ts`), and the history recorder sends its
 * commands through it (`scripts/record-histories.ts`).
 *
 * Adding an org command: its schema in `domain/commands.ts`, its entry here, and (when
 * people send it over HTTP) its route in `api/routes/org-actions.ts`.
 *
 * The org's signals and queries, and the other workflows' messages, are in `workflows/messages.ts`.
 */
import type { UpdateDefinition } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { z } from 'zod';
import {
  CancelDirectiveCommand,
  ClaimEscalationCommand,
  ConcludeReviewCommand,
  CreateProjectCommand,
  DemocraticLifeMeetingCommand,
  DiscloseProblemsCommand,
  EscalateProblemCommand,
  ExtendDeadlineCommand,
  ForwardEscalationCommand,
  IssueDirectiveCommand,
  MobiliseCommand,
  PlanRectificationCommand,
  ProposeTopicCommand,
  RecordProblemCommand,
  StartRectificationCommand,
  StudySessionCommand,
  SubmitRectificationCommand,
  SubmitReportCommand,
  VerifyRectificationCommand,
  VetTopicCommand,
} from '../domain/commands.js';
import type { EscalationMessage } from '../domain/escalation.js';
import type { DomainEvent } from '../domain/events.js';
import type { OrgNode } from '../domain/org-node.js';

/** What a decision may be given besides its command: the escalation's text, for an entry that `readsEscalationText`. */
export interface Loaded {
  escalationText: EscalationMessage | null;
}

/**
 * The update's optional second argument. Without it the workflow answers once the events
 * the decision made are recorded (a caller can read its answer back at once). With
 * `callerRecords`, it answers in the task that decided, with those events and every
 * earlier one not yet recorded in `unrecorded` ({@link Answered}), and the caller stores
 * them (`db/event-store.ts`'s idempotent append) before it answers its own caller; the
 * workflow records them too, as always, so none is lost if the caller does not. The API
 * sends it (`api/org-command.ts`): a command then costs its caller one workflow task and
 * one database transaction instead of three workflow tasks and an activity round trip.
 */
export interface AnswerOptions {
  callerRecords?: boolean;
}

/**
 * A decision's answer, with the events for a caller that records them (absent when there are
 * none, or when the workflow recorded them first). When they are more than an answer should
 * carry into the history (a backlog behind a busy recorder), `unrecordedThrough` is set
 * instead: the caller reads them with {@link unrecordedEventsQuery}, up to that seq, which
 * costs no history at all.
 */
export type Answered<Result> = Result & { unrecorded?: DomainEvent[]; unrecordedThrough?: number };

/** How many events one {@link unrecordedEventsQuery} answer holds at most (the caller asks again from the last). */
export const UNRECORDED_PAGE = 200;

/**
 * The org's events with `after` < seq ≤ `through` that it has not yet recorded, oldest first, at
 * most {@link UNRECORDED_PAGE}: what a caller given `unrecordedThrough` stores before answering.
 * Events up to an answered update's seq were decided in tasks already in the history, so a
 * caller can store only decisions that happened, as with `unrecorded`.
 */
export const unrecordedEventsQuery = defineQuery<DomainEvent[], [{ after: number; through: number }]>('unrecordedEvents');

/** One org command. `decide` runs inside the workflow, after the payload passed `schema`. */
export interface OrgCommand<Name extends string, Schema extends z.ZodType, Result> {
  name: Name;
  schema: Schema;
  decide(node: OrgNode, cmd: z.input<Schema>, nowMs: number, loaded: Loaded): Result;
  update: UpdateDefinition<Answered<Result>, [z.input<Schema>, AnswerOptions?], Name>;
  /**
   * The decision needs the escalation's text, which the org's state does not keep: when
   * `node.claimNeedsMessage(cmd)`, the workflow records what is pending and reads it back
   * from the event store before deciding.
   */
  readsEscalationText?: true;
}

function orgCommand<Name extends string, Schema extends z.ZodType, Result>(
  name: Name,
  schema: Schema,
  decide: (node: OrgNode, cmd: z.input<Schema>, nowMs: number, loaded: Loaded) => Result,
  options: { readsEscalationText?: true } = {},
): OrgCommand<Name, Schema, Result> {
  return { name, schema, decide, update: defineUpdate<Answered<Result>, [z.input<Schema>, AnswerOptions?], Name>(name), ...options };
}

/**
 * In the order the workflow registers them, which is kept: updates that arrived before the
 * handlers were set are run as each handler is set, so the order is part of what a
 * recorded history replays.
 */
export const orgCommands = {
  mobilise: orgCommand('mobilise', MobiliseCommand, (node, cmd, nowMs) => node.mobilise(cmd, nowMs)),
  recordStudySession: orgCommand('recordStudySession', StudySessionCommand, (node, cmd, nowMs) => node.recordStudySession(cmd, nowMs)),
  proposeTopic: orgCommand('proposeTopic', ProposeTopicCommand, (node, cmd, nowMs) => node.proposeTopic(cmd, nowMs)),
  vetTopic: orgCommand('vetTopic', VetTopicCommand, (node, cmd, nowMs) => node.vetTopic(cmd, nowMs)),
  submitReport: orgCommand('submitReport', SubmitReportCommand, (node, cmd, nowMs) => node.submitReport(cmd, nowMs)),
  recordProblem: orgCommand('recordProblem', RecordProblemCommand, (node, cmd, nowMs) => node.recordProblem(cmd, nowMs)),
  planRectification: orgCommand('planRectification', PlanRectificationCommand, (node, cmd, nowMs) => node.planRectification(cmd, nowMs)),
  startRectification: orgCommand('startRectification', StartRectificationCommand, (node, cmd, nowMs) => node.startRectification(cmd, nowMs)),
  submitRectification: orgCommand('submitRectification', SubmitRectificationCommand, (node, cmd, nowMs) => node.submitRectification(cmd, nowMs)),
  verifyRectification: orgCommand('verifyRectification', VerifyRectificationCommand, (node, cmd, nowMs) => node.verifyRectification(cmd, nowMs)),
  extendDeadline: orgCommand('extendDeadline', ExtendDeadlineCommand, (node, cmd, nowMs) => node.extendDeadline(cmd, nowMs)),
  discloseProblems: orgCommand('discloseProblems', DiscloseProblemsCommand, (node, cmd, nowMs) => node.discloseProblems(cmd, nowMs)),
  recordDemocraticLifeMeeting: orgCommand('recordDemocraticLifeMeeting', DemocraticLifeMeetingCommand, (node, cmd, nowMs) =>
    node.recordDemocraticLifeMeeting(cmd, nowMs),
  ),
  createProject: orgCommand('createProject', CreateProjectCommand, (node, cmd, nowMs) => node.createProject(cmd, nowMs)),
  concludeReview: orgCommand('concludeReview', ConcludeReviewCommand, (node, cmd, nowMs) => node.concludeReview(cmd.by, nowMs)),
  /** 下题上答. */
  escalateProblem: orgCommand('escalateProblem', EscalateProblemCommand, (node, cmd, nowMs) => node.escalateProblem(cmd, nowMs)),
  claimEscalation: orgCommand(
    'claimEscalation',
    ClaimEscalationCommand,
    (node, cmd, nowMs, { escalationText }) => node.claimEscalation(cmd, nowMs, escalationText),
    {
      readsEscalationText: true,
    },
  ),
  forwardEscalation: orgCommand('forwardEscalation', ForwardEscalationCommand, (node, cmd, nowMs) => node.forwardEscalation(cmd, nowMs)),
  /**
   * 上题下答. The payload is parsed here (not only validated) for its defaults: `kind`
   * `task` and empty targets, so commands sent before those fields existed mean what they
   * meant. `refused` in the answer: a request for information over the campaign's weekly
   * cap (为基层减负), recorded and not sent. The API's bodies arrive with the defaults filled
   * in; the parse here is a shim (workflows/shared.ts) for updates recorded before
   * 2026-12-01T16:47Z (c03b9c3) without them: once no org run started before then is open.
   */
  issueDirective: orgCommand('issueDirective', IssueDirectiveCommand, (node, cmd, nowMs) => node.issueDirective(IssueDirectiveCommand.parse(cmd), nowMs)),
  cancelDirective: orgCommand('cancelDirective', CancelDirectiveCommand, (node, cmd, nowMs) => node.cancelDirective(cmd, nowMs)),
};

export type OrgCommandName = keyof typeof orgCommands;
/** Any entry of the table, its payload and result loosened: for code that walks the whole table. */
export type AnyOrgCommand = OrgCommand<string, z.ZodType, unknown>;
