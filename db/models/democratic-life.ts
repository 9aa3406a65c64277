/**
 * Democratic life meetings (`rm_democratic_life_meetings`, 专题民主生活会): one row per
 * meeting an org held, with its attendance, problems found and criticisms; written by
 * `DemocraticLifeMeetingHeld`; listed by GET …/democratic-life-meetings. The problems a
 * meeting finds become ledger items (db/models/problems.ts, `meeting_id`).
 *
 * The rest: the review component's rules in domain/, the org action in workflows/messages.ts
 * (recordDemocraticLifeMeeting), the route in api/routes/ledger.ts, the spot checks' reads in
 * activities/inspections.ts; tests in test/api/api.test.ts.
 *
 * @example
 * const rows = await listDemocraticLifeMeetings(db, 'tj-2019', 'tj-d1-u1', 101, 0);
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { pageOfOrgRows } from './org-rows.js';
import type { ModelProjections } from './projection.js';

export const democraticLifeProjections = {
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
} satisfies ModelProjections;

/** A page of the org's meetings by date. */
export const listDemocraticLifeMeetings = (db: Kysely<Database>, campaignId: string, orgId: string, limit: number, offset: number) =>
  pageOfOrgRows(db, 'rm_democratic_life_meetings', 'date', campaignId, orgId, limit, offset);

/** These orgs' meetings and the problems each found, by meeting id. */
export const meetingsOf = (db: Kysely<Database>, campaignId: string, orgIds: readonly string[]) =>
  db
    .selectFrom('rm_democratic_life_meetings')
    .select(['org_id', 'meeting_id', 'problems_found'])
    .where('campaign_id', '=', campaignId)
    .where('org_id', 'in', [...orgIds])
    .orderBy('meeting_id')
    .execute();
