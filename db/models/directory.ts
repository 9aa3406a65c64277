/**
 * The org directory (`orgs`): the tree every campaign runs over, city → district → unit →
 * branch, each org with its materialised path (a subtree is a prefix). A source of truth,
 * not a projection: no event writes it; an import (POST /orgs/import) replaces the tree
 * under a root. Here: applying an import (diff, refusals, batched writes, all in one
 * transaction) and every read of the tree the API and the activities make.
 *
 * The rest: the tree's rules (validation, placing, diffing) in domain/org-tree.ts; routes in
 * api/routes/orgs.ts (and the access check in api/auth.ts); the cascade's pages of children
 * in activities/org-fanout.ts; tests in test/api/orgs.test.ts.
 *
 * @example
 * const result = await importOrgTree(db, validated, caller.orgPath); // { root, created, updated, moved, removed, unchanged }
 * const page = await listChildren(db, 'tj-d1', undefined, 100);
 */
import { sql, type Kysely } from 'kysely';
import { diffOrgTree, placeTree, subtreePattern, type StoredOrg, type TreeError, type ValidOrg } from '../../domain/org-tree.js';
import type { Database, OrgRow } from '../schema.js';
import { runningCampaignRoots } from './campaigns.js';

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

/**
 * Why an import changed nothing: the tree does not fit where it goes (`invalid`), it takes
 * orgs from outside the caller's subtree (`outside`, every such org), or it displaces orgs a
 * running or closing campaign covers (`covered`: at most 1,000 listed, the total, the campaigns).
 */
export type ImportRefusal =
  | { kind: 'invalid'; errors: TreeError[] }
  | { kind: 'outside'; orgIds: string[] }
  | { kind: 'covered'; affectedOrgs: string[]; affectedTotal: number; campaigns: string[] };

/** Thrown by {@link importOrgTree} (its transaction rolled back); the route words it as a problem. */
export class ImportRefused extends Error {
  constructor(readonly refusal: ImportRefusal) {
    super(`import refused: ${refusal.kind}`);
  }
}

/**
 * Applies a validated tree as the whole tree under its root: a root already in the
 * directory keeps its parent and place among its siblings; what was stored under it and
 * is absent from the import is removed. Refused (nothing changes, {@link ImportRefused}) when
 * an org whose place changes lies under a running or closing campaign's root, or when it
 * takes orgs from outside `callerPath` (`/` for an admin).
 */
export async function importOrgTree(db: Kysely<Database>, submitted: readonly ValidOrg[], callerPath: string): Promise<ImportResult> {
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
    if (placed.errors.length) throw new ImportRefused({ kind: 'invalid', errors: placed.errors });
    const under = storedRoot ? (await trx.selectFrom('orgs').selectAll().where('path', 'like', subtreePattern(storedRoot.path)).execute()).map(fromRow) : [];
    const importedIds = new Set(submitted.map((o) => o.id));
    await refuseOutsiders(
      trx,
      [...stored.values()].filter((o) => !storedRoot || !o.path.startsWith(storedRoot.path)),
      importedIds,
      callerPath,
    );

    const diff = diffOrgTree(placed.orgs, stored, under);
    await refuseUnderRunningCampaigns(trx, diff.displaced);
    for (let i = 0; i < diff.removed.length; i += BATCH) {
      await trx
        .deleteFrom('orgs')
        .where(
          'id',
          'in',
          diff.removed.slice(i, i + BATCH).map((o) => o.id),
        )
        .execute();
    }
    for (let i = 0; i < diff.writes.length; i += BATCH) await upsert(trx, diff.writes.slice(i, i + BATCH));
    return {
      root: placed.orgs[0]!.id,
      created: diff.created,
      updated: diff.updated,
      moved: diff.moved,
      removed: diff.removed.length,
      unchanged: diff.unchanged,
    };
  });
}

function upsert(trx: Kysely<Database>, orgs: readonly ValidOrg[]) {
  return trx
    .insertInto('orgs')
    .values(
      orgs.map((o) => ({ id: o.id, parent_id: o.parentId, level: o.level, kind: o.kind, name: o.name, path: o.path, depth: o.depth, position: o.position })),
    )
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
  const running = await runningCampaignRoots(trx);
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
  throw new ImportRefused({ kind: 'covered', affectedOrgs: affected.slice(0, LISTED), affectedTotal: affected.length, campaigns: [...campaigns] });
}

/**
 * Orgs the import takes from elsewhere in the directory: the caller must be allowed to
 * act where they stand now, and they must bring their stored children along, or those
 * children would be left pointing at a parent that has moved away.
 */
