/**
 * The org directory: import a whole tree (JSON or CSV), read it in pages. The import is
 * the whole tree under its root: a root already in the directory keeps its place (its
 * parent and position), and what was stored under it but is absent from the import is
 * removed. The import says what it changed; the same tree again changes nothing; moving
 * or removing orgs that a running campaign covers is refused with the list of them.
 */
import { z } from 'zod';
import { Level } from '../../domain/levels.js';
import { jsonTreeTooLarge, ORG_ID, OrgTreeJson, rowsFromCsv, rowsFromJson, validateOrgTree, type SubmittedOrg, type TreeError } from '../../domain/org-tree.js';
import { principal, requireOrgAccess } from '../auth.js';
import type { ApiDeps, ApiInstance } from '../app.js';
import { forbidden, notFound, ProblemError } from '../problem.js';
import { importOrgTree, invalidTree, listChildren, listSubtree, readOrg } from '../repos/orgs.js';
import { cursorFromKey, keyFromCursor, Page } from './paging.js';

const OrgParams = z.object({ id: z.string().regex(ORG_ID, 'letters, digits and _.-, at most 64') });

const Org = z.object({
  id: z.string(),
  parent_id: z.string().nullable(),
  level: Level,
  kind: z.string(),
  name: z.string(),
  path: z.string().describe('materialised path, `/<rootId>/…/<id>/`'),
  depth: z.number().int(),
  position: z.number().int().describe('order among its siblings, as imported'),
});
const OrgPage = z.object({ items: z.array(Org), nextCursor: z.string().nullable() });

const ImportResult = z.object({
  root: z.string(),
  created: z.number().int(),
  updated: z.number().int().describe('same parent, another name, kind or level'),
  moved: z.number().int().describe('another parent'),
  removed: z.number().int(),
  unchanged: z.number().int(),
});

const ChildrenQuery = Page.strict();
const SubtreeQuery = Page.extend({ level: Level.optional() }).strict();

/** POST /orgs/import, GET /orgs/:id, /orgs/:id/children, /orgs/:id/subtree. */
export function orgRoutes(app: ApiInstance, { db }: ApiDeps): void {
  app.post(
    '/orgs/import',
    {
      bodyLimit: 32 * 1024 * 1024,
      schema: {
        tags: ['orgs'],
        summary: 'Import the whole tree under a root',
        description:
          'application/json: `{ id, level, kind?, name, children?: [...] }`; or text/csv (UTF-8) with header `id,parentId,level,kind,name`. ' +
          'Every error is reported at once (422) with its CSV row or JSON path. Admin, or an organiser of the root (when it exists) or above.',
        response: { 200: ImportResult },
      },
    },
    async (request) => {
      const type = request.headers['content-type']?.split(';')[0]!.trim().toLowerCase();
      if (type !== 'text/csv' && type !== 'application/json') throw new ProblemError(415, 'Unsupported Media Type', 'an import is application/json or text/csv');
      const submitted = type === 'text/csv' ? rowsFromCsv(request.body as string) : jsonRows(request.body);
      const { orgs, errors } = validateOrgTree(submitted.rows, submitted.errors);
      if (errors.length) throw invalidTree(errors);
      const caller = principal(request);
      if (caller.role !== 'admin') {
        if (caller.role !== 'organiser') throw forbidden('only an admin, or an organiser of the tree’s root or above, imports a tree');
        // A root that is not stored is answered as one outside the organiser's subtree (404): no existence oracle.
        await requireOrgAccess(db, request, orgs[0]!.id, 'act');
      }
      return importOrgTree(db, orgs, caller);
    },
  );

  app.get('/orgs/:id', { schema: { tags: ['orgs'], params: OrgParams, response: { 200: Org.extend({ childCount: z.number().int(), subtreeSize: z.number().int() }) } } }, async (request) => {
    await requireOrgAccess(db, request, request.params.id, 'read');
    const org = await readOrg(db, request.params.id);
    // An import may have removed it since the access check.
    if (!org) throw notFound(`org ${request.params.id}`);
    return org;
  });

  app.get('/orgs/:id/children', { schema: { tags: ['orgs'], summary: 'Children in sibling order', params: OrgParams, querystring: ChildrenQuery, response: { 200: OrgPage } } }, async (request) => {
    await requireOrgAccess(db, request, request.params.id, 'read');
    const { limit, cursor } = request.query;
    const rows = await listChildren(db, request.params.id, keyFromCursor(cursor, z.tuple([z.number().int().min(0).max(2_147_483_647), z.string()])), limit + 1);
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? cursorFromKey([items.at(-1)!.position, items.at(-1)!.id]) : null };
  });

  app.get(
    '/orgs/:id/subtree',
    { schema: { tags: ['orgs'], summary: 'The org and everything under it, in path order (a parent before its children)', params: OrgParams, querystring: SubtreeQuery, response: { 200: OrgPage } } },
    async (request) => {
      const { path } = await requireOrgAccess(db, request, request.params.id, 'read');
      const { limit, cursor, level } = request.query;
      const rows = await listSubtree(db, path, level, keyFromCursor(cursor, z.string()), limit + 1);
      const items = rows.slice(0, limit);
      return { items, nextCursor: rows.length > limit ? cursorFromKey(items.at(-1)!.path) : null };
    },
  );
}

/** The JSON form flattened, or every structural error in it with its path (`children[3].children[0].name`). */
function jsonRows(body: unknown): { rows: SubmittedOrg[]; errors: TreeError[] } {
  const tooLarge = jsonTreeTooLarge(body);
  if (tooLarge) return { rows: [], errors: [tooLarge] };
  const parsed = OrgTreeJson.safeParse(body);
  if (parsed.success) return { rows: rowsFromJson(parsed.data), errors: [] };
  const pathOf = (segments: readonly PropertyKey[]) => segments.map(String).join('.').replace(/\.(\d+)/g, '[$1]');
  const errors = parsed.error.issues.flatMap((issue): TreeError[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: pathOf([...issue.path, key]), field: key, message: `unknown field ${key}` }))
      : [{ path: pathOf(issue.path) || '(root)', field: String(issue.path.at(-1) ?? 'body'), message: issue.message }],
  );
  return { rows: [], errors };
}
