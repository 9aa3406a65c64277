/**
 * 民意直通车's tables: the read model `rm_public_messages`, one row per message (fed by
 * `PublicMessageReceived`, `PublicMessageAwaitingTriage`, `PublicMessageRouted`,
 * `PublicMessageFlagged`, `PublicMessageProgress`; `PublicMessageAccepted` writes the item in
 * `rm_problems` and stays in db/projections.ts), and two sources of truth written by the API:
 * `public_message_codes` (the hash of each tracking code, never the code) and
 * `public_message_routes` (the campaign office's routing rules, in order).
 *
 * The rest of the protocol: the submission, routing and the sender's status in
 * domain/public-message.ts and api/tracking-code.ts, its workflow in
 * workflows/public-message.ts (started by client/public-messages.ts), its activity in
 * activities/public-messages.ts, its routes in api/routes/public-messages.ts, its tests in
 * test/public/public-messages.test.ts and rate-limit.test.ts.
 *
 * @example
 * const { figures, rows } = await messagesIn(db, { campaignId: 'tj-2019', path: '/tj/tj-d1/', limit: 101, offset: 0 });
 */
import { sql, type Kysely, type UpdateObject } from 'kysely';
import type { DomainEvent } from '../../domain/events.js';
import { subtreePattern } from '../../domain/org-tree.js';
import type { ModelProjections, Trx } from './projection.js';
import type { Database } from '../schema.js';

export const publicMessageProjections = {
  PublicMessageReceived: (trx, e) =>
    trx
      .insertInto('rm_public_messages')
      .values({
        campaign_id: e.campaignId,
        message_id: e.messageId,
        category: e.category,
        area: e.area,
        text: e.text,
        contact: e.contact,
        office_org_id: e.officeOrgId,
        state: 'received',
        received_at: e.occurredAt,
        deadline: e.deadline,
        updated_at: e.occurredAt,
      })
      .onConflict((oc) => oc.columns(['campaign_id', 'message_id']).doNothing())
      .execute(),
  PublicMessageAwaitingTriage: (trx, e) => updateMessage(trx, e, { state: 'awaiting_triage', triage_reason: e.reason }),
  PublicMessageRouted: (trx, e) =>
    updateMessage(trx, e, {
      state: 'routed',
      org_id: e.toOrgId,
      org_path: (eb) => eb.selectFrom('rm_org_progress').select('path').where('campaign_id', '=', e.campaignId).where('org_id', '=', e.toOrgId),
      problem_id: e.problemId,
      routed_by: e.by,
      routed_same_day: e.sameDay,
      routed_at: e.occurredAt,
    }),
  PublicMessageFlagged: (trx, e) => updateMessage(trx, e, { flagged_at: e.occurredAt }),
  PublicMessageProgress: (trx, e) =>
    updateMessage(trx, e, {
      state: e.state,
      item_status: e.itemStatus,
      ...(e.state === 'in_rectification' ? { rectification_started_at: sql<Date>`coalesce(rectification_started_at, ${e.occurredAt}::timestamptz)` } : {}),
      ...(e.state === 'resolved' ? { resolved_at: e.occurredAt } : {}),
    }),
} satisfies ModelProjections;

function updateMessage(trx: Trx, e: DomainEvent & { messageId: string }, set: UpdateObject<Database, 'rm_public_messages'>) {
  return trx
    .updateTable('rm_public_messages')
    .set({ ...set, updated_at: e.occurredAt })
    .where('campaign_id', '=', e.campaignId)
    .where('message_id', '=', e.messageId)
    .execute();
}

/** What the public-message routes need of a campaign: whether it runs, its office (root org) and its rules; undefined when there is none. */
export function campaignForMessages(db: Kysely<Database>, campaignId: string) {
  return db.selectFrom('rm_campaigns').select(['id', 'status', 'root_org_id', 'rules']).where('id', '=', campaignId).executeTakeFirst();
}

/** The campaigns that take public messages now (running), newest first, at most 50. */
export function runningCampaigns(db: Kysely<Database>) {
  return db
    .selectFrom('rm_campaigns')
    .select(['id', 'name', 'starts_on as startsOn', 'ends_on as endsOn'])
    .where('status', '=', 'running')
    .orderBy('started_at', 'desc')
    .orderBy('id')
    .limit(50)
    .execute();
}

/** Stores a tracking code's hash for a message about to be sent; when it was issued. */
export async function keepTrackingCode(db: Kysely<Database>, code: { codeHash: string; campaignId: string; messageId: string }): Promise<Date> {
  const { created_at } = await db
    .insertInto('public_message_codes')
    .values({ code_hash: code.codeHash, campaign_id: code.campaignId, message_id: code.messageId })
    .returning('created_at')
    .executeTakeFirstOrThrow();
  return created_at;
}

/** Forgets a tracking code whose message was never sent. */
export async function forgetTrackingCode(db: Kysely<Database>, codeHash: string): Promise<void> {
  await db.deleteFrom('public_message_codes').where('code_hash', '=', codeHash).execute();
}

