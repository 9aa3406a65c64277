/**
 * 同题共答's read model: `rm_joint_problems`, one row per joint problem with each
 * participant's part status, fed by `JointProblemOpened`, `JointPartChanged` and
 * `JointProblemClosed`. Each part is also an item in its participant's ledger (`rm_problems`,
 * written from `JointPartAccepted` in db/projections.ts); {@link jointItems} reads those.
 *
 * The rest of the protocol: the spec and part assignment in domain/joint.ts, the org's side
 * in domain/org-node.ts, its workflow in workflows/joint-answer.ts (started by
 * client/campaigns.ts `openJointProblem`), its routes in api/routes/joint-answers.ts, its
 * tests in test/cross-level/joint.test.ts.
 *
 * @example
 * const joint = await jointProblem(db, 'tj-2019', 'j1');
 * const items = joint ? await jointItems(db, 'tj-2019', 'j1') : [];
 */
import { sql, type Kysely } from 'kysely';
import type { ModelProjections } from './projection.js';
import type { Database } from '../schema.js';

export const jointAnswerProjections = {
  JointProblemOpened: (trx, e) =>
    trx
      .insertInto('rm_joint_problems')
      .values({
        campaign_id: e.campaignId,
        joint_id: e.joint.jointId,
        title: e.joint.title,
        description: e.joint.description,
        opener_org_id: e.joint.openerOrgId,
        parts: JSON.stringify(Object.fromEntries(e.joint.participantOrgIds.map((o) => [o, 'assigned']))),
        status: 'open',
        opened_at: e.occurredAt,
        closed_at: null,
      })
      .onConflict((oc) => oc.columns(['campaign_id', 'joint_id']).doNothing())
      .execute(),
  JointPartChanged: (trx, e) =>
    trx
      .updateTable('rm_joint_problems')
      .set({ parts: sql`jsonb_set(parts, array[${e.participantOrgId}]::text[], ${JSON.stringify(e.status)}::jsonb)` })
      .where('campaign_id', '=', e.campaignId)
      .where('joint_id', '=', e.jointId)
      .execute(),
  JointProblemClosed: (trx, e) =>
    trx
      .updateTable('rm_joint_problems')
      .set({ status: 'closed', closed_at: e.occurredAt })
      .where('campaign_id', '=', e.campaignId)
      .where('joint_id', '=', e.jointId)
      .execute(),
} satisfies ModelProjections;

/**
 * Which of the participants named are not in the directory (`unknown`), and which are
 * outside the opener's subtree (`outside`): the opener leads the joint answer over its own
 * subtree only.
 */
export function placeParticipants(known: readonly { id: string; path: string }[], participantOrgIds: readonly string[], openerPath: string) {
  const pathOf = new Map(known.map((k) => [k.id, k.path]));
  const unknown = participantOrgIds.filter((id) => !pathOf.has(id));
  const outside = participantOrgIds.filter((id) => pathOf.has(id) && !pathOf.get(id)!.startsWith(openerPath));
  return { unknown, outside };
}

/** The participants' places ({@link placeParticipants}), read from the directory. */
export async function participantsInDirectory(db: Kysely<Database>, participantOrgIds: readonly string[], openerPath: string) {
  const known = participantOrgIds.length ? await db.selectFrom('orgs').select(['id', 'path']).where('id', 'in', participantOrgIds).execute() : [];
  return placeParticipants(known, participantOrgIds, openerPath);
}

/** The campaign's status (running, closing, …); undefined when there is no such campaign. */
export async function campaignStatus(db: Kysely<Database>, campaignId: string): Promise<string | undefined> {
  return (await db.selectFrom('rm_campaigns').select('status').where('id', '=', campaignId).executeTakeFirst())?.status;
}

/** A joint problem of the campaign with each part's status; undefined when there is none. */
export function jointProblem(db: Kysely<Database>, campaignId: string, jointId: string) {
  return db.selectFrom('rm_joint_problems').selectAll().where('campaign_id', '=', campaignId).where('joint_id', '=', jointId).executeTakeFirst();
}

/** Each participant's item of the joint problem in its ledger, by org. */
export function jointItems(db: Kysely<Database>, campaignId: string, jointId: string) {
  return db
    .selectFrom('rm_problems')
    .select(['org_id', 'problem_id', 'status', 'owner', 'deadline', 'alert'])
    .where('campaign_id', '=', campaignId)
    .where('joint_id', '=', jointId)
    .orderBy('org_id')
    .execute();
}
