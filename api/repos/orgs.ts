/**
 * The org directory in the database: applying an import (diff, refusal under running
 * campaigns, batched writes, all in one transaction) and reading it in keyset pages.
 *
 * @example
 * const result = await importOrgTree(db, validated, principal); // { root, created, updated, moved, removed, unchanged }
 * const page = await listChildren(db, 'tj-d1', undefined, 100);
 */
import { sql, type Kysely } from 'kysely';
import type { Database, OrgRow } from '../../db/schema.js';
import { diffOrgTree, placeTree, subtreePattern, type StoredOrg, type TreeError, type ValidOrg } from '../../domain/org-tree.js';
import type { Principal } from '../auth.js';
import { conflict, forbidden, ProblemError, type FieldError } from '../problem.js';

/** Rows per statement: 1,000 rows of 8 columns stay far below PostgreSQL's 65,535 parameters. */
const BATCH = 1000;
/** Ids per `in (…)` lookup. */
const LOOKUP = 5000;
/** How many affected orgs a refusal lists; the total is always given. */
const LISTED = 1000;

/** What an import changed, as POST /orgs/import answers it. */
export interface ImportResult {
  root: string;
  created: number;
  updated: number;
  moved: number;
  removed: number;
  unchanged: number;
}

/** 422 listing every error in a submitted tree, each `{ path, message }` (see {@link fieldErrorOf}). */
export const invalidTree = (errors: TreeError[]) =>
  new ProblemError(422, 'Unprocessable Content', `the tree has ${errors.length} error${errors.length > 1 ? 's' : ''}`, { errors: errors.map(fieldErrorOf) });

/**
 * A tree error in the one shape every error of the API has, `{ path, message }` (it was
 * `{ row, field, message }` for the import alone, which a client had to read apart):
 * - in a CSV, `row 12.name`: the row as a spreadsheet numbers it (the header is row 1) and
 *   the column; `row 12` alone for the row as a whole (wrong field count, bad quoting) and
 *   `row 1` for the header;
 * - in JSON, the JSON path under `body` as for every other body: `body.children[3].name`,
 *   `body` for the body as a whole;
 * - an error of the tree rather than of one place in it (the root's level where the
 *   directory holds it, an org taken from elsewhere) names the field under `body`.
 */
export function fieldErrorOf(e: TreeError): FieldError {
  if (e.row !== undefined) return { path: ['row', 'csv', 'header'].includes(e.field) ? `row ${e.row}` : `row ${e.row}.${e.field}`, message: e.message };
  if (e.path !== undefined) return { path: e.path === '(root)' ? 'body' : `body.${e.path}`, message: e.message };
  return { path: e.field === 'body' ? 'body' : `body.${e.field}`, message: e.message };
}

/**
 * Applies a validated tree as the whole tree under its root: a root already in the
 * directory keeps its parent and place among its siblings; what was stored under it and
 * is absent from the import is removed. Refused (nothing changes) when an org whose place
 * changes lies under a running or closing campaign's root.
 */
export async function importOrgTree(db: Kysely<Database>, submitted: readonly ValidOrg[], caller: Principal): Promise<ImportResult> {
  return db.transaction().execute(async (trx) => {
    // Two imports diffing against the same rows at once would each apply a stale diff.
    await sql`select pg_advisory_xact_lock(hashtext('orgs/import'))`.execute(trx);
    const stored = new Map<string, StoredOrg>();
    for (let i = 0; i < submitted.length; i += LOOKUP) {
      const ids = submitted.slice(i, i + LOOKUP).map((o) => o.id);
      for (const row of await trx.selectFrom('orgs').selectAll().where('id', 'in', ids).execute()) stored.set(row.id, fromRow(row));
    }
    const storedRoot = stored.get(submitted[0]!.id);
    const parent = storedRoot?.parentId ? await trx.selectFrom('orgs').selectAll().where('id', '=', storedRoot.parentId).executeTakeFirst() : undefined;
    const placed = placeTree(
      submitted,
      parent ? { parentId: parent.id, parentLevel: parent.level, parentPath: parent.path, parentDepth: parent.depth, position: storedRoot!.position } : null,
    );
    if (placed.errors.length) throw invalidTree(placed.errors);
    const under = storedRoot ? (await trx.selectFrom('orgs').selectAll().where('path', 'like', subtreePattern(storedRoot.path)).execute()).map(fromRow) : [];
    const importedIds = new Set(submitted.map((o) => o.id));
    await refuseOutsiders(trx, [...stored.values()].filter((o) => !storedRoot || !o.path.startsWith(storedRoot.path)), importedIds, caller);

    const diff = diffOrgTree(placed.orgs, stored, under);
    await refuseUnderRunningCampaigns(trx, diff.displaced);
    for (let i = 0; i < diff.removed.length; i += BATCH) {
      await trx.deleteFrom('orgs').where('id', 'in', diff.removed.slice(i, i + BATCH).map((o) => o.id)).execute();
    }
    for (let i = 0; i < diff.writes.length; i += BATCH) await upsert(trx, diff.writes.slice(i, i + BATCH));
    return { root: placed.orgs[0]!.id, created: diff.created, updated: diff.updated, moved: diff.moved, removed: diff.removed.length, unchanged: diff.unchanged };
  });
}