async function refuseOutsiders(trx: Kysely<Database>, outsiders: StoredOrg[], importedIds: Set<string>, callerPath: string): Promise<void> {
  if (outsiders.length === 0) return;
  const beyond = outsiders.filter((o) => !o.path.startsWith(callerPath));
  if (beyond.length) throw new ImportRefused({ kind: 'outside', orgIds: beyond.map((o) => o.id) });
  const left = new Map<string, string[]>();
  for (let i = 0; i < outsiders.length; i += LOOKUP) {
    const ids = outsiders.slice(i, i + LOOKUP).map((o) => o.id);
    for (const child of await trx.selectFrom('orgs').select(['id', 'parent_id']).where('parent_id', 'in', ids).execute()) {
      if (!importedIds.has(child.id)) left.set(child.parent_id!, [...(left.get(child.parent_id!) ?? []), child.id]);
    }
  }
  if (left.size === 0) return;
  throw new ImportRefused({
    kind: 'invalid',
    errors: [...left].slice(0, LISTED).map(([id, children]) => ({
      field: 'id',
      message: `${id} stands elsewhere in the directory with children not in this import (${children.slice(0, 5).join(', ')}${children.length > 5 ? ', …' : ''}); moving it here would leave them without their parent`,
    })),
  });
}

function fromRow(row: OrgRow): StoredOrg {
  return { id: row.id, parentId: row.parent_id, level: row.level, kind: row.kind, name: row.name, path: row.path, depth: row.depth, position: row.position };
}

/** The org's materialised path, or undefined when the directory has no such org. */
export async function orgPath(db: Kysely<Database>, id: string): Promise<string | undefined> {
  return (await db.selectFrom('orgs').select('path').where('id', '=', id).executeTakeFirst())?.path;
}

/** The org's name, or undefined when the directory has no such org. */
export async function orgName(db: Kysely<Database>, id: string): Promise<string | undefined> {
  return (await db.selectFrom('orgs').select('name').where('id', '=', id).executeTakeFirst())?.name;
}

/** These orgs' names, levels and paths, in no particular order; ids not in the directory are left out. */
export function orgsByIds(db: Kysely<Database>, ids: readonly string[]): Promise<Pick<OrgRow, 'id' | 'name' | 'level' | 'path'>[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('orgs')
    .select(['id', 'name', 'level', 'path'])
    .where('id', 'in', [...ids])
    .execute();
}

/** One org with its child count and subtree size (itself included); undefined when there is no such org. */
export async function readOrg(db: Kysely<Database>, id: string) {
  const org = await db.selectFrom('orgs').selectAll().where('id', '=', id).executeTakeFirst();
  if (!org) return undefined;
  const children = await db
    .selectFrom('orgs')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('parent_id', '=', org.id)
    .executeTakeFirstOrThrow();
  const subtree = await db
    .selectFrom('orgs')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('path', 'like', subtreePattern(org.path))
    .executeTakeFirstOrThrow();
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

/**
 * The cascade's page of orgs to start: the root alone (`parentId` null), or a parent's
 * children in sibling order after `(position, id)`, each with its own child count. At most
 * `limit` rows (ask one more to learn whether a page follows).
 */
export function childrenWithCounts(
  db: Kysely<Database>,
  parentId: string | null,
  rootOrgId: string,
  after: readonly [number, string] | undefined,
  limit: number,
) {
  let q = db
    .selectFrom('orgs')
    .select(['id', 'parent_id', 'level', 'name', 'path', 'position'])
    .select((eb) =>
      eb
        .selectFrom('orgs as c')
        .select((c) => c.fn.countAll<string>().as('n'))
        .whereRef('c.parent_id', '=', 'orgs.id')
        .as('child_count'),
    );
  q = parentId === null ? q.where('id', '=', rootOrgId) : q.where('parent_id', '=', parentId);
  if (after) {
    const [pos, id] = after;
    q = q.where((eb) => eb.or([eb('position', '>', pos), eb.and([eb('position', '=', pos), eb('id', '>', id)])]));
  }
  return q.orderBy('position').orderBy('id').limit(limit).execute();
}

/** Which of these orgs (an org's ancestors, say) stands at `level`, or undefined when none does. */
export async function orgAtLevel(db: Kysely<Database>, ids: readonly string[], level: OrgRow['level']): Promise<string | undefined> {
  if (ids.length === 0) return undefined;
  return (
    await db
      .selectFrom('orgs')
      .select('id')
      .where('id', 'in', [...ids])
      .where('level', '=', level)
      .executeTakeFirst()
  )?.id;
}
