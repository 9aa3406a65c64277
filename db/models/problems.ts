/**
 * The ledger (问题清单 / 整改台账, `rm_problems`): one row per problem an org recorded, through
 * its rectification (planned, in progress, rectified, returned, verified and closed),
 * deadline alerts and extensions, disclosure (公示) and the links other protocols make to it
 * (a directive, a joint answer's part, a public message). Fed by `ProblemRecorded`, the
 * `Rectification*` events, `DeadlineExtended`, `DeadlineAlert`, `ProblemsDisclosed`,
 * `JointPartAccepted` and `PublicMessageAccepted` (the directives model writes `DirectiveReceived`
 * and `DirectiveCancelled` here through {@link updateProblem}). An item's history is read from
 * the event store (`problemEvents` in db/event-store.ts, asked for {@link HISTORY_TYPES}),
 * each event shown by its {@link HISTORY_FIELDS}. The spot checks (activities/inspections.ts)
 * and the reports (activities/reports.ts) read it too.
 *
 * An item's colour is its alert while it is worked on (planned or in progress): red overdue,
 * yellow due soon; an item found, rectified, closed or cancelled shows none, whatever alert it
 * last had (a closed item that was once late is not overdue), as `GET …/overdue` and the org's
 * figures count them.
 *
 * The subtree ledger is one indexed query: `rm_problems_subtree_idx` holds `(campaign_id,
 * path collate "C", problem_id)`, so the subtree is a range of it and a page is read in its
 * order, after the keyset of the page before (the last row's path and item id): no whole
 * subtree is read or sorted for one page, and rows recorded meanwhile neither repeat nor skip.
 *
 * The rest: the lifecycle's decisions in domain/ (rectification), the org actions in
 * workflows/messages.ts, routes in api/routes/ledger.ts; tests in test/rectification/ledger.test.ts
 * and test/console/ledger.test.ts.
 *
 * @example
 * const rows = await listLedger(db, 'tj-2019', '/tj/tj-d1/', { colour: 'red' }, undefined, 51);
 * const events = await problemEvents(db, 'tj-2019', 'tj-d1-u1-b1', 'p1', HISTORY_TYPES);
 */
import { sql, type Kysely, type UpdateObject } from 'kysely';
import type { DomainEvent } from '../../domain/events.js';
import { subtreePattern } from '../../domain/org-tree.js';
import type { Database } from '../schema.js';
import { ofOrg, type ModelProjections, type Trx } from './projection.js';

/** Sets these fields of the event's item (in the event's org and campaign), stamped with the event's time. */
export function updateProblem(trx: Trx, e: DomainEvent & { problemId: string }, set: UpdateObject<Database, 'rm_problems'>) {
  return trx
    .updateTable('rm_problems')
    .set({ ...set, updated_at: e.occurredAt })
    .where(ofOrg(e))
    .where('problem_id', '=', e.problemId)
    .execute();
}

export const problemProjections = {
  ProblemRecorded: (trx, e) =>
    trx
      .insertInto('rm_problems')
      .values({
        campaign_id: e.campaignId,
        org_id: e.orgId!,
        problem_id: e.problemId,
        source: e.source,
        category: e.category,
        description: e.description,
        status: 'found',
        immediate: e.immediate,
        project_ref: e.projectRef,
        meeting_id: e.meetingId,
        path: (eb) => eb.selectFrom('rm_org_progress').select('path').where('campaign_id', '=', e.campaignId).where('org_id', '=', e.orgId!),
        recorded_at: e.occurredAt,
        updated_at: e.occurredAt,
      })
      .onConflict((oc) => oc.columns(['campaign_id', 'org_id', 'problem_id']).doNothing())
      .execute(),
  RectificationPlanned: (trx, e) => updateProblem(trx, e, { status: 'planned', owner: e.owner, measures: e.measures, deadline: e.deadline }),
  RectificationStarted: (trx, e) => updateProblem(trx, e, { status: 'in_progress' }),
  RectificationSubmitted: (trx, e) =>
    updateProblem(trx, e, { status: 'rectified', evidence: e.evidence, attachments: JSON.stringify(e.attachments), rectified_by: e.by }),
  RectificationReturned: (trx, e) => updateProblem(trx, e, { status: 'in_progress', return_reason: e.reason, returns: sql<number>`returns + 1` }),
  RectificationVerified: (trx, e) => updateProblem(trx, e, { status: 'closed', verified_by: e.by, result: e.note, closed_at: e.occurredAt, alert: 'none' }),
  DeadlineExtended: (trx, e) => updateProblem(trx, e, { deadline: e.to, extended_from: e.from, extension_reason: e.reason, alert: 'none' }),
  DeadlineAlert: (trx, e) => updateProblem(trx, e, { alert: e.alert }),
  ProblemsDisclosed: (trx, e) =>
    trx.updateTable('rm_problems').set({ disclosed_on: e.date, updated_at: e.occurredAt }).where(ofOrg(e)).where('problem_id', 'in', e.problemIds).execute(),
  JointPartAccepted: (trx, e) => updateProblem(trx, e, { joint_id: e.jointId }),
  PublicMessageAccepted: (trx, e) => updateProblem(trx, e, { public_message_id: e.messageId }),
} satisfies ModelProjections;

