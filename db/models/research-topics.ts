/**
 * Research topics (`rm_research_topics`, 调研): one row per topic an org proposed, with its
 * vetting (把关) and the count of reports and policy measures; written by `TopicProposed`
 * (a returned topic proposed again starts over), `TopicVetted` and `ReportSubmitted`; listed
 * by GET …/topics.
 *
 * The rest: the research component's rules in domain/, the org actions in workflows/messages.ts
 * (proposeTopic, vetTopic, submitReport), the route in api/routes/ledger.ts, the spot checks'
 * reads in activities/inspections.ts; tests in test/api/api.test.ts.
 *
 * @example
 * const rows = await listResearchTopics(db, 'tj-2019', 'tj-d1-u1', 101, 0);
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { pageOfOrgRows } from './org-rows.js';
import { ofOrg, type ModelProjections } from './projection.js';

export const researchTopicProjections = {
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
} satisfies ModelProjections;

/** A page of the org's topics by topic id. */
export const listResearchTopics = (db: Kysely<Database>, campaignId: string, orgId: string, limit: number, offset: number) =>
  pageOfOrgRows(db, 'rm_research_topics', 'topic_id', campaignId, orgId, limit, offset);

/** These orgs' topics with their status and reports, by topic id. */
export const topicsOf = (db: Kysely<Database>, campaignId: string, orgIds: readonly string[]) =>
  db
    .selectFrom('rm_research_topics')
    .select(['org_id', 'topic_id', 'status', 'reports'])
    .where('campaign_id', '=', campaignId)
    .where('org_id', 'in', [...orgIds])
    .orderBy('topic_id')
    .execute();
