/**
 * 下题上答's read model: `rm_escalations`, one row per escalation, fed by `ProblemEscalated`
 * and `EscalationProgress` (the origin's side) and `EscalationReceived`, `EscalationClaimed`,
 * `EscalationForwarded`, `EscalationOverdue` (each target's side); and the queries the routes
 * ask of it, the chain included (its hops are the escalation's events, read through
 * db/stored-events.ts `escalationEvents`).
 *
 * The rest of the protocol: its decisions in domain/escalation.ts and the org's decisions
 * (domain/org-node.ts), its messages in workflows/messages.ts, delivery between orgs in
 * activities/deliver-signals.ts, the reports' count of those awaiting a claim in
 * activities/reports.ts, its routes in api/routes/escalations.ts, its tests in
 * test/cross-level/escalation.test.ts and escalation-storm.test.ts.
 *
 * @example
 * const rows = await escalationsPage(db, { campaignId: 'tj-2019', orgId: 'tj-d1', direction: 'received', limit: 51, offset: 0 });
 * const chain = await escalationChain(db, 'tj-2019', escalationId);
 */
import { sql, type Kysely, type UpdateObject } from 'kysely';
import type { DomainEvent, EventOf } from '../../domain/events.js';
import type { Level } from '../../domain/levels.js';
import { escalationEvents, escalationsForwardedBy } from '../stored-events.js';
import type { ModelProjections, Trx } from './projection.js';
import type { Database } from '../schema.js';

export const escalationProjections = {
  ProblemEscalated: (trx, e) =>
    trx
      .insertInto('rm_escalations')
      .values({
        escalation_id: e.escalationId,
        origin_campaign_id: e.campaignId,
        origin_org_id: e.orgId,
        origin_problem_id: e.problemId,
        reason: e.reason,
        origin_status: 'sent',
        target_campaign_id: e.targetCampaignId,
        updated_at: e.occurredAt,
      })
      .onConflict((oc) =>
        oc
          .column('escalation_id')
          .doUpdateSet({ origin_campaign_id: e.campaignId, origin_org_id: e.orgId, origin_problem_id: e.problemId, reason: e.reason, origin_status: 'sent' }),
      )
      .execute(),
  EscalationProgress: (trx, e) => trx.updateTable('rm_escalations').set({ origin_status: e.status }).where('escalation_id', '=', e.escalationId).execute(),
  // The origin's fields too: an origin in another database or an older deployment never projected its ProblemEscalated here.
  EscalationReceived: (trx, e) =>
    targetSide(trx, e, 'pending', {
      category: e.category,
      description: e.description,
      claim_deadline: e.claimDeadline,
      origin_campaign_id: e.originCampaignId,
      origin_org_id: e.originOrgId,
      origin_problem_id: e.originProblemId,
      reason: e.reason,
    }),
  EscalationClaimed: (trx, e) => targetSide(trx, e, 'claimed', { claimed_problem_id: e.problemId }),
  EscalationForwarded: async (trx, e) => {
    await targetSide(trx, e, 'forwarded', {});
    if (e.lapsed)
      await trx
        .updateTable('rm_escalations')
        .set({ lapses: sql<number>`lapses + 1` })
        .where('escalation_id', '=', e.escalationId)
        .execute();
  },
  // Red at the campaign's top: written on the row only while it is still at that org (a later hop never follows at the top).
  EscalationOverdue: (trx, e) =>
    trx
      .updateTable('rm_escalations')
      .set({ overdue_at: e.occurredAt, lapses: sql<number>`lapses + 1`, updated_at: e.occurredAt })
      .where('escalation_id', '=', e.escalationId)
      .where('target_campaign_id', '=', e.campaignId)
      .where('current_org_id', '=', e.orgId!)
      .execute(),
} satisfies ModelProjections;

/**
 * Writes what a target knows, unless a further hop has already written: the latest hop
 * wins; at one hop, a claim or forward wins over the arrival.
 */
async function targetSide(trx: Trx, e: DomainEvent & { escalationId: string; hop: number }, status: string, extra: UpdateObject<Database, 'rm_escalations'>) {
  const { escalationId, hop, campaignId, occurredAt } = e;
  const orgId = e.orgId!;
  const rank = status === 'pending' ? 0 : 1;
  await trx
    .insertInto('rm_escalations')
    .values({
      escalation_id: escalationId,
      target_campaign_id: campaignId,
      current_org_id: orgId,
      hop,
      target_status: status,
      updated_at: occurredAt,
      ...(extra as object),
    })
    .onConflict((oc) =>
      oc
        .column('escalation_id')
        .doUpdateSet({ target_campaign_id: campaignId, current_org_id: orgId, hop, target_status: status, updated_at: occurredAt, ...extra })
        .where((eb) =>
          eb.or([
            eb('rm_escalations.hop', '<', hop),
            eb.and([
              eb('rm_escalations.hop', '=', hop),
              eb(sql<number>`case when rm_escalations.target_status is null or rm_escalations.target_status = 'pending' then 0 else 1 end`, '<=', rank),
            ]),
          ]),
        ),
    )
    .execute();
}

/** The id of the org's ancestor at this level (its path lists its ancestors), if it has one. */
export async function ancestorAtLevel(db: Kysely<Database>, path: string, level: Level): Promise<string | undefined> {
  const ancestors = path.split('/').filter(Boolean).slice(0, -1);
  const found = await db
    .selectFrom('orgs')
    .select('id')
    .where('id', 'in', ancestors.length ? ancestors : [''])
    .where('level', '=', level)
    .executeTakeFirst();
  return found?.id;
}

/** An org's path in the directory; undefined when it is not there. */
export async function orgPath(db: Kysely<Database>, orgId: string): Promise<string | undefined> {
  return (await db.selectFrom('orgs').select('path').where('id', '=', orgId).executeTakeFirst())?.path;
}

