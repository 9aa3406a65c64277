/**
 * How each event changes the read models: the map from every event type to its handler,
 * composed of the models' own (db/models/, one module per read model, each holding its
 * projection handlers and its queries). Handlers are pure functions of the event (times come
 * from `occurredAt`, never from the clock), so a rebuild gives the same rows as the live
 * projection.
 *
 * The map is exhaustive: its type (`Handlers`) needs an entry for every `DomainEvent` type,
 * so a new event is a compile error here until a model reads it or it is listed as
 * {@link unread} with why. An event type in two models' maps is refused by
 * db/projections.test.ts.
 */
import { sql, type UpdateObject } from 'kysely';
import type { DomainEvent } from '../domain/events.js';
import { campaignProjections } from './models/campaigns.js';
import { democraticLifeProjections } from './models/democratic-life.js';
import { progressProjections } from './models/org-progress.js';
import { problemProjections, updateProblem } from './models/problems.js';
import { projectProjections } from './models/projects.js';
import { unread, type Handlers, type ModelProjections, type Trx } from './models/projection.js';
import { researchTopicProjections } from './models/research-topics.js';
import { studySessionProjections } from './models/study-sessions.js';
import type { Database } from './schema.js';

export type { Handlers, Trx } from './models/projection.js';

/**
 * Escalations, directives, joint answers, public messages and spot checks: inline until
 * they move to their own modules under db/models/.
 */
