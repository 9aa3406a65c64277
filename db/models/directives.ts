/**
 * 上题下答's read model: `rm_directives`, one row per directive an org issued (fed by
 * `DirectiveIssued`, and `DirectiveCancelled`, whose handler stays in db/projections.ts
 * because it also cancels the item in `rm_problems`), and `rm_information_request_refusals`
 * (为基层减负, fed by `InformationRequestRefused`). A directive's coverage is not a table of
 * its own: it rides in each org's progress row (`rm_org_progress.directives`, written from
 * `ProgressReported`), and each targeted org's item is a row of `rm_problems` naming it
 * (`DirectiveReceived`).
 *
 * The rest of the protocol: the relay and coverage in domain/directive.ts, the weekly cap
 * in domain/burden.ts, the org's decisions in domain/org-node.ts, its messages in
 * workflows/messages.ts, its routes in api/routes/directives.ts, its tests in
 * test/cross-level/directive.test.ts and information-requests.test.ts.
 *
 * @example
 * const { self, children } = await coverageTree(db, { campaignId: 'tj-2019', orgId: 'tj', limit: 101, offset: 0 });
 * const week = await informationRequestsThisWeek(db, 'tj-2019', 'tj-d1', Date.now());
 */
import { sql, type Kysely } from 'kysely';
import { Rules } from '../../domain/campaign.js';
import { chinaWeek, informationRequestCap, nextWeekStartMs } from '../../domain/burden.js';
import { coverageView, type Coverage } from '../../domain/directive.js';
import type { Level } from '../../domain/levels.js';
import { subtreePattern } from '../../domain/org-tree.js';
import { updateProblem } from './problems.js';
import type { ModelProjections } from './projection.js';
import type { Database } from '../schema.js';

export const directiveProjections = {
  DirectiveIssued: (trx, e) =>
    trx
      .insertInto('rm_directives')
      .values({
        campaign_id: e.campaignId,
        directive_id: e.directive.directiveId,
        issuer_org_id: e.directive.issuerOrgId,
        title: e.directive.title,
        instructions: e.directive.instructions,
        deadline: e.directive.deadline,
        target_levels: JSON.stringify(e.directive.targetLevels),
        target_org_ids: JSON.stringify(e.directive.targetOrgIds),
        cancelled: false,
        issued_at: e.occurredAt,
        kind: e.directive.kind ?? 'task',
      })
      .onConflict((oc) => oc.columns(['campaign_id', 'directive_id']).doNothing())
      .execute(),
  InformationRequestRefused: (trx, e) =>
    trx
      .insertInto('rm_information_request_refusals')
      .values({
        event_id: e.id,
        campaign_id: e.campaignId,
        org_id: e.orgId!,
        level: e.level,
        week: e.week,
        cap: e.cap,
        sent: e.sent,
        directive_id: e.directiveId,
        title: e.title,
        by: e.by,
        refused_at: e.occurredAt,
      })
      .onConflict((oc) => oc.column('event_id').doNothing())
      .execute(),
  // A directive received becomes an item in the org's ledger; cancelled, the item is cancelled and the issuer's row marked.
  DirectiveReceived: (trx, e) => (e.problemId ? updateProblem(trx, { ...e, problemId: e.problemId }, { directive_id: e.directiveId }) : Promise.resolve()),
  DirectiveCancelled: async (trx, e) => {
    if (e.problemId) await updateProblem(trx, { ...e, problemId: e.problemId }, { status: 'cancelled', alert: 'none' });
    if (e.orgId) {
      await trx
        .updateTable('rm_directives')
        .set({ cancelled: true })
        .where('campaign_id', '=', e.campaignId)
        .where('directive_id', '=', e.directiveId)
        .where('issuer_org_id', '=', e.orgId)
        .execute();
    }
  },
} satisfies ModelProjections;

/** One page of a list read by offset: at most `limit` rows from `offset`. */
export interface OffsetPage {
  limit: number;
  offset: number;
}

/**
 * A directive's coverage as stored in an org's progress row, as the routes show it:
 * `rectified` (awaiting verification from above) beside `done`, and `lagging`; null when the
 * org's subtree holds none of it.
 */
export function coverageIn(directives: unknown, directiveId: string) {
  const c = ((directives ?? {}) as Record<string, Coverage | undefined>)[directiveId];
  return c ? coverageView(c) : null;
}

/** A directive of the campaign with its issuer's path (null when the issuer left the directory); undefined when there is none. */
export async function directiveWithIssuer(db: Kysely<Database>, campaignId: string, directiveId: string) {
  const directive = await db
    .selectFrom('rm_directives')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .where('directive_id', '=', directiveId)
    .executeTakeFirst();
  if (!directive) return undefined;
  const issuer = await db.selectFrom('orgs').select('path').where('id', '=', directive.issuer_org_id).executeTakeFirst();
  return { directive, issuerPath: issuer?.path ?? null };
}