function upsert(trx: Kysely<Database>, orgs: readonly ValidOrg[]) {
  return trx
    .insertInto('orgs')
    .values(orgs.map((o) => ({ id: o.id, parent_id: o.parentId, level: o.level, kind: o.kind, name: o.name, path: o.path, depth: o.depth, position: o.position })))
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => ({
        parent_id: eb.ref('excluded.parent_id'),
        level: eb.ref('excluded.level'),
        kind: eb.ref('excluded.kind'),
        name: eb.ref('excluded.name'),
        path: eb.ref('excluded.path'),
        depth: eb.ref('excluded.depth'),
        position: eb.ref('excluded.position'),
      })),
    )
    .execute();
}

/**
 * A running campaign has a workflow per org, keyed by the org and placed by its path:
 * moving, removing or re-levelling an org under its root (or moving one in) would leave
 * the workflows and the directory disagreeing.
 */
async function refuseUnderRunningCampaigns(trx: Kysely<Database>, displaced: { id: string; paths: string[] }[]): Promise<void> {
  if (displaced.length === 0) return;
  const running = await trx
    .selectFrom('rm_campaigns')
    .innerJoin('orgs', 'orgs.id', 'rm_campaigns.root_org_id')
    .select(['rm_campaigns.id', 'orgs.path'])
    .where('rm_campaigns.status', 'in', ['running', 'closing'])
    .orderBy('rm_campaigns.id')
    .execute();
  if (running.length === 0) return;
  const campaigns = new Set<string>();
  const affected: string[] = [];
  for (const org of displaced) {
    const covering = running.filter((c) => org.paths.some((p) => p.startsWith(c.path)));
    if (covering.length === 0) continue;
    affected.push(org.id);
    for (const c of covering) campaigns.add(c.id);
  }
  if (affected.length === 0) return;
  throw conflict(`the import moves, removes or re-levels ${affected.length} org(s) that a running campaign covers; nothing was changed`, {
    affectedOrgs: affected.slice(0, LISTED),
    affectedTotal: affected.length,
    campaigns: [...campaigns],
  });
}

/**
 * Orgs the import takes from elsewhere in the directory: the caller must be allowed to
 * act where they stand now, and they must bring their stored children along, or those
 * children would be left pointing at a parent that has moved away.
 */
async function refuseOutsiders(trx: Kysely<Database>, outsiders: StoredOrg[], importedIds: Set<string>, caller: Principal): Promise<void> {
  if (outsiders.length === 0) return;
  const beyond = outsiders.filter((o) => !o.path.startsWith(caller.orgPath));
  if (beyond.length) {
    throw forbidden(`the import moves orgs from outside the caller’s subtree: ${beyond.slice(0, 20).map((o) => o.id).join(', ')}${beyond.length > 20 ? ` and ${beyond.length - 20} more` : ''}`);
  }
  const left = new Map<string, string[]>();
  for (let i = 0; i < outsiders.length; i += LOOKUP) {
    const ids = outsiders.slice(i, i + LOOKUP).map((o) => o.id);
    for (const child of await trx.selectFrom('orgs').select(['id', 'parent_id']).where('parent_id', 'in', ids).execute()) {
      if (!importedIds.has(child.id)) left.set(child.parent_id!, [...(left.get(child.parent_id!) ?? []), child.id]);
    }
  }
  if (left.size === 0) return;
  throw invalidTree(
    [...left].slice(0, LISTED).map(([id, children]) => ({
      field: 'id',
      message: `${id} stands elsewhere in the directory with children not in this import (${children.slice(0, 5).join(', ')}${children.length > 5 ? ', …' : ''}); moving it here would leave them without their parent`,
    })),
  );
}

function fromRow(row: OrgRow): StoredOrg {
  return { id: row.id, parentId: row.parent_id, level: row.level, kind: row.kind, name: row.name, path: row.path, depth: row.depth, position: row.position };
}

/** One org with its child count and subtree size (itself included); undefined when there is no such org. */
export async function readOrg(db: Kysely<Database>, id: string) {
  const org = await db.selectFrom('orgs').selectAll().where('id', '=', id).executeTakeFirst();
  if (!org) return undefined;
  const children = await db.selectFrom('orgs').select((eb) => eb.fn.countAll<string>().as('n')).where('parent_id', '=', org.id).executeTakeFirstOrThrow();
  const subtree = await db.selectFrom('orgs').select((eb) => eb.fn.countAll<string>().as('n')).where('path', 'like', subtreePattern(org.path)).executeTakeFirstOrThrow();
  return { ...org, childCount: Number(children.n), subtreeSize: Number(subtree.n) };
}

/** Children in sibling order, after the `(position, id)` of the previous page's last. */
export function listChildren(db: Kysely<Database>, parentId: string, after: readonly [number, string] | undefined, limit: number): Promise<OrgRow[]> {
  let q = db.selectFrom('orgs').selectAll().where('parent_id', '=', parentId);
  if (after) q = q.where((eb) => eb(eb.refTuple('position', 'id'), '>', eb.tuple(after[0], after[1])));
  return q.orderBy('position').orderBy('id').limit(limit).execute();
}

/** The subtree in path order (a parent before its children), after the previous page's last path. */
export function listSubtree(db: Kysely<Database>, path: string, level: string | undefined, after: string | undefined, limit: number): Promise<OrgRow[]> {
  let q = db.selectFrom('orgs').selectAll().where('path', 'like', subtreePattern(path));
  if (level) q = q.where('level', '=', level as OrgRow['level']);
  if (after !== undefined) q = q.where('path', '>', after);
  return q.orderBy('path').limit(limit).execute();
}