export const ITEM_COLOURS = ['red', 'yellow', 'none'] as const;
export type ItemColour = (typeof ITEM_COLOURS)[number];

const LIVE = ['planned', 'in_progress'];
const C_PATH = sql<string>`p.path collate "C"`;
const COLOUR = sql<ItemColour>`case when p.status in ('planned', 'in_progress') then p.alert else 'none' end`;

/** Whose items a list holds: the org's own, or its whole subtree's (the org's `path`). */
export interface ProblemsOf {
  campaignId: string;
  orgId: string;
  path: string;
  scope: 'org' | 'subtree';
  status?: string | undefined;
}

/**
 * The items of an org or its subtree, optionally of one status, by org, then recording time
 * and id: all of them (the CSV), or a page (`limit` rows from `offset`).
 */
export function listProblems(db: Kysely<Database>, of: ProblemsOf, page?: { limit: number; offset: number }) {
  let query = db.selectFrom('rm_problems').selectAll().where('campaign_id', '=', of.campaignId);
  query = of.scope === 'subtree' ? query.where('path', 'like', subtreePattern(of.path)) : query.where('org_id', '=', of.orgId);
  if (of.status) query = query.where('status', '=', of.status);
  query = query.orderBy('org_id').orderBy('recorded_at').orderBy('problem_id');
  return (page ? query.limit(page.limit).offset(page.offset) : query).execute();
}

export interface LedgerFilter {
  status?: string | undefined;
  colour?: ItemColour | undefined;
  source?: string | undefined;
  level?: string | undefined;
}

/** The keyset of a row: its org's path and its item id. */
export type LedgerKey = [string, string];

/** A page of the subtree's items after `after`, in tree order (an org before those below it), at most `limit` rows, each naming its org. */
export async function listLedger(db: Kysely<Database>, campaignId: string, path: string, filter: LedgerFilter, after: LedgerKey | undefined, limit: number) {
  let q = db
    .selectFrom('rm_problems as p')
    .innerJoin('orgs as o', 'o.id', 'p.org_id')
    .select([
      'p.campaign_id',
      'p.org_id',
      'o.name as org_name',
      'o.level as org_level',
      'p.path',
      'p.problem_id',
      'p.source',
      'p.category',
      'p.description',
      'p.status',
      'p.owner',
      'p.measures',
      'p.deadline',
      'p.extended_from',
      'p.alert',
      COLOUR.as('colour'),
      'p.returns',
      'p.immediate',
      'p.recorded_at',
      'p.closed_at',
    ])
    .where('p.campaign_id', '=', campaignId)
    .where(sql<boolean>`${C_PATH} like ${subtreePattern(path)}`);
  if (filter.status) q = q.where('p.status', '=', filter.status);
  if (filter.source) q = q.where('p.source', '=', filter.source);
  if (filter.level) q = q.where('o.level', '=', filter.level as 'city');
  if (filter.colour === 'none') q = q.where((eb) => eb.or([eb('p.alert', '=', 'none'), eb('p.status', 'not in', LIVE)]));
  else if (filter.colour) q = q.where('p.alert', '=', filter.colour).where('p.status', 'in', LIVE);
  if (after) q = q.where(sql<boolean>`(${C_PATH}, p.problem_id) > (${after[0]}, ${after[1]})`);
  return q.orderBy(C_PATH).orderBy('p.problem_id').limit(limit).execute();
}

/** One item with its org's name and level and its colour, or undefined. */
export function readItem(db: Kysely<Database>, campaignId: string, orgId: string, problemId: string) {
  return db
    .selectFrom('rm_problems as p')
    .innerJoin('orgs as o', 'o.id', 'p.org_id')
    .selectAll('p')
    .select(['o.name as org_name', 'o.level as org_level', COLOUR.as('colour')])
    .where('p.campaign_id', '=', campaignId)
    .where('p.org_id', '=', orgId)
    .where('p.problem_id', '=', problemId)
    .executeTakeFirst();
}

/**
 * The kinds of event that make an item's history, as its org's workflow recorded them; and
 * the fields of each that a reader of the item may see (no contact details, no texts of
 * other items).
 */