const crossModelProjections = {
  ProblemEscalated: (trx, e) =>
    trx
      .insertInto('rm_escalations')
      .values({
        escalation_id: e.escalationId,
        origin_campaign_id: e.campaignId,
        origin_org_id: e.orgId,
        origin_problem_id: e.problemId,
        reason: e.reason,
        origin_status: 'sent',
        target_campaign_id: e.targetCampaignId,
        updated_at: e.occurredAt,
      })
      .onConflict((oc) =>
        oc.column('escalation_id').doUpdateSet({ origin_campaign_id: e.campaignId, origin_org_id: e.orgId, origin_problem_id: e.problemId, reason: e.reason, origin_status: 'sent' }),
      )
      .execute(),
  EscalationProgress: (trx, e) => trx.updateTable('rm_escalations').set({ origin_status: e.status }).where('escalation_id', '=', e.escalationId).execute(),
  // The origin's fields too: an origin in another database or an older deployment never projected its ProblemEscalated here.
  EscalationReceived: (trx, e) =>
    targetSide(trx, e, 'pending', {
      category: e.category,
      description: e.description,
      claim_deadline: e.claimDeadline,
      origin_campaign_id: e.originCampaignId,
      origin_org_id: e.originOrgId,
      origin_problem_id: e.originProblemId,
      reason: e.reason,
    }),
  EscalationClaimed: (trx, e) => targetSide(trx, e, 'claimed', { claimed_problem_id: e.problemId }),
  EscalationForwarded: async (trx, e) => {
    await targetSide(trx, e, 'forwarded', {});
    if (e.lapsed) await trx.updateTable('rm_escalations').set({ lapses: sql<number>`lapses + 1` }).where('escalation_id', '=', e.escalationId).execute();
  },
  // Red at the campaign's top: written on the row only while it is still at that org (a later hop never follows at the top).
  EscalationOverdue: (trx, e) =>
    trx
      .updateTable('rm_escalations')
      .set({ overdue_at: e.occurredAt, lapses: sql<number>`lapses + 1`, updated_at: e.occurredAt })
      .where('escalation_id', '=', e.escalationId)
      .where('target_campaign_id', '=', e.campaignId)
      .where('current_org_id', '=', e.orgId!)
      .execute(),
  DirectiveIssued: (trx, e) =>
    trx
      .insertInto('rm_directives')
      .values({
        campaign_id: e.campaignId,
        directive_id: e.directive.directiveId,
        issuer_org_id: e.directive.issuerOrgId,
        title: e.directive.title,
        instructions: e.directive.instructions,
        deadline: e.directive.deadline,
        target_levels: JSON.stringify(e.directive.targetLevels),
        target_org_ids: JSON.stringify(e.directive.targetOrgIds),
        cancelled: false,
        issued_at: e.occurredAt,
        kind: e.directive.kind ?? 'task',
      })
      .onConflict((oc) => oc.columns(['campaign_id', 'directive_id']).doNothing())
      .execute(),
  InformationRequestRefused: (trx, e) =>
    trx
      .insertInto('rm_information_request_refusals')
      .values({
        event_id: e.id,
        campaign_id: e.campaignId,
        org_id: e.orgId!,
        level: e.level,
        week: e.week,
        cap: e.cap,
        sent: e.sent,
        directive_id: e.directiveId,
        title: e.title,
        by: e.by,
        refused_at: e.occurredAt,
      })
      .onConflict((oc) => oc.column('event_id').doNothing())
      .execute(),
  DirectiveReceived: (trx, e) =>
    e.problemId ? updateProblem(trx, { ...e, problemId: e.problemId }, { directive_id: e.directiveId }) : Promise.resolve(),
  DirectiveCancelled: async (trx, e) => {
    if (e.problemId) await updateProblem(trx, { ...e, problemId: e.problemId }, { status: 'cancelled', alert: 'none' });
    if (e.orgId) {
      await trx.updateTable('rm_directives').set({ cancelled: true }).where('campaign_id', '=', e.campaignId).where('directive_id', '=', e.directiveId).where('issuer_org_id', '=', e.orgId).execute();
    }
  },
  JointProblemOpened: (trx, e) =>
    trx
      .insertInto('rm_joint_problems')
      .values({
        campaign_id: e.campaignId,
        joint_id: e.joint.jointId,
        title: e.joint.title,
        description: e.joint.description,
        opener_org_id: e.joint.openerOrgId,
        parts: JSON.stringify(Object.fromEntries(e.joint.participantOrgIds.map((o) => [o, 'assigned']))),
        status: 'open',
        opened_at: e.occurredAt,
        closed_at: null,
      })
      .onConflict((oc) => oc.columns(['campaign_id', 'joint_id']).doNothing())
      .execute(),
  JointPartChanged: (trx, e) =>
    trx
      .updateTable('rm_joint_problems')
      .set({ parts: sql`jsonb_set(parts, array[${e.participantOrgId}]::text[], ${JSON.stringify(e.status)}::jsonb)` })
      .where('campaign_id', '=', e.campaignId)
      .where('joint_id', '=', e.jointId)
      .execute(),
  JointProblemClosed: (trx, e) =>
    trx.updateTable('rm_joint_problems').set({ status: 'closed', closed_at: e.occurredAt }).where('campaign_id', '=', e.campaignId).where('joint_id', '=', e.jointId).execute(),
  PublicMessageReceived: (trx, e) =>
    trx
      .insertInto('rm_public_messages')
      .values({
        campaign_id: e.campaignId,
        message_id: e.messageId,
        category: e.category,
        area: e.area,
        text: e.text,
        contact: e.contact,
        office_org_id: e.officeOrgId,
        state: 'received',
        received_at: e.occurredAt,
        deadline: e.deadline,
        updated_at: e.occurredAt,
      })
      .onConflict((oc) => oc.columns(['campaign_id', 'message_id']).doNothing())
      .execute(),
  PublicMessageAwaitingTriage: (trx, e) => updateMessage(trx, e, { state: 'awaiting_triage', triage_reason: e.reason }),
  PublicMessageRouted: (trx, e) =>
    updateMessage(trx, e, {
      state: 'routed',
      org_id: e.toOrgId,
      org_path: (eb) => eb.selectFrom('rm_org_progress').select('path').where('campaign_id', '=', e.campaignId).where('org_id', '=', e.toOrgId),
      problem_id: e.problemId,
      routed_by: e.by,
      routed_same_day: e.sameDay,
      routed_at: e.occurredAt,
    }),
  PublicMessageFlagged: (trx, e) => updateMessage(trx, e, { flagged_at: e.occurredAt }),
  PublicMessageProgress: (trx, e) =>
    updateMessage(trx, e, {
      state: e.state,
      item_status: e.itemStatus,
      ...(e.state === 'in_rectification' ? { rectification_started_at: sql<Date>`coalesce(rectification_started_at, ${e.occurredAt}::timestamptz)` } : {}),
      ...(e.state === 'resolved' ? { resolved_at: e.occurredAt } : {}),
    }),
  InspectionRoundStarted: (trx, e) =>
    trx
      .insertInto('rm_inspection_rounds')
      .values({
        campaign_id: e.campaignId,
        round_id: e.round.roundId,
        group_id: e.round.groupId,
        scope_org_id: e.round.scopeOrgId,
        seed: e.round.seed,
        sample_size: e.round.sampleSize,
        stratify_by_level: e.round.stratifyByLevel,
        inspectors: JSON.stringify(e.round.inspectors),
        candidates: null,
        sample: JSON.stringify([]),
        status: 'sampled',
        interview_notes: JSON.stringify([]),
        started_by: e.round.startedBy,
        started_at: e.occurredAt,
        updated_at: e.occurredAt,
      })
      .onConflict((oc) => oc.columns(['campaign_id', 'round_id']).doNothing())
      .execute(),
  InspectionSampleDrawn: (trx, e) => updateRound(trx, e, { candidates: e.candidates, sample: JSON.stringify(e.sample) }),
  InspectionFindingAdded: (trx, e) =>
    trx
      .insertInto('rm_inspection_findings')
      .values({
        campaign_id: e.campaignId,
        round_id: e.roundId,
        finding_id: e.finding.findingId,
        org_id: e.finding.orgId,
        prevention: e.finding.prevention,
        detail: e.finding.detail,
        by: e.finding.by,
        problem_id: null,
        delivered: null,
        added_at: e.occurredAt,
      })
      .onConflict((oc) => oc.columns(['campaign_id', 'round_id', 'finding_id']).doNothing())
      .execute(),
  InterviewsRecorded: (trx, e) =>
    updateRound(trx, e, {
      interviews: sql<number>`interviews + ${e.count}`,
      interview_notes: sql`interview_notes || ${JSON.stringify([{ count: e.count, notes: e.notes, by: e.by }])}::jsonb`,
    }),
  InspectionFindingsIssued: async (trx, e) => {
    await updateRound(trx, e, { status: 'findings_issued', findings_issued_at: e.occurredAt });
    for (const item of e.items) {
      await trx
        .updateTable('rm_inspection_findings')
        .set({ problem_id: item.problemId, delivered: item.delivered })
        .where('campaign_id', '=', e.campaignId)
        .where('round_id', '=', e.roundId)
        .where('finding_id', '=', item.findingId)
        .execute();
    }
  },
  InspectionNoticeCirculated: (trx, e) => updateRound(trx, e, { status: 'circulated', notice_title: e.title, notice_text: e.text, circulated_at: e.occurredAt }),
} satisfies ModelProjections;

