/**
 * The progress read model (`rm_org_progress`): one row per org a campaign has reached, with
 * its status, components, own and subtree figures. `OrgStarted` inserts it (the cascade
 * reached the org), `OrgMobilised` dates its mobilisation, `ProgressReported` (the figures the
 * org's workflow aggregates) and `OrgFinished` update it, each only forward in the stream.
 *
 * The rest: the figures and their aggregation in domain/figures.ts, the lag rule in
 * domain/report.ts; the org workflow (workflows/org-node.ts) reports them; routes in
 * api/routes/campaigns.ts (progress, children, lagging) and api/routes/overview.ts (the
 * overview, in db/models/overview.ts); the spot checks' sample and the reports' figures read
 * it too (activities/inspections.ts, activities/reports.ts); tests in test/api/api.test.ts and test/api/cascade-wait.test.ts.
 *
 * @example
 * const row = await readOrgProgress(db, 'tj-2019', 'tj-d1'); // undefined until the cascade reaches it
 */
import { sql, type Kysely } from 'kysely';
import { zeroFigures } from '../../domain/figures.js';
import { subtreePattern } from '../../domain/org-tree.js';
import type { Database } from '../schema.js';
import { readCampaign } from './campaigns.js';
import { orgPath, orgsByIds } from './directory.js';
import { ofOrg, type ModelProjections } from './projection.js';

export const progressProjections = {
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
  OrgMobilised: (trx, e) => trx.updateTable('rm_org_progress').set({ mobilised_on: e.date }).where(ofOrg(e)).execute(),
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
} satisfies ModelProjections;

/** The org's row in the campaign, or undefined when the cascade has not reached it (or there is no such campaign). */
export function readOrgProgress(db: Kysely<Database>, campaignId: string, orgId: string) {
  return db.selectFrom('rm_org_progress').selectAll().where('campaign_id', '=', campaignId).where('org_id', '=', orgId).executeTakeFirst();
}

/** The status, subtree figures and details of the campaign's root org, or undefined until the read model has it. */
export function readRootProgress(db: Kysely<Database>, campaignId: string, rootOrgId: string) {
  return db
    .selectFrom('rm_org_progress')
    .select(['status', 'subtree', 'details'])
    .where('campaign_id', '=', campaignId)
    .where('org_id', '=', rootOrgId)
    .executeTakeFirst();
}

/** How a page of an org's children is sorted; ties by org id. */
export type ChildSort = 'position' | 'name' | 'progress' | 'status';

/** A page of the rows of the org's children the campaign has reached, sorted, `limit` rows from `offset`. */
export async function listChildProgress(db: Kysely<Database>, campaignId: string, parentId: string, sort: ChildSort, limit: number, offset: number) {
  const order = {
    position: sql`o.position, p.org_id`,
    name: sql`p.name, p.org_id`,
    progress: sql`((p.subtree->>'complete')::int * 1.0 / greatest((p.subtree->>'orgs')::int, 1)), p.org_id`,
    status: sql`p.status, p.org_id`,
  }[sort];
  const rows = await sql<Record<string, unknown>>`
      select p.* from rm_org_progress p join orgs o on o.id = p.org_id
      where p.campaign_id = ${campaignId} and p.parent_id = ${parentId}
      order by ${order} limit ${limit} offset ${offset}`.execute(db);
  return rows.rows;
}

/**
 * The orgs of the subtree at `path` that may lag (not mobilised, no study done, or items
 * overdue), in path order after `after`, at most `limit`: the lag rule (domain/report.ts)
 * then says which and why.
 */
export function listLaggingCandidates(db: Kysely<Database>, campaignId: string, path: string, after: string, limit: number) {
  return db
    .selectFrom('rm_org_progress')
    .select(['org_id', 'name', 'level', 'path', 'status', 'mobilised_on', 'reached_at', 'own', 'details'])
    .where('campaign_id', '=', campaignId)
    .where('path', 'like', subtreePattern(path))
    .where('path', '>', after)
    .where((eb) => eb.or([eb('mobilised_on', 'is', null), sql<boolean>`(own->>'studyDone')::int = 0`, sql<boolean>`(own->>'overdue')::int > 0`]))
    .orderBy('path')
    .limit(limit)
    .execute();
}

