/**
 * The org directory: import a whole tree (JSON or CSV), read it in pages. The import is
 * the whole tree under its root: a root already in the directory keeps its place (its
 * parent and position), and what was stored under it but is absent from the import is
 * removed. The import says what it changed; the same tree again changes nothing; moving
 * or removing orgs that a running campaign covers is refused with the list of them. The
 * directory's reads and the import's transaction are in db/models/directory.ts.
 */
import type { FastifySchemaCompiler } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Level, LEVELS } from '../../domain/levels.js';
import {
  jsonTreeTooLarge,
  MAX_IMPORT_ORGS,
  ORG_ID,
  OrgTreeJson,
  rowsFromCsv,
  rowsFromJson,
  validateOrgTree,
  type SubmittedOrg,
  type TreeError,
} from '../../domain/org-tree.js';
import { principal, requireOrgAccess } from '../auth.js';
import type { ApiDeps, ApiInstance } from '../deps.js';
import { NON_BLANK, ok, responses } from '../openapi.js';
import { conflict, forbidden, notFound, ProblemError, type FieldError } from '../problem.js';
import { importOrgTree, ImportRefused, listChildren, listSubtree, readOrg, type ImportRefusal } from '../../db/models/directory.js';
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

/**
 * The import's JSON tree as the document states it: what `validateOrgTree` accepts, not
 * the looser `OrgTreeJson` the handler parses with (which lets every error through to be
 * reported at once, with its path, as a 422). Documentation only: the route validates its
 * body itself (see `passBodyThrough`). Registered under an id because it is recursive.
 */
const ImportedOrg: z.ZodType = z
  .lazy(() =>
    z
      .object({
        id: z.string().regex(ORG_ID).describe('letters, digits and _.-, starting with a letter or digit, at most 64; unique in the tree'),
        level: z.enum(LEVELS).describe(`${LEVELS.join(' > ')}: a child is at a lower level than its parent`),
        kind: z.string().max(40).optional().describe('at most 40 characters once trimmed'),
        name: z.string().min(1).max(200).regex(new RegExp(NON_BLANK, 'u')).describe('at most 200 characters once trimmed'),
        children: z.array(ImportedOrg).optional(),
      })
      .strict(),
  )
  .meta({
    id: 'ImportedOrg',
    description: `One org and, nested, everything under it: at most ${MAX_IMPORT_ORGS} orgs and 16 levels deep (refused before it is read otherwise).`,
  });

const ImportCsv = z
  .string()
  .describe(
    'UTF-8 (a BOM is allowed; `charset` other than utf-8 is a 415), a header `id,parentId,level,kind,name` and one org a row; exactly one row has no parentId (the root). ' +
      'Fields as in the JSON form; a quoted field may hold commas and doubled quotes.',
  );

/**
 * Fastify validates a body declared per media type with the route's validator; the import
 * validates its own (every error at once, as a 422 with CSV rows or JSON paths, and a deep
 * tree refused before anything recurses into it), so the declared schemas only document it.
 */
const passBodyThrough: FastifySchemaCompiler<unknown> = (route) =>
  route.httpPart === 'body' ? (data: unknown) => ({ value: data }) : validatorCompiler(route as Parameters<typeof validatorCompiler>[0]);

const ChildrenQuery = Page.strict();
const SubtreeQuery = Page.extend({ level: Level.optional() }).strict();

