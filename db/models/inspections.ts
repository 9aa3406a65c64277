/**
 * 巡回指导组 / 暗访抽查 / 通报's tables: `guidance_groups` (a source of truth the API writes:
 * a group's name, scope and inspector tokens) and the read models `rm_inspection_rounds` and
 * `rm_inspection_findings`, fed by `InspectionRoundStarted`, `InspectionSampleDrawn`,
 * `InspectionFindingAdded`, `InterviewsRecorded`, `InspectionFindingsIssued` and
 * `InspectionNoticeCirculated`.
 *
 * The rest of the protocol: sampling and the six preventions in domain/inspection.ts, the
 * round's workflow in workflows/inspection.ts (started by client/inspections.ts), its
 * activities in activities/inspections.ts (the reports' per-group figures in activities/reports.ts), its routes in api/routes/inspections.ts, its
 * tests in test/inspection/spot-check.test.ts.
 *
 * @example
 * const group = await guidanceGroup(db, 'tj-2019', 'g1');
 * const page = await circulatedNotices(db, { campaignId: 'tj-2019', path: '/tj/tj-d1/', limit: 101, offset: 0 });
 */
import { sql, type Kysely, type UpdateObject } from 'kysely';
import type { DomainEvent } from '../../domain/events.js';
import type { ModelProjections, Trx } from './projection.js';
import type { Database } from '../schema.js';

export const inspectionProjections = {
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
  InspectionNoticeCirculated: (trx, e) =>
    updateRound(trx, e, { status: 'circulated', notice_title: e.title, notice_text: e.text, circulated_at: e.occurredAt }),
} satisfies ModelProjections;

function updateRound(trx: Trx, e: DomainEvent & { roundId: string }, set: UpdateObject<Database, 'rm_inspection_rounds'>) {
  return trx
    .updateTable('rm_inspection_rounds')
    .set({ ...set, updated_at: e.occurredAt })
    .where('campaign_id', '=', e.campaignId)
    .where('round_id', '=', e.roundId)
    .execute();
}

/** A guidance group as the routes read it. */
export interface GuidanceGroup {
  group_id: string;
  name: string;
  scope_org_id: string;
  scope_path: string;
  inspector_token_ids: string[];
  created_by: string;
  created_at: Date;
}

/** What the inspection routes need of a campaign: whether it runs and its root org; undefined when there is none. */
export function campaignState(db: Kysely<Database>, campaignId: string) {
  return db.selectFrom('rm_campaigns').select(['id', 'root_org_id', 'status']).where('id', '=', campaignId).executeTakeFirst();
}

/** An org's path in the directory; undefined when it is not there. */
export async function directoryPath(db: Kysely<Database>, orgId: string): Promise<string | undefined> {
  return (await db.selectFrom('orgs').select('path').where('id', '=', orgId).executeTakeFirst())?.path;
}

