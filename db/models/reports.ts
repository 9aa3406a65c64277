/**
 * 例会 reports (`reports`): the figures the campaign's Schedules compile weekly and
 * fortnightly, stored as compiled (a source of truth: what the figures were then, not a
 * projection; no event writes it). activities/reports.ts compiles and stores them through the
 * lock, the previous period's end and the store here; here too are the API's reads of them, and of who besides the office may read the fortnightly ones (an
 * inspector a guidance group of the campaign names, `guidance_groups`, whose rows the spot
 * checks' routes write).
 *
 * The rest: the figures and the page in domain/report.ts, the workflow in workflows/report.ts,
 * the routes in api/routes/reports.ts; tests in test/reports/.
 *
 * @example
 * const page = await listReports(db, 'tj-2019', 'fortnightly', 21, 0);
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** A page of the campaign's reports (of one kind, or all), newest period end first: `limit` rows from `offset`. */
export function listReports(db: Kysely<Database>, campaignId: string, kind: 'weekly' | 'fortnightly' | undefined, limit: number, offset: number) {
  let q = db.selectFrom('reports').select(['report_id', 'kind', 'period_from', 'period_to', 'workflow_id', 'created_at']).where('campaign_id', '=', campaignId);
  if (kind) q = q.where('kind', '=', kind);
  return q.orderBy('period_to', 'desc').orderBy('kind').limit(limit).offset(offset).execute();
}

/** One report with its figures, or undefined. */
export function readReport(db: Kysely<Database>, campaignId: string, reportId: string) {
  return db.selectFrom('reports').selectAll().where('campaign_id', '=', campaignId).where('report_id', '=', reportId).executeTakeFirst();
}

/** The token is one of the inspectors some guidance group of the campaign names (巡回指导组). */
export async function namedByAGroup(db: Kysely<Database>, campaignId: string, tokenId: string): Promise<boolean> {
  const row = await db
    .selectFrom('guidance_groups')
    .select('group_id')
    .where('campaign_id', '=', campaignId)
    .where(sql<boolean>`inspector_token_ids @> ${JSON.stringify([tokenId])}::jsonb`)
    .executeTakeFirst();
  return !!row;
}

/**
 * Holds the campaign's reports of this kind for the transaction: two compilations of one kind
 * never read the same previous period end at once (the second waits for the first to commit).
 */
export async function lockReportKind(trx: Kysely<Database>, campaignId: string, kind: 'weekly' | 'fortnightly'): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`report:${campaignId}:${kind}`}))`.execute(trx);
}

/** The campaign's report of this kind for the period ending at `to`, or undefined when none is stored. */
export function reportEndingAt(db: Kysely<Database>, campaignId: string, kind: 'weekly' | 'fortnightly', to: Date) {
  return db
    .selectFrom('reports')
    .select(['report_id', 'period_from', 'period_to'])
    .where('campaign_id', '=', campaignId)
    .where('kind', '=', kind)
    .where('period_to', '=', to)
    .executeTakeFirst();
}

/** Where the campaign's latest report of this kind before `to` ended, or undefined when there is none (the first report starts at the campaign's start). */
export async function previousPeriodEnd(db: Kysely<Database>, campaignId: string, kind: 'weekly' | 'fortnightly', to: Date): Promise<Date | undefined> {
  const previous = await db
    .selectFrom('reports')
    .select((eb) => eb.fn.max('period_to').as('to'))
    .where('campaign_id', '=', campaignId)
    .where('kind', '=', kind)
    .where('period_to', '<', to)
    .executeTakeFirst();
  return previous?.to ? new Date(previous.to) : undefined;
}

/** Stores a compiled report (its figures as compiled). */
export async function storeReport(
  db: Kysely<Database>,
  report: { campaignId: string; kind: 'weekly' | 'fortnightly'; from: Date; to: Date; reportId: string; workflowId: string; figures: unknown },
): Promise<void> {
  await db
    .insertInto('reports')
    .values({
      campaign_id: report.campaignId,
      kind: report.kind,
      period_from: report.from,
      period_to: report.to,
      report_id: report.reportId,
      workflow_id: report.workflowId,
      figures: JSON.stringify(report.figures),
    })
    .execute();
}
