/**
 * The campaigns read model (`rm_campaigns`): one row a campaign, written by `CampaignStarted`,
 * `CampaignCloseRequested` and `CampaignFinished`; read by the campaign routes, the overview,
 * the reports and the session's list of campaigns.
 *
 * The rest of the protocol: the campaign workflow (workflows/campaign.ts) and its client
 * (client/campaigns.ts); routes in api/routes/campaigns.ts; tests in test/api/api.test.ts.
 *
 * @example
 * const campaign = await readCampaign(db, 'tj-2019'); // undefined when there is none
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { ModelProjections } from './projection.js';

export const campaignProjections = {
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
} satisfies ModelProjections;

/** The rules a campaign's readers use, as its spec gave them (each optional: older specs lack some). */
export interface CampaignRules {
  minStudyDays?: number;
  warningDays?: number;
  mobiliseWithinDays?: number;
  topicsMustBeVetted?: boolean;
  immediateDays?: number;
}

/** The campaign's row, or undefined when there is no such campaign. */
export function readCampaign(db: Kysely<Database>, id: string) {
  return db.selectFrom('rm_campaigns').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Running and closing campaigns with their root org's path, by id: what an import must not displace. */
export function runningCampaignRoots(db: Kysely<Database>): Promise<{ id: string; path: string }[]> {
  return db
    .selectFrom('rm_campaigns')
    .innerJoin('orgs', 'orgs.id', 'rm_campaigns.root_org_id')
    .select(['rm_campaigns.id', 'orgs.path'])
    .where('rm_campaigns.status', 'in', ['running', 'closing'])
    .orderBy('rm_campaigns.id')
    .execute();
}

/** Every campaign with its root org's path, newest first (then by id): the session picks those the caller may look at. */
export function campaignsWithRootPaths(db: Kysely<Database>) {
  return db
    .selectFrom('rm_campaigns')
    .innerJoin('orgs', 'orgs.id', 'rm_campaigns.root_org_id')
    .select(['rm_campaigns.id', 'rm_campaigns.name', 'rm_campaigns.status', 'rm_campaigns.root_org_id', 'rm_campaigns.started_at', 'orgs.path'])
    .orderBy('rm_campaigns.started_at', 'desc')
    .orderBy('rm_campaigns.id')
    .execute();
}