/** The coverage of every directive known in an org's subtree, as its last progress report gave it (undefined before the org started). */
export async function coverageAt(db: Kysely<Database>, campaignId: string, orgId: string): Promise<unknown> {
  const progress = await db
    .selectFrom('rm_org_progress')
    .select('directives')
    .where('campaign_id', '=', campaignId)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  return progress?.directives;
}

/**
 * The targeted orgs in a subtree whose item of the directive is neither done nor rectified
 * (cancelled ones neither), in tree order, each named (an org a later import removed keeps
 * its row, named by its id).
 */
export function laggingPage(db: Kysely<Database>, q: { campaignId: string; directiveId: string; path: string } & OffsetPage) {
  return (
    db
      .selectFrom('rm_problems as p')
      .leftJoin('orgs as o', 'o.id', 'p.org_id')
      .select([
        'p.org_id',
        sql<string>`coalesce(o.name, p.org_id)`.as('name'),
        'p.status',
        'p.deadline',
        'p.alert',
        sql<boolean>`p.alert = 'red'`.as('overdue'),
      ])
      .where('p.campaign_id', '=', q.campaignId)
      .where('p.directive_id', '=', q.directiveId)
      .where('p.path', 'like', subtreePattern(q.path))
      // Rectified and awaiting verification from above: its part is done (coverage counts it as `rectified`), so not lagging.
      .where('p.status', 'not in', ['closed', 'cancelled', 'rectified'])
      .orderBy('p.path')
      .limit(q.limit)
      .offset(q.offset)
      .execute()
  );
}

/** The directives an org received: each with the org's item of it, by directive id. */
export function receivedPage(db: Kysely<Database>, q: { campaignId: string; orgId: string } & OffsetPage) {
  return db
    .selectFrom('rm_problems as p')
    .innerJoin('rm_directives as d', (j) => j.onRef('d.campaign_id', '=', 'p.campaign_id').onRef('d.directive_id', '=', 'p.directive_id'))
    .select(['d.directive_id', 'd.kind', 'd.issuer_org_id', 'd.title', 'd.instructions', 'd.deadline', 'd.cancelled', 'p.problem_id', 'p.status', 'p.alert'])
    .where('p.campaign_id', '=', q.campaignId)
    .where('p.org_id', '=', q.orgId)
    .orderBy('d.directive_id')
    .limit(q.limit)
    .offset(q.offset)
    .execute();
}

/** The directives an org issued, by id, each with its coverage in the org's subtree. */
export async function issuedPage(db: Kysely<Database>, q: { campaignId: string; orgId: string } & OffsetPage) {
  const [rows, directives] = await Promise.all([
    db
      .selectFrom('rm_directives')
      .selectAll()
      .where('campaign_id', '=', q.campaignId)
      .where('issuer_org_id', '=', q.orgId)
      .orderBy('directive_id')
      .limit(q.limit)
      .offset(q.offset)
      .execute(),
    coverageAt(db, q.campaignId, q.orgId),
  ]);
  return rows.map((r) => ({ ...r, coverage: coverageIn(directives, r.directive_id) }));
}

/** 为基层减负: what an org has sent and had refused this week (UTC+8), against its cap (null: not capped). */
export async function informationRequestsThisWeek(db: Kysely<Database>, campaignId: string, orgId: string, nowMs: number) {
  const week = chinaWeek(nowMs);
  const from = new Date(nextWeekStartMs(week) - 7 * 86_400_000);
  const [campaign, org, sent, refused] = await Promise.all([
    db.selectFrom('rm_campaigns').select('rules').where('id', '=', campaignId).executeTakeFirst(),
    db.selectFrom('rm_org_progress').select('level').where('campaign_id', '=', campaignId).where('org_id', '=', orgId).executeTakeFirst(),
    db
      .selectFrom('rm_directives')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('campaign_id', '=', campaignId)
      .where('issuer_org_id', '=', orgId)
      .where('kind', '=', 'information_request')
      .where('issued_at', '>=', from)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('rm_information_request_refusals')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('campaign_id', '=', campaignId)
      .where('org_id', '=', orgId)
      .where('week', '=', week)
      .executeTakeFirstOrThrow(),
  ]);
  const rules = Rules.safeParse(campaign?.rules ?? {});
  const cap = rules.success && org ? (informationRequestCap(rules.data, org.level as Level) ?? null) : null;
  return { week, cap, sent: Number(sent.n), refused: Number(refused.n) };
}

