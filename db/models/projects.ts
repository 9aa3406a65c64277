/**
 * Special rectification projects (专项整治, `rm_projects`): one row per project an org
 * created, naming its lead and participant orgs, written by `ProjectCreated`. A project's
 * items are ledger items carrying its `project_ref` (`<orgId>/<projectId>`, db/models/problems.ts),
 * counted per participant by {@link readProject}.
 *
 * The rest: the org action in workflows/messages.ts (createProject), the route
 * GET /campaigns/:id/projects/:orgId/:projectId in api/routes/ledger.ts, the spot checks'
 * reads in activities/inspections.ts; tests in test/rectification/.
 *
 * @example
 * const project = await readProject(db, 'tj-2019', 'tj-d1/p1'); // undefined when there is none
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { ModelProjections } from './projection.js';

export const projectProjections = {
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
} satisfies ModelProjections;

/** Items, closed items and overdue items (red, still planned or in progress). */
export interface ProjectFigures {
  items: number;
  closed: number;
  overdue: number;
}

/** The project, its figures in all and each participant's (by org id); undefined when there is no such project. */
export async function readProject(db: Kysely<Database>, campaignId: string, projectRef: string) {
  const project = await db.selectFrom('rm_projects').selectAll().where('campaign_id', '=', campaignId).where('project_ref', '=', projectRef).executeTakeFirst();
  if (!project) return undefined;
  const rows = await db
    .selectFrom('rm_problems')
    .select([
      'org_id',
      (eb) => eb.fn.countAll<string>().as('items'),
      (eb) => eb.fn.count<string>('closed_at').as('closed'),
      sql<string>`count(*) filter (where alert = 'red' and status in ('planned', 'in_progress'))`.as('overdue'),
    ])
    .where('campaign_id', '=', campaignId)
    .where('project_ref', '=', projectRef)
    .groupBy('org_id')
    .orderBy('org_id')
    .execute();
  const participants = rows.map((p) => ({ orgId: p.org_id, items: Number(p.items), closed: Number(p.closed), overdue: Number(p.overdue) }));
  const progress = participants.reduce<ProjectFigures>((a, f) => ({ items: a.items + f.items, closed: a.closed + f.closed, overdue: a.overdue + f.overdue }), {
    items: 0,
    closed: 0,
    overdue: 0,
  });
  return { ...project, progress, participants };
}

/** These orgs' projects (their ref and title), by ref. */
export function projectsOf(db: Kysely<Database>, campaignId: string, orgIds: readonly string[]) {
  return db
    .selectFrom('rm_projects')
    .select(['org_id', 'project_ref', 'title'])
    .where('campaign_id', '=', campaignId)
    .where('org_id', 'in', [...orgIds])
    .orderBy('project_ref')
    .execute();
}