/** These orgs' paths in the directory (those that are there). */
export function directoryPaths(db: Kysely<Database>, orgIds: readonly string[]) {
  if (orgIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('orgs').select(['id', 'path']).where('id', 'in', orgIds).execute();
}

/** These tokens, each with its role, whether revoked and its org's path (null when its org left the directory). */
export function tokensWithOrgPaths(db: Kysely<Database>, tokenIds: readonly string[]) {
  return db
    .selectFrom('api_tokens')
    .leftJoin('orgs', 'orgs.id', 'api_tokens.org_id')
    .select(['api_tokens.id', 'role', 'revoked_at', 'orgs.path'])
    .where('api_tokens.id', 'in', tokenIds)
    .execute();
}

/** Forms a group unless one with its id exists; whether this call formed it. */
export async function formGroup(db: Kysely<Database>, campaignId: string, group: Omit<GuidanceGroup, 'created_at'>): Promise<boolean> {
  const inserted = await db
    .insertInto('guidance_groups')
    .values({ campaign_id: campaignId, ...group, inspector_token_ids: JSON.stringify(group.inspector_token_ids) })
    .onConflict((oc) => oc.columns(['campaign_id', 'group_id']).doNothing())
    .returning('group_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** A guidance group of the campaign; undefined when there is none. */
export async function guidanceGroup(db: Kysely<Database>, campaignId: string, groupId: string): Promise<GuidanceGroup | undefined> {
  return db.selectFrom('guidance_groups').selectAll().where('campaign_id', '=', campaignId).where('group_id', '=', groupId).executeTakeFirst();
}

/** Whose groups a reader sees: every group (an admin), those scoped within an organiser's subtree, or those naming an inspector's token. */
export type GroupReader = { all: true } | { organiserPath: string } | { inspectorTokenId: string };

/** A page of the groups at work on an org (their scope holds it, or lies within its subtree) that the reader is of, by id. */
export async function groupsAt(
  db: Kysely<Database>,
  q: { campaignId: string; path: string; reader: GroupReader; limit: number; offset: number },
): Promise<GuidanceGroup[]> {
  let s = db
    .selectFrom('guidance_groups')
    .selectAll()
    .where('campaign_id', '=', q.campaignId)
    .where(sql<boolean>`(starts_with(scope_path, ${q.path}) or starts_with(${q.path}, scope_path))`);
  if ('organiserPath' in q.reader) s = s.where(sql<boolean>`starts_with(scope_path, ${q.reader.organiserPath})`);
  else if ('inspectorTokenId' in q.reader) s = s.where(sql<boolean>`inspector_token_ids @> ${JSON.stringify([q.reader.inspectorTokenId])}::jsonb`);
  return s.orderBy('group_id').limit(q.limit).offset(q.offset).execute();
}

/** A group's rounds, in the order started. */
export function roundsOfGroup(db: Kysely<Database>, campaignId: string, groupId: string) {
  return db
    .selectFrom('rm_inspection_rounds')
    .select(['round_id', 'scope_org_id', 'sample_size', 'status', 'started_at', 'circulated_at'])
    .where('campaign_id', '=', campaignId)
    .where('group_id', '=', groupId)
    .orderBy('started_at')
    .orderBy('round_id')
    .execute();
}

/** A round of the campaign as its row holds it; undefined when there is none (or its start is not projected yet). */
export function inspectionRound(db: Kysely<Database>, campaignId: string, roundId: string) {
  return db.selectFrom('rm_inspection_rounds').selectAll().where('campaign_id', '=', campaignId).where('round_id', '=', roundId).executeTakeFirst();
}

/** A round's findings, in the order added. */
export function findingsOf(db: Kysely<Database>, campaignId: string, roundId: string) {
  return db
    .selectFrom('rm_inspection_findings')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .where('round_id', '=', roundId)
    .orderBy('added_at')
    .orderBy('finding_id')
    .execute();
}

/** A page of the circulated notices of the groups whose scope holds the org at `path`, or lies within its subtree, newest first. */
export function circulatedNotices(db: Kysely<Database>, q: { campaignId: string; path: string; limit: number; offset: number }) {
  return db
    .selectFrom('rm_inspection_rounds as r')
    .innerJoin('guidance_groups as g', (j) => j.onRef('g.campaign_id', '=', 'r.campaign_id').onRef('g.group_id', '=', 'r.group_id'))
    .select([
      'r.round_id',
      'r.group_id',
      'g.name as group_name',
      'g.scope_org_id',
      'r.notice_title',
      'r.notice_text',
      'r.circulated_at',
      'r.sample',
      'r.interviews',
    ])
    .where('r.campaign_id', '=', q.campaignId)
    .where('r.status', '=', 'circulated')
    .where(sql<boolean>`(starts_with(g.scope_path, ${q.path}) or starts_with(${q.path}, g.scope_path))`)
    .orderBy('r.circulated_at', 'desc')
    .orderBy('r.round_id')
    .limit(q.limit)
    .offset(q.offset)
    .execute();
}

/** The campaign's guidance groups (id and name), by id. */
export function groupsOfCampaign(db: Kysely<Database>, campaignId: string) {
  return db.selectFrom('guidance_groups').select(['group_id', 'name']).where('campaign_id', '=', campaignId).orderBy('group_id').execute();
}

/** Which group started each of the campaign's inspection rounds. */
export function groupOfEachRound(db: Kysely<Database>, campaignId: string) {
  return db.selectFrom('rm_inspection_rounds').select(['round_id', 'group_id']).where('campaign_id', '=', campaignId).execute();
}