/** The message a tracking code's hash belongs to in the campaign: its state and dates (null until the workflow has recorded it); undefined when none. */
export function trackedMessage(db: Kysely<Database>, campaignId: string, codeHash: string) {
  return db
    .selectFrom('public_message_codes as c')
    .leftJoin('rm_public_messages as m', (j) => j.onRef('m.campaign_id', '=', 'c.campaign_id').onRef('m.message_id', '=', 'c.message_id'))
    .select(['c.created_at', 'm.state', 'm.flagged_at', 'm.received_at', 'm.routed_at', 'm.rectification_started_at', 'm.resolved_at'])
    .where('c.code_hash', '=', codeHash)
    .where('c.campaign_id', '=', campaignId)
    .executeTakeFirst();
}

export interface MessageFilter {
  campaignId: string;
  /** The subtree whose messages (those routed into it) are read; null: every message of the campaign (the office). */
  path: string | null;
  state?: 'received' | 'awaiting_triage' | 'routed' | 'in_rectification' | 'resolved' | undefined;
  flagged?: boolean | undefined;
  limit: number;
  offset: number;
}

/** The figures over a subtree's messages (or the campaign's) and a page of them, by time received (the filter applies to the page only). */
export async function messagesIn(db: Kysely<Database>, f: MessageFilter) {
  const scoped = () => {
    const q = db.selectFrom('rm_public_messages').where('campaign_id', '=', f.campaignId);
    return f.path === null ? q : q.where('org_path', 'like', subtreePattern(f.path));
  };
  const counts = await scoped()
    .select((eb) => [
      eb.fn.countAll<string>().as('received'),
      eb.fn.countAll<string>().filterWhere('routed_at', 'is not', null).as('routed'),
      eb.fn.countAll<string>().filterWhere('routed_same_day', '=', true).as('routedSameDay'),
      eb.fn.countAll<string>().filterWhere('state', '=', 'awaiting_triage').as('awaitingTriage'),
      eb.fn.countAll<string>().filterWhere('flagged_at', 'is not', null).as('flagged'),
      eb.fn.countAll<string>().filterWhere('state', '=', 'in_rectification').as('inRectification'),
      eb.fn.countAll<string>().filterWhere('state', '=', 'resolved').as('resolved'),
    ])
    .executeTakeFirstOrThrow();
  let list = scoped().selectAll();
  if (f.state) list = list.where('state', '=', f.state);
  if (f.flagged !== undefined) list = list.where('flagged_at', f.flagged ? 'is not' : 'is', null);
  const rows = await list.orderBy('received_at').orderBy('message_id').limit(f.limit).offset(f.offset).execute();
  const figures = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)])) as { [K in keyof typeof counts]: number };
  return { figures, rows };
}

/** Whether the campaign has this message. */
export async function hasMessage(db: Kysely<Database>, campaignId: string, messageId: string): Promise<boolean> {
  return (
    (await db
      .selectFrom('rm_public_messages')
      .select('message_id')
      .where('campaign_id', '=', campaignId)
      .where('message_id', '=', messageId)
      .executeTakeFirst()) !== undefined
  );
}

/** Where an org stands for a campaign whose root is `rootOrgId`: in the directory under the root, outside it, or not in the directory. */
export async function placeInCampaign(db: Kysely<Database>, rootOrgId: string, orgId: string): Promise<'inside' | 'outside' | 'unknown'> {
  const rows = await db.selectFrom('orgs').select(['id', 'path']).where('id', 'in', [rootOrgId, orgId]).execute();
  const root = rows.find((r) => r.id === rootOrgId);
  const org = rows.find((r) => r.id === orgId);
  if (!org) return 'unknown';
  return root && org.path.startsWith(root.path) ? 'inside' : 'outside';
}

export interface RoutingRule {
  category?: string | undefined;
  area?: string | undefined;
  orgId: string;
}

/**
 * Replaces the campaign's routing rules with these, in order. Two replacements of one
 * campaign's list at once: the second waits for the first to commit, then replaces it (last
 * writer wins) instead of colliding on (campaign, position).
 */
export async function replaceRoutingRules(db: Kysely<Database>, campaignId: string, rules: readonly RoutingRule[], setBy: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`public_message_routes:${campaignId}`}))`.execute(trx);
    await trx.deleteFrom('public_message_routes').where('campaign_id', '=', campaignId).execute();
    if (rules.length) {
      await trx
        .insertInto('public_message_routes')
        .values(
          rules.map((r, position) => ({
            campaign_id: campaignId,
            position,
            category: r.category ?? null,
            area: r.area ?? null,
            org_id: r.orgId,
            set_by: setBy,
          })),
        )
        .execute();
    }
  });
}

/** The campaign's routing rules in order, with who set them and when. */
export function routingRules(db: Kysely<Database>, campaignId: string) {
  return db.selectFrom('public_message_routes').selectAll().where('campaign_id', '=', campaignId).orderBy('position').execute();
}
