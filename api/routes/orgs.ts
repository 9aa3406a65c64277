/**
 * The org directory: import a whole tree (JSON or CSV), read it in pages. The import is
 * the whole tree under its root: a root already in the directory keeps its place (its
 * parent and position), and what was stored under it but is absent from the import is
 * removed. The import says what it changed; the same tree again changes nothing; moving
 * or removing orgs that a running campaign covers is refused with the list of them.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database, OrgRow } from '../../db/schema.js';
import { OrgTreeJson, placeTree, rowsFromCsv, rowsFromJson, subtreePattern, validateOrgTree, type TreeError, type ValidOrg } from '../../domain/org-tree.js';
import { principal, requireOrgAccess, type Principal } from '../auth.js';
import type { ApiDeps, ApiInstance } from '../app.js';
import { conflict, forbidden, ProblemError } from '../problem.js';
import { encodeCursor, offsetFromCursor, Page } from './paging.js';

const OrgParams = z.object({ id: z.string().min(1).max(64) });
const BATCH = 1000;

export function orgRoutes(app: ApiInstance, { db }: ApiDeps): void {
  app.post(
    '/orgs/import',
    {
      bodyLimit: 32 * 1024 * 1024,
      schema: {
        tags: ['orgs'],
        summary: 'Import a whole org tree: JSON { id, level, kind?, name, children? } or text/csv with header id,parentId,level,kind,name',
      },
    },
    async (request) => {
      const submitted = typeof request.body === 'string' ? rowsFromCsv(request.body) : jsonRows(request.body);
      const { orgs, errors } = validateOrgTree(submitted.rows, submitted.errors);
      if (errors.length) {
        throw new ProblemError(422, 'Unprocessable Content', `the tree has ${errors.length} error${errors.length > 1 ? 's' : ''}`, { errors });
      }
      const root = orgs[0]!;
      const caller = principal(request);
      if (caller.role !== 'admin') {
        const stored = await db.selectFrom('orgs').select('id').where('id', '=', root.id).executeTakeFirst();
        if (!stored || caller.role !== 'organiser') throw forbidden('only an admin, or an organiser of the tree’s root or above, imports a tree');
        await requireOrgAccess(db, request, root.id, 'act');
      }
      return importTree(db, orgs, caller);
    },
  );

  app.get('/orgs/:id', { schema: { tags: ['orgs'], params: OrgParams } }, async (request) => {
    await requireOrgAccess(db, request, request.params.id, 'read');
    const org = await db.selectFrom('orgs').selectAll().where('id', '=', request.params.id).executeTakeFirstOrThrow();
    const children = await db.selectFrom('orgs').select((eb) => eb.fn.countAll<string>().as('n')).where('parent_id', '=', org.id).executeTakeFirstOrThrow();
    const subtree = await db.selectFrom('orgs').select((eb) => eb.fn.countAll<string>().as('n')).where('path', 'like', subtreePattern(org.path)).executeTakeFirstOrThrow();
    return { ...org, childCount: Number(children.n), subtreeSize: Number(subtree.n) };
  });

  app.get('/orgs/:id/children', { schema: { tags: ['orgs'], params: OrgParams, querystring: Page } }, async (request) => {
    await requireOrgAccess(db, request, request.params.id, 'read');
    const offset = offsetFromCursor(request.query.cursor);
    const rows = await db
      .selectFrom('orgs')
      .selectAll()
      .where('parent_id', '=', request.params.id)
      .orderBy('position')
      .orderBy('id')
      .limit(request.query.limit + 1)
      .offset(offset)
      .execute();
    return { items: rows.slice(0, request.query.limit), nextCursor: rows.length > request.query.limit ? encodeCursor(String(offset + request.query.limit)) : null };
  });

  app.get(
    '/orgs/:id/subtree',
    { schema: { tags: ['orgs'], params: OrgParams, querystring: Page.extend({ level: z.enum(['city', 'district', 'unit', 'branch']).optional() }) } },
    async (request) => {
      const { path } = await requireOrgAccess(db, request, request.params.id, 'read');
      const offset = offsetFromCursor(request.query.cursor);
      let q = db.selectFrom('orgs').selectAll().where('path', 'like', subtreePattern(path));
      if (request.query.level) q = q.where('level', '=', request.query.level);
      const rows = await q.orderBy('path').limit(request.query.limit + 1).offset(offset).execute();
      return { items: rows.slice(0, request.query.limit), nextCursor: rows.length > request.query.limit ? encodeCursor(String(offset + request.query.limit)) : null };
    },
  );
}

function jsonRows(body: unknown) {
  const parsed = OrgTreeJson.safeParse(body);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({ path: i.path.join('.').replace(/\.(\d+)/g, '[$1]'), field: String(i.path.at(-1) ?? 'body'), message: i.message }));
    return { rows: [], errors };
  }
  return { rows: rowsFromJson(parsed.data), errors: [] };
}

type Change = 'created' | 'updated' | 'moved' | 'unchanged';

const invalid = (errors: TreeError[]) =>
  new ProblemError(422, 'Unprocessable Content', `the tree has ${errors.length} error${errors.length > 1 ? 's' : ''}`, { errors });

/** Diffs the tree against the directory and applies it in one transaction. */
async function importTree(db: Kysely<Database>, submitted: ValidOrg[], caller: Principal) {
  return db.transaction().execute(async (trx) => {
    const existing = new Map<string, OrgRow>();
    for (let i = 0; i < submitted.length; i += 5000) {
      const ids = submitted.slice(i, i + 5000).map((o) => o.id);
      for (const row of await trx.selectFrom('orgs').selectAll().where('id', 'in', ids).execute()) existing.set(row.id, row);
    }
    const storedRoot = existing.get(submitted[0]!.id);
    const parent = storedRoot?.parent_id ? await trx.selectFrom('orgs').selectAll().where('id', '=', storedRoot.parent_id).executeTakeFirst() : undefined;
    const placed = placeTree(
      submitted,
      parent ? { parentId: parent.id, parentLevel: parent.level, parentPath: parent.path, parentDepth: parent.depth, position: storedRoot!.position } : null,
    );
    if (placed.errors.length) throw invalid(placed.errors);
    const orgs = placed.orgs;
    const root = orgs[0]!;
    const under = storedRoot ? await trx.selectFrom('orgs').selectAll().where('path', 'like', subtreePattern(storedRoot.path)).execute() : [];
    const importedIds = new Set(orgs.map((o) => o.id));
    await refuseOutsiders(trx, [...existing.values()].filter((o) => !storedRoot || !o.path.startsWith(storedRoot.path)), importedIds, caller);
    const removed = under.filter((o) => !importedIds.has(o.id));

    const changes = new Map<string, Change>();
    for (const o of orgs) {
      const was = existing.get(o.id);
      if (!was) changes.set(o.id, 'created');
      else if (was.parent_id !== o.parentId || was.path !== o.path || was.level !== o.level) changes.set(o.id, 'moved');
      else if (was.name !== o.name || was.kind !== o.kind || was.position !== o.position || was.depth !== o.depth) changes.set(o.id, 'updated');
      else changes.set(o.id, 'unchanged');
    }
    const displaced = [...removed.map((o) => o.path), ...orgs.filter((o) => changes.get(o.id) === 'moved').map((o) => existing.get(o.id)!.path)];
    if (displaced.length) {
      const running = await trx
        .selectFrom('rm_campaigns')
        .innerJoin('orgs', 'orgs.id', 'rm_campaigns.root_org_id')
        .select(['rm_campaigns.id', 'orgs.path'])
        .where('rm_campaigns.status', 'in', ['running', 'closing'])
        .execute();
      const affected = displaced.filter((p) => running.some((c) => p.startsWith(c.path)));
      if (affected.length) {
        const ids = affected.map((p) => p.split('/').at(-2)!);
        throw conflict(`the import moves or removes ${affected.length} org(s) that a running campaign covers`, {
          affectedOrgs: ids.slice(0, 1000),
          affectedTotal: ids.length,
          campaigns: running.filter((c) => affected.some((p) => p.startsWith(c.path))).map((c) => c.id),
        });
      }
    }
    for (let i = 0; i < removed.length; i += BATCH) {
      await trx.deleteFrom('orgs').where('id', 'in', removed.slice(i, i + BATCH).map((o) => o.id)).execute();
    }
    const writes = orgs.filter((o) => changes.get(o.id) !== 'unchanged');
    for (let i = 0; i < writes.length; i += BATCH) {
      await trx
        .insertInto('orgs')
        .values(writes.slice(i, i + BATCH).map((o) => ({ id: o.id, parent_id: o.parentId, level: o.level, kind: o.kind, name: o.name, path: o.path, depth: o.depth, position: o.position })))
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
    const count = (c: Change) => [...changes.values()].filter((x) => x === c).length;
    return { root: root.id, created: count('created'), updated: count('updated'), moved: count('moved'), removed: removed.length, unchanged: count('unchanged') };
  });
}


/**
 * Orgs the import takes from elsewhere in the directory: the caller must be allowed to
 * act where they stand now, and they must bring their stored children along, or those
 * children would be left pointing at a parent that has moved away.
 */
async function refuseOutsiders(trx: Kysely<Database>, outsiders: OrgRow[], importedIds: Set<string>, caller: Principal): Promise<void> {
  if (outsiders.length === 0) return;
  const beyond = outsiders.filter((o) => !o.path.startsWith(caller.orgPath));
  if (beyond.length) {
    throw forbidden(`the import moves orgs from outside the caller’s subtree: ${beyond.slice(0, 20).map((o) => o.id).join(', ')}${beyond.length > 20 ? ` and ${beyond.length - 20} more` : ''}`);
  }
  const left = new Map<string, string[]>();
  for (let i = 0; i < outsiders.length; i += 5000) {
    const ids = outsiders.slice(i, i + 5000).map((o) => o.id);
    for (const child of await trx.selectFrom('orgs').select(['id', 'parent_id']).where('parent_id', 'in', ids).execute()) {
      if (!importedIds.has(child.id)) left.set(child.parent_id!, [...(left.get(child.parent_id!) ?? []), child.id]);
    }
  }
  if (left.size === 0) return;
  throw invalid(
    [...left].slice(0, 1000).map(([id, children]) => ({
      field: 'id',
      message: `${id} stands elsewhere in the directory with children not in this import (${children.slice(0, 5).join(', ')}${children.length > 5 ? ', …' : ''}); moving it here would leave them without their parent`,
    })),
  );
}