/** Whom an org the cascade has not reached waits for; see {@link cascadeWaitsFor}. */
export type CascadeWait =
  /** `root`: no org of the campaign has started yet, not even its root. */
  | { kind: 'ancestor'; orgId: string; name: string; level: string; mobilised: boolean; relation: 'parent' | 'ancestor' | 'root' }
  | { kind: 'outside'; rootOrgId: string };

/**
 * Walks up from an org without a workflow to the nearest ancestor, within the campaign,
 * whose workflow has started (its `OrgStarted` is in `rm_org_progress`): the cascade
 * reaches an org only through its parent's mobilisation, so that ancestor is whom the org
 * waits for. Not mobilised: it has not held its meeting (the usual case, and what a
 * secretary needs to hear: whom to ask). Mobilised: the cascade below it is under way (a
 * big unit starts its branches a page at a time), so the org should try again shortly. No
 * ancestor started at all: the campaign is still starting at its root. An org outside the
 * campaign's root's subtree is never reached, and is told so. Null when there is no such
 * campaign or org.
 *
 * Read from the directory and the read models, which trail the workflows by a moment; on
 * the error paths that ask it (api/problem.ts) that is good enough, and it asks no workflow anything.
 */
export async function cascadeWaitsFor(db: Kysely<Database>, campaignId: string, orgId: string): Promise<CascadeWait | null> {
  const [campaign, path] = await Promise.all([readCampaign(db, campaignId), orgPath(db, orgId)]);
  if (!campaign || path === undefined) return null;
  const line = path.split('/').filter(Boolean);
  const fromRoot = line.indexOf(campaign.root_org_id);
  if (fromRoot < 0) return { kind: 'outside', rootOrgId: campaign.root_org_id };
  // Nearest first; the org itself last of the line, the root first.
  const ancestors = line.slice(fromRoot, -1).reverse();
  if (ancestors.length === 0) ancestors.push(campaign.root_org_id); // the org is the root: waiting for its own start
  const [started, names] = await Promise.all([
    db.selectFrom('rm_org_progress').select(['org_id', 'mobilised_on']).where('campaign_id', '=', campaignId).where('org_id', 'in', ancestors).execute(),
    orgsByIds(db, ancestors),
  ]);
  const startedById = new Map(started.map((r) => [r.org_id, r]));
  const nameById = new Map(names.map((r) => [r.id, r]));
  const nearest = ancestors.findIndex((a) => startedById.has(a));
  const at = nearest < 0 ? ancestors.length - 1 : nearest;
  const id = ancestors[at]!;
  const row = startedById.get(id);
  return {
    kind: 'ancestor',
    orgId: id,
    name: nameById.get(id)?.name ?? id,
    level: nameById.get(id)?.level ?? 'unknown',
    mobilised: Boolean(row?.mobilised_on),
    relation: nearest < 0 ? 'root' : at === 0 ? 'parent' : 'ancestor',
  };
}

/** The rows of the campaign's orgs below the org at `path` (itself left out), by org id: the orgs a spot check may sample. */
export function orgsBelow(db: Kysely<Database>, campaignId: string, path: string, orgId: string) {
  return db
    .selectFrom('rm_org_progress')
    .select(['org_id', 'level'])
    .where('campaign_id', '=', campaignId)
    .where('path', 'like', subtreePattern(path))
    .where('org_id', '!=', orgId)
    .orderBy('org_id')
    .execute();
}

/** These orgs' mobilisation and components in the campaign, in no particular order; orgs the cascade has not reached are left out. */
export function componentsOf(db: Kysely<Database>, campaignId: string, orgIds: readonly string[]) {
  return db
    .selectFrom('rm_org_progress')
    .select(['org_id', 'mobilised_on', 'components'])
    .where('campaign_id', '=', campaignId)
    .where('org_id', 'in', [...orgIds])
    .execute();
}

/** Every org the campaign has reached, in path order, with what a report judges it by (its level, mobilisation and own figures). */
export function reachedOrgs(db: Kysely<Database>, campaignId: string) {
  return db
    .selectFrom('rm_org_progress')
    .select(['org_id', 'name', 'level', 'path', 'mobilised_on', 'reached_at', 'own'])
    .where('campaign_id', '=', campaignId)
    .orderBy('path')
    .execute();
}