/** POST /orgs/import, GET /orgs/:id, /orgs/:id/children, /orgs/:id/subtree. */
export function orgRoutes(app: ApiInstance, { db }: ApiDeps): void {
  app.post(
    '/orgs/import',
    {
      bodyLimit: 32 * 1024 * 1024,
      validatorCompiler: passBodyThrough,
      schema: {
        tags: ['orgs'],
        summary: 'Import the whole tree under a root',
        description:
          'application/json: `{ id, level, kind?, name, children?: [...] }`; or text/csv (UTF-8) with header `id,parentId,level,kind,name`. ' +
          'Every error is reported at once (422) with its CSV row or JSON path. Admin, or an organiser of the root (when it exists) or above.',
        body: { content: { 'application/json': { schema: ImportedOrg }, 'text/csv': { schema: ImportCsv } } },
        response: responses(
          { 200: ok(ImportResult, 'What the import changed; the same tree again changes nothing') },
          {
            body: { limit: '32 MiB' },
            403: 'only an admin or an organiser imports a tree, and an organiser’s import moves no org from outside its subtree',
            404: 'an organiser’s tree root is not in the directory, or is outside its subtree (answered alike: an organiser imports under its own org or one below it)',
            409: 'moving, re-levelling or removing an org under a running or closing campaign (`errors` lists them)',
            422: 'the tree breaks a rule: an invalid or repeated id, an unknown level, a child not below its parent’s level, not exactly one root, a parent not in the import, a name or kind too long, too deep or too many orgs (`errors` names every one, by CSV row or JSON path)',
          },
        ),
      },
    },
    async (request) => {
      const type = request.headers['content-type']?.split(';')[0]!.trim().toLowerCase();
      if (type !== 'text/csv' && type !== 'application/json')
        throw new ProblemError(415, 'Unsupported Media Type', 'an import is application/json or text/csv');
      const submitted = type === 'text/csv' ? rowsFromCsv(request.body as string) : jsonRows(request.body);
      const { orgs, errors } = validateOrgTree(submitted.rows, submitted.errors);
      if (errors.length) throw invalidTree(errors);
      const caller = principal(request);
      if (caller.role !== 'admin') {
        if (caller.role !== 'organiser') throw forbidden('only an admin, or an organiser of the tree’s root or above, imports a tree');
        // A root that is not stored is answered as one outside the organiser's subtree (404): no existence oracle.
        await requireOrgAccess(db, request, orgs[0]!.id, 'act');
      }
      try {
        return await importOrgTree(db, orgs, caller.orgPath);
      } catch (err) {
        throw err instanceof ImportRefused ? refusalProblem(err.refusal) : err;
      }
    },
  );

  const read = (success: Parameters<typeof responses>[0], badRequest?: string) =>
    responses(success, { badRequest, 404: 'no org has this id, or it is outside the caller’s subtree (answered alike)' });
  const OrgWithCounts = Org.extend({ childCount: z.number().int(), subtreeSize: z.number().int() });
  app.get(
    '/orgs/:id',
    {
      schema: {
        tags: ['orgs'],
        params: OrgParams,
        response: read({ 200: ok(OrgWithCounts, 'The org, how many children it has and how many orgs its subtree holds (itself included)') }),
      },
    },
    async (request) => {
      await requireOrgAccess(db, request, request.params.id, 'read');
      const org = await readOrg(db, request.params.id);
      // An import may have removed it since the access check.
      if (!org) throw notFound(`org ${request.params.id}`);
      return org;
    },
  );

  const pageRead = read({ 200: ok(OrgPage, 'A page of orgs') }, 'A `cursor` not given out by this API.');
  app.get(
    '/orgs/:id/children',
    { schema: { tags: ['orgs'], summary: 'Children in sibling order', params: OrgParams, querystring: ChildrenQuery, response: pageRead } },
    async (request) => {
      await requireOrgAccess(db, request, request.params.id, 'read');
      const { limit, cursor } = request.query;
      const rows = await listChildren(
        db,
        request.params.id,
        keyFromCursor(cursor, z.tuple([z.number().int().min(0).max(2_147_483_647), z.string()])),
        limit + 1,
      );
      const items = rows.slice(0, limit);
      return { items, nextCursor: rows.length > limit ? cursorFromKey([items.at(-1)!.position, items.at(-1)!.id]) : null };
    },
  );

  app.get(
    '/orgs/:id/subtree',
    {
      schema: {
        tags: ['orgs'],
        summary: 'The org and everything under it, in path order (a parent before its children)',
        params: OrgParams,
        querystring: SubtreeQuery,
        response: pageRead,
      },
    },
    async (request) => {
      const { path } = await requireOrgAccess(db, request, request.params.id, 'read');
      const { limit, cursor, level } = request.query;
      const rows = await listSubtree(db, path, level, keyFromCursor(cursor, z.string()), limit + 1);
      const items = rows.slice(0, limit);
      return { items, nextCursor: rows.length > limit ? cursorFromKey(items.at(-1)!.path) : null };
    },
  );
}

/** 422 listing every error in a submitted tree, each `{ path, message }` (see {@link fieldErrorOf}). */
const invalidTree = (errors: TreeError[]) =>
  new ProblemError(422, 'Unprocessable Content', `the tree has ${errors.length} error${errors.length > 1 ? 's' : ''}`, { errors: errors.map(fieldErrorOf) });

/** An import the directory refused, as the problem the caller is answered. */
function refusalProblem(refusal: ImportRefusal): ProblemError {
  switch (refusal.kind) {
    case 'invalid':
      return invalidTree(refusal.errors);
    case 'outside': {
      const ids = refusal.orgIds;
      return forbidden(
        `the import moves orgs from outside the caller’s subtree: ${ids.slice(0, 20).join(', ')}${ids.length > 20 ? ` and ${ids.length - 20} more` : ''}`,
      );
    }
    case 'covered':
      return conflict(`the import moves, removes or re-levels ${refusal.affectedTotal} org(s) that a running campaign covers; nothing was changed`, {
        affectedOrgs: refusal.affectedOrgs,
        affectedTotal: refusal.affectedTotal,
        campaigns: refusal.campaigns,
      });
  }
}

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

/** The JSON form flattened, or every structural error in it with its path (`children[3].children[0].name`). */
function jsonRows(body: unknown): { rows: SubmittedOrg[]; errors: TreeError[] } {
  const tooLarge = jsonTreeTooLarge(body);
  if (tooLarge) return { rows: [], errors: [tooLarge] };
  const parsed = OrgTreeJson.safeParse(body);
  if (parsed.success) return { rows: rowsFromJson(parsed.data), errors: [] };
  const pathOf = (segments: readonly PropertyKey[]) =>
    segments
      .map(String)
      .join('.')
      .replace(/\.(\d+)/g, '[$1]');
  const errors = parsed.error.issues.flatMap((issue): TreeError[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: pathOf([...issue.path, key]), field: key, message: `unknown field ${key}` }))
      : [{ path: pathOf(issue.path) || '(root)', field: String(issue.path.at(-1) ?? 'body'), message: issue.message }],
  );
  return { rows: [], errors };
}
