/**
 * Study sessions (`rm_study_sessions`, 学习): one row per session an org recorded, counted or
 * not (and why), written by `StudySessionRecorded`; listed by GET …/study-sessions.
 *
 * The rest: the session's rules in domain/ (the study component of the org), the org action
 * in workflows/messages.ts (recordStudySession), the route in api/routes/ledger.ts, the spot
 * checks' count of study days in activities/inspections.ts; tests in test/api/api.test.ts.
 *
 * @example
 * const rows = await listStudySessions(db, 'tj-2019', 'tj-d1-u1', 101, 0);
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { pageOfOrgRows } from './org-rows.js';
import type { ModelProjections } from './projection.js';

export const studySessionProjections = {
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
} satisfies ModelProjections;

/** A page of the org's sessions by date. */
export const listStudySessions = (db: Kysely<Database>, campaignId: string, orgId: string, limit: number, offset: number) =>
  pageOfOrgRows(db, 'rm_study_sessions', 'date', campaignId, orgId, limit, offset);

/** How many distinct days of counted concentrated study each of these orgs recorded; an org with none is left out. */
export function concentratedStudyDays(db: Kysely<Database>, campaignId: string, orgIds: readonly string[]) {
  return db
    .selectFrom('rm_study_sessions')
    .select(['org_id', (eb) => eb.fn.count<string>('date').distinct().as('days')])
    .where('campaign_id', '=', campaignId)
    .where('org_id', 'in', [...orgIds])
    .where('kind', '=', 'concentrated')
    .where('counted', '=', true)
    .groupBy('org_id')
    .execute();
}