/** The events no read model reads, each with why. */
export const unreadEvents = {
  ChildrenCascaded: unread('the cascade’s own bookkeeping: the children appear by their own OrgStarted'),
  ComponentOpened: unread('the components’ states reach rm_org_progress in the next ProgressReported'),
  ComponentDone: unread('the components’ states reach rm_org_progress in the next ProgressReported'),
  ReviewConcluded: unread('the review component’s state reaches rm_org_progress in the next ProgressReported'),
} satisfies ModelProjections;

/** Every model's handlers, by the models' names; an event type appears in one of them only. */
export const modelProjections = {
  campaigns: campaignProjections,
  progress: progressProjections,
  studySessions: studySessionProjections,
  researchTopics: researchTopicProjections,
  problems: problemProjections,
  democraticLife: democraticLifeProjections,
  projects: projectProjections,
  // escalations, directives, joint answers, public messages, inspections: their modules' maps here.
  crossModels: crossModelProjections,
  unread: unreadEvents,
} satisfies Record<string, ModelProjections>;

const handlers: Handlers = {
  ...campaignProjections,
  ...progressProjections,
  ...studySessionProjections,
  ...researchTopicProjections,
  ...problemProjections,
  ...democraticLifeProjections,
  ...projectProjections,
  /* crossmodels: ...escalationProjections, ...directiveProjections, ...jointAnswerProjections, ...publicMessageProjections, ...inspectionProjections, */
  ...crossModelProjections,
  ...unreadEvents,
};

/**
 * Writes what a target knows, unless a further hop has already written: the latest hop
 * wins; at one hop, a claim or forward wins over the arrival.
 */
async function targetSide(
  trx: Trx,
  e: DomainEvent & { escalationId: string; hop: number },
  status: string,
  extra: UpdateObject<Database, 'rm_escalations'>,
) {
  const { escalationId, hop, campaignId, occurredAt } = e;
  const orgId = e.orgId!;
  const rank = status === 'pending' ? 0 : 1;
  await trx
    .insertInto('rm_escalations')
    .values({ escalation_id: escalationId, target_campaign_id: campaignId, current_org_id: orgId, hop, target_status: status, updated_at: occurredAt, ...(extra as object) })
    .onConflict((oc) =>
      oc
        .column('escalation_id')
        .doUpdateSet({ target_campaign_id: campaignId, current_org_id: orgId, hop, target_status: status, updated_at: occurredAt, ...extra })
        .where((eb) =>
          eb.or([
            eb('rm_escalations.hop', '<', hop),
            eb.and([eb('rm_escalations.hop', '=', hop), eb(sql<number>`case when rm_escalations.target_status is null or rm_escalations.target_status = 'pending' then 0 else 1 end`, '<=', rank)]),
          ]),
        ),
    )
    .execute();
}

function updateMessage(trx: Trx, e: DomainEvent & { messageId: string }, set: UpdateObject<Database, 'rm_public_messages'>) {
  return trx
    .updateTable('rm_public_messages')
    .set({ ...set, updated_at: e.occurredAt })
    .where('campaign_id', '=', e.campaignId)
    .where('message_id', '=', e.messageId)
    .execute();
}

function updateRound(trx: Trx, e: DomainEvent & { roundId: string }, set: UpdateObject<Database, 'rm_inspection_rounds'>) {
  return trx
    .updateTable('rm_inspection_rounds')
    .set({ ...set, updated_at: e.occurredAt })
    .where('campaign_id', '=', e.campaignId)
    .where('round_id', '=', e.roundId)
    .execute();
}

/** Applies one event to the read models inside the caller's transaction. */
export async function applyEvent(trx: Trx, event: DomainEvent): Promise<void> {
  // A stored event of a type this code no longer knows (none today) is skipped, as before the map was exhaustive.
  const handler = handlers[event.type] as ((trx: Trx, e: DomainEvent) => Promise<unknown>) | undefined;
  if (handler) await handler(trx, event);
}