/** The campaign's rules as stored (unchecked); undefined when there is no such campaign. */
export async function campaignRules(db: Kysely<Database>, campaignId: string): Promise<unknown> {
  return (await db.selectFrom('rm_campaigns').select('rules').where('id', '=', campaignId).executeTakeFirst())?.rules;
}

/** The caps of each level set by the campaign's rules (`informationRequestsPerWeek`); null when none is set or the rules do not read. */
export function informationRequestCaps(rules: unknown) {
  const parsed = Rules.safeParse(rules);
  return (parsed.success && parsed.data.informationRequestsPerWeek) || null;
}

type WeekLevelCount = { week: string; level: string; n: string | number | bigint };

/** Requests for information sent and refused, one row per week and level: the latest week first, its levels in order. */
export function byWeekAndLevel(sent: readonly WeekLevelCount[], refused: readonly WeekLevelCount[]) {
  const byWeek = new Map<string, { week: string; level: string; sent: number; refused: number }>();
  for (const r of sent) byWeek.set(`${r.week} ${r.level}`, { week: r.week, level: r.level, sent: Number(r.n), refused: 0 });
  for (const r of refused) {
    const row = byWeek.get(`${r.week} ${r.level}`) ?? { week: r.week, level: r.level, sent: 0, refused: 0 };
    row.refused = Number(r.n);
    byWeek.set(`${r.week} ${r.level}`, row);
  }
  return [...byWeek.values()].sort((a, b) => (a.week === b.week ? a.level.localeCompare(b.level) : b.week.localeCompare(a.week)));
}

/**
 * Requests for information in a subtree (weeks Monday to Sunday in UTC+8, named by their
 * Monday): the counts sent and refused by week and level ({@link byWeekAndLevel}), and a
 * page of the refusals, newest first.
 */
export async function informationRequestsIn(db: Kysely<Database>, q: { campaignId: string; path: string; week?: string | undefined } & OffsetPage) {
  const { campaignId, path, week } = q;
  const weekOf = sql<string>`to_char(date_trunc('week', (d.issued_at at time zone 'UTC') + interval '8 hours'), 'YYYY-MM-DD')`;
  const refusalsInSubtree = () =>
    db
      .selectFrom('rm_information_request_refusals as r')
      .innerJoin('rm_org_progress as o', (j) => j.onRef('o.campaign_id', '=', 'r.campaign_id').onRef('o.org_id', '=', 'r.org_id'))
      .where('r.campaign_id', '=', campaignId)
      .where('o.path', 'like', subtreePattern(path))
      .$if(week !== undefined, (s) => s.where('r.week', '=', week!));
  const [sent, refused, refusals] = await Promise.all([
    db
      .selectFrom('rm_directives as d')
      .innerJoin('rm_org_progress as o', (j) => j.onRef('o.campaign_id', '=', 'd.campaign_id').onRef('o.org_id', '=', 'd.issuer_org_id'))
      .select([weekOf.as('week'), 'o.level', (eb) => eb.fn.countAll<string>().as('n')])
      .where('d.campaign_id', '=', campaignId)
      .where('d.kind', '=', 'information_request')
      .where('o.path', 'like', subtreePattern(path))
      .$if(week !== undefined, (s) => s.where(weekOf, '=', week!))
      .groupBy([weekOf, 'o.level'])
      .execute(),
    refusalsInSubtree()
      .select(['r.week', 'r.level', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy(['r.week', 'r.level'])
      .execute(),
    refusalsInSubtree()
      .select(['r.org_id', 'r.level', 'r.week', 'r.cap', 'r.sent', 'r.directive_id', 'r.title', 'r.by', 'r.refused_at'])
      .orderBy('r.refused_at', 'desc')
      .orderBy('r.event_id')
      .limit(q.limit)
      .offset(q.offset)
      .execute(),
  ]);
  return { byWeek: byWeekAndLevel(sent, refused), refusals };
}

/** A directive's coverage tree at an org: the org's own progress row and a page of its children's, by id; `self` undefined when the campaign has not reached the org. */
export async function coverageTree(db: Kysely<Database>, q: { campaignId: string; orgId: string } & OffsetPage) {
  const progress = () => db.selectFrom('rm_org_progress').select(['org_id', 'name', 'level', 'directives']).where('campaign_id', '=', q.campaignId);
  const [self, children] = await Promise.all([
    progress().where('org_id', '=', q.orgId).executeTakeFirst(),
    progress().where('parent_id', '=', q.orgId).orderBy('org_id').limit(q.limit).offset(q.offset).execute(),
  ]);
  return { self, children };
}
