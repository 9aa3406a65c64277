/**
 * How each event changes the read models. Pure functions of the event (times come
 * from `occurredAt`, never from the clock), so a rebuild gives the same rows as the
 * live projection. Events that only matter inside the workflow are ignored here; the
 * org's figures arrive in `ProgressReported`.
 */
import { sql, type Transaction } from 'kysely';
import type { DomainEvent, EventOf } from '../domain/events.js';
import { zeroFigures } from '../domain/figures.js';
import type { Database } from './schema.js';

type Trx = Transaction<Database>;
type Handlers = { [T in DomainEvent['type']]?: (trx: Trx, e: EventOf<T>) => Promise<unknown> };

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
      .where('campaign_id', '=', e.campaignId)
      .where('org_id', '=', e.orgId!)
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
        last_stream_seq: e.seq,
        updated_at: e.occurredAt,
      })
      .where('campaign_id', '=', e.campaignId)
      .where('org_id', '=', e.orgId!)
      .where('last_stream_seq', '<', e.seq)
      .execute(),
  OrgFinished: (trx, e) =>
    trx
      .updateTable('rm_org_progress')
      .set({ status: e.summary.status, details: e.summary.details, last_stream_seq: e.seq, updated_at: e.occurredAt })
      .where('campaign_id', '=', e.campaignId)
      .where('org_id', '=', e.orgId!)
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
      .where('campaign_id', '=', e.campaignId)
      .where('org_id', '=', e.orgId!)
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
      .where('campaign_id', '=', e.campaignId)
      .where('org_id', '=', e.orgId!)
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
        status: 'open',
        recorded_at: e.occurredAt,
        updated_at: e.occurredAt,
      })
      .onConflict((oc) => oc.columns(['campaign_id', 'org_id', 'problem_id']).doNothing())
      .execute(),
  ProblemClosed: (trx, e) =>
    trx
      .updateTable('rm_problems')
      .set({ status: 'closed', updated_at: e.occurredAt })
      .where('campaign_id', '=', e.campaignId)
      .where('org_id', '=', e.orgId!)
      .where('problem_id', '=', e.problemId)
      .execute(),
};

/** Applies one event to the read models inside the caller's transaction. */
export async function applyEvent(trx: Trx, event: DomainEvent): Promise<void> {
  const handler = handlers[event.type] as ((trx: Trx, e: DomainEvent) => Promise<unknown>) | undefined;
  if (handler) await handler(trx, event);
}