export const HISTORY_TYPES = [
  'ProblemRecorded',
  'RectificationPlanned',
  'RectificationStarted',
  'RectificationSubmitted',
  'RectificationVerified',
  'RectificationReturned',
  'DeadlineAlert',
  'DeadlineExtended',
  'ProblemsDisclosed',
  'ProblemEscalated',
  'EscalationProgress',
  'EscalationClaimed',
  'DirectiveReceived',
  'DirectiveCancelled',
  'PublicMessageRouted',
  'JointPartAccepted',
] as const;
export const HISTORY_FIELDS = [
  'source',
  'category',
  'description',
  'immediate',
  'owner',
  'measures',
  'deadline',
  'evidence',
  'attachments',
  'reason',
  'note',
  'from',
  'to',
  'alert',
  'date',
  'escalationId',
  'targetOrgId',
  'status',
  'atOrgId',
  'detail',
  'merged',
  'directiveId',
  'issuerOrgId',
  'messageId',
  'jointId',
  'by',
] as const;

/** The campaign's red items still planned or in progress (overdue, not yet done). */
function openRedItems(db: Kysely<Database>, campaignId: string) {
  return db.selectFrom('rm_problems').where('campaign_id', '=', campaignId).where('alert', '=', 'red').where('status', 'in', ['planned', 'in_progress']);
}

/** A page of the subtree's red items still planned or in progress, earliest deadline first (`limit` rows from `offset`). */
export function listOverdueItems(db: Kysely<Database>, campaignId: string, path: string, limit: number, offset: number) {
  return openRedItems(db, campaignId)
    .select(['org_id', 'problem_id', 'category', 'description', 'owner', 'deadline', 'extended_from', 'status', 'path'])
    .where('path', 'like', subtreePattern(path))
    .orderBy('deadline')
    .orderBy('org_id')
    .orderBy('problem_id')
    .limit(limit)
    .offset(offset)
    .execute();
}

/**
 * The escalations red in the subtree and still waiting for a claim: the first `listed` by
 * claim deadline, and how many there are. Read here for the overdue view (GET …/overdue)
 * beside the red items; the rows are the escalations model's (`rm_escalations`, db/models/escalations.ts).
 */
export async function redEscalations(db: Kysely<Database>, campaignId: string, path: string, listed: number) {
  const red = () =>
    db
      .selectFrom('rm_escalations as e')
      .innerJoin('rm_org_progress as o', (j) => j.onRef('o.campaign_id', '=', 'e.target_campaign_id').onRef('o.org_id', '=', 'e.current_org_id'))
      .where('e.target_campaign_id', '=', campaignId)
      .where('o.path', 'like', subtreePattern(path))
      .where('e.overdue_at', 'is not', null)
      .where('e.target_status', '=', 'pending');
  const [items, total] = await Promise.all([
    red()
      .select([
        'e.escalation_id',
        'e.current_org_id as org_id',
        'o.name as org_name',
        'e.origin_org_id',
        'e.category',
        'e.description',
        'e.reason',
        'e.hop',
        'e.claim_deadline',
        'e.overdue_at',
        'e.lapses',
      ])
      .orderBy('e.claim_deadline')
      .orderBy('e.escalation_id')
      .limit(listed)
      .execute(),
    red()
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return { total: Number(total.n), items };
}

/** What the org disclosed (公示), by date of disclosure, then item id. */
export function listDisclosed(db: Kysely<Database>, campaignId: string, orgId: string) {
  return db
    .selectFrom('rm_problems')
    .select(['disclosed_on', 'problem_id', 'category', 'description', 'result', 'immediate'])
    .where('campaign_id', '=', campaignId)
    .where('org_id', '=', orgId)
    .where('disclosed_on', 'is not', null)
    .orderBy('disclosed_on')
    .orderBy('problem_id')
    .execute();
}

/** These orgs' ledger items (source, description, the project each belongs to), by item id. */
export function problemsOf(db: Kysely<Database>, campaignId: string, orgIds: readonly string[]) {
  return db
    .selectFrom('rm_problems')
    .select(['org_id', 'problem_id', 'source', 'description', 'project_ref'])
    .where('campaign_id', '=', campaignId)
    .where('org_id', 'in', [...orgIds])
    .orderBy('problem_id')
    .execute();
}

/** Every item of the campaign with its status, alert and the level of the org that holds it (items of orgs not reached left out). */
export function itemsWithLevels(db: Kysely<Database>, campaignId: string) {
  return db
    .selectFrom('rm_problems as p')
    .innerJoin('rm_org_progress as o', (j) => j.onRef('o.campaign_id', '=', 'p.campaign_id').onRef('o.org_id', '=', 'p.org_id'))
    .select(['o.level', 'p.status', 'p.alert'])
    .where('p.campaign_id', '=', campaignId)
    .execute();
}

/** The campaign's first `limit` red items still planned or in progress, earliest deadline first (then by org and item). */
export function overdueItemsOf(db: Kysely<Database>, campaignId: string, limit: number) {
  return openRedItems(db, campaignId)
    .select(['org_id', 'problem_id', 'category', 'owner', 'deadline'])
    .orderBy('deadline')
    .orderBy('org_id')
    .orderBy('problem_id')
    .limit(limit)
    .execute();
}