export interface EscalationFilter {
  campaignId: string;
  orgId: string;
  /** `received`: at the org now; `sent`: raised there; `outbox`: raised there or passed on from there. */
  direction: 'received' | 'sent' | 'outbox';
  status?: 'pending' | 'claimed' | 'forwarded' | undefined;
  /** `true`: red (overdue at the campaign's top) and still waiting for a claim; `false`: all others. */
  overdue?: boolean | undefined;
  limit: number;
  offset: number;
}

/**
 * A page of an org's escalations, each with its origin's and current org's names: received
 * ones waiting for a claim first (earliest claim deadline first), the outbox latest moved
 * first, sent ones by id.
 */
export function escalationsPage(db: Kysely<Database>, f: EscalationFilter) {
  const { campaignId: id, orgId, direction, status, overdue } = f;
  let q = db
    .selectFrom('rm_escalations as e')
    .leftJoin('orgs as origin', 'origin.id', 'e.origin_org_id')
    .leftJoin('orgs as current', 'current.id', 'e.current_org_id')
    .selectAll('e')
    .select(['origin.name as origin_org_name', 'current.name as current_org_name']);
  if (direction === 'received') q = q.where('e.target_campaign_id', '=', id).where('e.current_org_id', '=', orgId);
  else if (direction === 'sent') q = q.where('e.origin_campaign_id', '=', id).where('e.origin_org_id', '=', orgId);
  else {
    // Passed on from here: this org's own EscalationForwarded events (events_campaign_idx finds the org's events).
    q = q.where((eb) =>
      eb.or([
        eb.and([eb('e.origin_campaign_id', '=', id), eb('e.origin_org_id', '=', orgId)]),
        eb('e.escalation_id', 'in', escalationsForwardedBy(db, id, orgId)),
      ]),
    );
  }
  if (status) q = q.where('e.target_status', '=', status);
  if (overdue === true) q = q.where('e.overdue_at', 'is not', null).where('e.target_status', '=', 'pending');
  if (overdue === false) q = q.where((eb) => eb.or([eb('e.overdue_at', 'is', null), eb('e.target_status', '!=', 'pending')]));
  q =
    direction === 'received'
      ? q
          .orderBy(sql`case when e.target_status = 'pending' then 0 else 1 end`)
          .orderBy('e.claim_deadline')
          .orderBy('e.escalation_id')
      : direction === 'outbox'
        ? q.orderBy('e.updated_at', 'desc').orderBy('e.escalation_id')
        : q.orderBy('e.escalation_id');
  return q.limit(f.limit).offset(f.offset).execute();
}

const CHAIN_EVENTS = ['ProblemEscalated', 'EscalationReceived', 'EscalationForwarded', 'EscalationOverdue', 'EscalationClaimed', 'EscalationProgress'] as const;
export type ChainEvent = EventOf<(typeof CHAIN_EVENTS)[number]>;

/**
 * An escalation of the campaign (raised in it or received in it) with its events, and the
 * orgs on its chain (the origin, where it is, where each event happened); undefined when
 * the campaign has no such escalation.
 */
export async function escalationChain(db: Kysely<Database>, campaignId: string, escalationId: string) {
  const row = await db.selectFrom('rm_escalations').selectAll().where('escalation_id', '=', escalationId).executeTakeFirst();
  if (!row || (row.origin_campaign_id !== campaignId && row.target_campaign_id !== campaignId)) return undefined;
  const events = await escalationEvents(db, escalationId, CHAIN_EVENTS);
  const orgsOnIt = [...new Set([row.origin_org_id, row.current_org_id, ...events.map((e) => e.orgId)].filter((o): o is string => Boolean(o)))];
  return { row, events, orgsOnIt };
}

/** The orgs named, with their names, levels and paths, in path order. */
export function orgsNamed(db: Kysely<Database>, orgIds: readonly string[]) {
  if (orgIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('orgs').select(['id as orgId', 'name', 'level', 'path']).where('id', 'in', orgIds).orderBy('path').execute();
}

/** One hop of an escalation's chain, in words an organiser reads: what happened where, when, by whom. */
export function chainStep(e: ChainEvent) {
  const at = new Date(e.occurredAt).toISOString();
  const { campaignId } = e;
  const orgId = e.orgId!;
  switch (e.type) {
    case 'ProblemEscalated':
      return { step: 'raised', at, orgId, campaignId, by: e.by, to: e.targetOrgId, reason: e.reason };
    case 'EscalationReceived':
      return { step: 'received', at, orgId, campaignId, hop: e.hop, claimDeadline: e.claimDeadline };
    case 'EscalationForwarded':
      return { step: e.lapsed ? 'lapsed' : 'forwarded', at, orgId, campaignId, hop: e.hop, by: e.by, to: e.toOrgId, reason: e.reason };
    case 'EscalationOverdue':
      return { step: 'overdue', at, orgId, campaignId, hop: e.hop, by: e.by, claimDeadline: e.claimDeadline, reason: e.reason };
    case 'EscalationClaimed':
      return { step: e.merged ? 'merged' : 'claimed', at, orgId, campaignId, hop: e.hop, by: e.by, problemId: e.problemId };
    case 'EscalationProgress':
      return { step: `origin heard: ${e.status}`, at, orgId, campaignId, from: e.atOrgId, detail: e.detail };
  }
}

/** How many escalations sent into the campaign still wait for a claim. */
export async function awaitingClaim(db: Kysely<Database>, campaignId: string): Promise<number> {
  const row = await db
    .selectFrom('rm_escalations')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('target_campaign_id', '=', campaignId)
    .where('target_status', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
