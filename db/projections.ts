/**
 * How each event changes the read models. Pure functions of the event (times come
 * from `occurredAt`, never from the clock), so a rebuild gives the same rows as the
 * live projection. Events that only matter inside the workflow are ignored here; the
 * org's figures arrive in `ProgressReported`.
 */
import { sql, type ExpressionBuilder, type Transaction, type UpdateObject } from 'kysely';
import type { DomainEvent, EventOf } from '../domain/events.js';
import { zeroFigures } from '../domain/figures.js';
import { directiveProjections } from './models/directives.js';
import { escalationProjections } from './models/escalations.js';
import { inspectionProjections } from './models/inspections.js';
import { jointAnswerProjections } from './models/joint-answers.js';
import { publicMessageProjections } from './models/public-messages.js';
import type { Database } from './schema.js';

export type Trx = Transaction<Database>;
export type Handlers = { [T in DomainEvent['type']]?: (trx: Trx, e: EventOf<T>) => Promise<unknown> };

const handlers: Handlers = {
  CampaignStarted: (trx, e) =>
    trx
      .insertInto('rm_campaigns')
      .values({
        id: e.campaignId,
        name: e.spec.name,
        batch: e.spec.batch,
        root_org_id: e.spec.rootOrgId,
        phase_mode: e.spec.phaseMode,
        rules: JSON.stringify(e.spec.rules),
        starts_on: e.spec.startsOn,
        ends_on: e.spec.endsOn,
        status: 'running',
        started_at: e.occurredAt,
        ended_at: null,
        summary: null,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute(),
  CampaignCloseRequested: (trx, e) => trx.updateTable('rm_campaigns').set({ status: 'closing' }).where('id', '=', e.campaignId).execute(),
  CampaignFinished: (trx, e) =>
    trx
      .updateTable('rm_campaigns')
      .set({ status: e.status, ended_at: e.occurredAt, summary: JSON.stringify(e.summary) })
      .where('id', '=', e.campaignId)
      .execute(),
  OrgStarted: (trx, e) =>
    trx
      .insertInto('rm_org_progress')
      .values({
        campaign_id: e.campaignId,
        org_id: e.orgId!,
        parent_id: e.parentOrgId,
        level: e.level,
        path: e.path,
        name: e.name,
        status: 'waiting_mobilisation',
        mobilised_on: null,
        reached_at: e.occurredAt,
        components: JSON.stringify({ study: 'locked', research: 'locked', review: 'locked', rectification: 'locked' }),
        own: JSON.stringify({ ...zeroFigures(), orgs: 1 }),
        subtree: JSON.stringify({ ...zeroFigures(), orgs: 1 }),
        details: '',
        last_stream_seq: e.seq,
        updated_at: e.occurredAt,
      })
      .onConflict((oc) => oc.columns(['campaign_id', 'org_id']).doNothing())
      .execute(),
  OrgMobilised: (trx, e) =>
    trx
      .updateTable('rm_org_progress')
      .set({ mobilised_on: e.date })
      .where(ofOrg(e))
      .execute(),
  ProgressReported: (trx, e) =>
    trx
      .updateTable('rm_org_progress')
      .set({
        status: e.status,
        components: JSON.stringify(e.components),
        own: JSON.stringify(e.own),
        subtree: JSON.stringify(e.subtree),
        details: e.details,
        directives: e.directives ? JSON.stringify(e.directives) : null,
        last_stream_seq: e.seq,
        updated_at: e.occurredAt,
      })
      .where(ofOrg(e))
      .where('last_stream_seq', '<', e.seq)
      .execute(),
  OrgFinished: (trx, e) =>
    trx
      .updateTable('rm_org_progress')
      .set({ status: e.summary.status, details: e.summary.details, last_stream_seq: e.seq, updated_at: e.occurredAt })
      .where(ofOrg(e))
      .where('last_stream_seq', '<', e.seq)
      .execute(),
  StudySessionRecorded: (trx, e) =>
    trx
      .insertInto('rm_study_sessions')
      .values({
        campaign_id: e.campaignId,
        org_id: e.orgId!,
        session_id: e.sessionId,
        date: e.date,
        kind: e.kind,
        hours: e.hours,
        attendance: e.attendance,
        counted: e.counted,
        reason: e.reason,
        recorded_at: e.occurredAt,
      })
      .onConflict((oc) => oc.columns(['campaign_id', 'org_id', 'session_id']).doNothing())
      .execute(),
  TopicProposed: (trx, e) =>
    trx
      .insertInto('rm_research_topics')
      .values({
        campaign_id: e.campaignId,
        org_id: e.orgId!,
        topic_id: e.topicId,
        leader: e.leader,
        title: e.title,
        status: 'proposed',
        similar_to: JSON.stringify(e.similarTo),
        vetted_by: null,
        return_reason: null,
        reports: 0,
        policy_measures: 0,
        updated_at: e.occurredAt,
      })
      .onConflict((oc) =>
        oc.columns(['campaign_id', 'org_id', 'topic_id']).doUpdateSet({
          leader: e.leader,
          title: e.title,
          status: 'proposed',
          similar_to: JSON.stringify(e.similarTo),
          vetted_by: null,
          return_reason: null,
          updated_at: e.occurredAt,
        }),
      )
      .execute(),
  TopicVetted: (trx, e) =>
    trx
      .updateTable('rm_research_topics')
      .set({ status: e.decision, vetted_by: e.by, return_reason: e.reason, updated_at: e.occurredAt })
      .where(ofOrg(e))
      .where('topic_id', '=', e.topicId)
      .execute(),
  ReportSubmitted: (trx, e) =>
    trx
      .updateTable('rm_research_topics')
      .set({
        reports: sql`reports + 1`,
        policy_measures: sql`policy_measures + ${e.policyMeasures}`,
        updated_at: e.occurredAt,
      })
      .where(ofOrg(e))
      .where('topic_id', '=', e.topicId)
      .execute(),
  ProblemRecorded: (trx, e) =>
    trx
      .insertInto('rm_problems')
      .values({
        campaign_id: e.campaignId,
        org_id: e.orgId!,
        problem_id: e.problemId,
        source: e.source,
        category: e.category,
        description: e.description,
        status: 'found',
        immediate: e.immediate,
        project_ref: e.projectRef,
        meeting_id: e.meetingId,
        path: (eb) => eb.selectFrom('rm_org_progress').select('path').where('campaign_id', '=', e.campaignId).where('org_id', '=', e.orgId!),
        recorded_at: e.occurredAt,
        updated_at: e.occurredAt,
      })
      .onConflict((oc) => oc.columns(['campaign_id', 'org_id', 'problem_id']).doNothing())
      .execute(),
  RectificationPlanned: (trx, e) => updateProblem(trx, e, { status: 'planned', owner: e.owner, measures: e.measures, deadline: e.deadline }),
  RectificationStarted: (trx, e) => updateProblem(trx, e, { status: 'in_progress' }),
  RectificationSubmitted: (trx, e) =>
    updateProblem(trx, e, { status: 'rectified', evidence: e.evidence, attachments: JSON.stringify(e.attachments), rectified_by: e.by }),
  RectificationReturned: (trx, e) => updateProblem(trx, e, { status: 'in_progress', return_reason: e.reason, returns: sql<number>`returns + 1` }),
  RectificationVerified: (trx, e) =>
    updateProblem(trx, e, { status: 'closed', verified_by: e.by, result: e.note, closed_at: e.occurredAt, alert: 'none' }),
  DeadlineExtended: (trx, e) => updateProblem(trx, e, { deadline: e.to, extended_from: e.from, extension_reason: e.reason, alert: 'none' }),
  DeadlineAlert: (trx, e) => updateProblem(trx, e, { alert: e.alert }),
  ProblemsDisclosed: (trx, e) =>
    trx
      .updateTable('rm_problems')
      .set({ disclosed_on: e.date, updated_at: e.occurredAt })
      .where(ofOrg(e))
      .where('problem_id', 'in', e.problemIds)
      .execute(),
  DemocraticLifeMeetingHeld: (trx, e) =>
    trx
      .insertInto('rm_democratic_life_meetings')
      .values({
        campaign_id: e.campaignId,
        org_id: e.orgId!,
        meeting_id: e.meetingId,
        date: e.date,
        attendance: e.attendance,
        problems_found: e.problemsFound,
        criticisms: e.criticisms,
        recorded_at: e.occurredAt,
      })
      .onConflict((oc) => oc.columns(['campaign_id', 'org_id', 'meeting_id']).doNothing())
      .execute(),
  ...escalationProjections,
  ...directiveProjections,
  DirectiveReceived: (trx, e) =>
    e.problemId ? updateProblem(trx, { ...e, problemId: e.problemId }, { directive_id: e.directiveId }) : Promise.resolve(),
  DirectiveCancelled: async (trx, e) => {
    if (e.problemId) await updateProblem(trx, { ...e, problemId: e.problemId }, { status: 'cancelled', alert: 'none' });
    if (e.orgId) {
      await trx.updateTable('rm_directives').set({ cancelled: true }).where('campaign_id', '=', e.campaignId).where('directive_id', '=', e.directiveId).where('issuer_org_id', '=', e.orgId).execute();
    }
  },
  JointPartAccepted: (trx, e) => updateProblem(trx, e, { joint_id: e.jointId }),
  ...jointAnswerProjections,
  ...publicMessageProjections,
  PublicMessageAccepted: (trx, e) => updateProblem(trx, e, { public_message_id: e.messageId }),
  ...inspectionProjections,
  ProjectCreated: (trx, e) =>
    trx
      .insertInto('rm_projects')
      .values({
        campaign_id: e.campaignId,
        org_id: e.orgId!,
        project_id: e.projectId,
        project_ref: `${e.orgId}/${e.projectId}`,
        title: e.title,
        lead_org_id: e.leadOrgId,
        participant_org_ids: JSON.stringify(e.participantOrgIds),
        created_at: e.occurredAt,
      })
      .onConflict((oc) => oc.columns(['campaign_id', 'project_ref']).doNothing())
      .execute(),
};

/** The rows of the event's org in the event's campaign. */
function ofOrg(e: DomainEvent) {
  return (eb: ExpressionBuilder<Database, 'rm_org_progress' | 'rm_research_topics' | 'rm_problems'>) =>
    eb.and([eb('campaign_id', '=', e.campaignId), eb('org_id', '=', e.orgId!)]);
}

function updateProblem(trx: Trx, e: DomainEvent & { problemId: string }, set: UpdateObject<Database, 'rm_problems'>) {
  return trx
    .updateTable('rm_problems')
    .set({ ...set, updated_at: e.occurredAt })
    .where(ofOrg(e))
    .where('problem_id', '=', e.problemId)
    .execute();
}

/** Applies one event to the read models inside the caller's transaction. */
export async function applyEvent(trx: Trx, event: DomainEvent): Promise<void> {
  const handler = handlers[event.type] as ((trx: Trx, e: DomainEvent) => Promise<unknown>) | undefined;
  if (handler) await handler(trx, event);
}
