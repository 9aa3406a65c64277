/**
 * The ledger (整改台账) across an org's subtree, from the read model (`rm_problems`), and an
 * item's whole history from the event store. Each row names its org (id, name, level).
 *
 * The subtree list is one indexed query: `rm_problems_subtree_idx` holds `(campaign_id,
 * path collate "C", problem_id)`, so the subtree is a range of it and a page is read in its
 * order, after the keyset of the page before (the last row's path and item id): no whole
 * subtree is read or sorted for one page, and rows recorded meanwhile neither repeat nor skip.
 *
 * An item's colour is its alert while it is worked on (planned or in progress): red overdue,
 * yellow due soon; an item found, rectified, closed or cancelled shows none, whatever alert it
 * last had (a closed item that was once late is not overdue), as `GET …/overdue` and the org's
 * figures count them.
 *
 * @example
 * const rows = await listLedger(db, 'tj-2019', '/tj/tj-d1/', { colour: 'red' }, undefined, 51);
 * const history = await itemHistory(db, 'tj-2019', 'tj-d1-u1-b1', 'p1');
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { orgWorkflowId } from '../../domain/workflow-ids.js';
import { subtreePattern } from '../../domain/org-tree.js';

export const ITEM_COLOURS = ['red', 'yellow', 'none'] as const;
export type ItemColour = (typeof ITEM_COLOURS)[number];

export interface LedgerFilter {
  status?: string | undefined;
  colour?: ItemColour | undefined;
  source?: string | undefined;
  level?: string | undefined;
}

/** The keyset of a row: its org's path and its item id. */
export type LedgerKey = [string, string];

const LIVE = ['planned', 'in_progress'];
const C_PATH = sql<string>`p.path collate "C"`;

/** A page of the subtree's items after `after`, in tree order (an org before those below it), at most `limit` rows. */
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
      sql<ItemColour>`case when p.status in ('planned', 'in_progress') then p.alert else 'none' end`.as('colour'),
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

/** One item with its org's name and level, or undefined. */
export function readItem(db: Kysely<Database>, campaignId: string, orgId: string, problemId: string) {
  return db
    .selectFrom('rm_problems as p')
    .innerJoin('orgs as o', 'o.id', 'p.org_id')
    .selectAll('p')
    .select(['o.name as org_name', 'o.level as org_level', sql<ItemColour>`case when p.status in ('planned', 'in_progress') then p.alert else 'none' end`.as('colour')])
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
  'source', 'category', 'description', 'immediate', 'owner', 'measures', 'deadline', 'evidence', 'attachments', 'reason', 'note', 'from', 'to', 'alert', 'date',
  'escalationId', 'targetOrgId', 'status', 'atOrgId', 'detail', 'merged', 'directiveId', 'issuerOrgId', 'messageId', 'jointId', 'by',
] as const;
export type HistoryValue = string | number | boolean | null | string[];

/** The item's events, oldest first (one org's stream, filtered to the item: at most a few hundred rows). */
export async function itemHistory(db: Kysely<Database>, campaignId: string, orgId: string, problemId: string) {
  const rows = await db
    .selectFrom('events')
    .select(['stream_seq', 'type', 'occurred_at', 'payload'])
    .where('stream_id', '=', orgWorkflowId(campaignId, orgId))
    .where('type', 'in', [...HISTORY_TYPES])
    .where((eb) => eb.or([eb(sql`payload->>'problemId'`, '=', problemId), eb(sql`payload->'problemIds'`, '?', problemId)]))
    .orderBy('stream_seq')
    .execute();
  return rows.map((r) => {
    const payload = r.payload as Record<string, unknown>;
    const fields: Record<string, HistoryValue> = {};
    for (const f of HISTORY_FIELDS) {
      const v = payload[f];
      if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fields[f] = v;
      else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) fields[f] = v as string[];
    }
    return { seq: r.stream_seq, type: r.type as (typeof HISTORY_TYPES)[number], occurredAt: new Date(r.occurred_at).toISOString(), fields };
  });
}
