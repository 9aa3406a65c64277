/**
 * The API for tests: built over a test file's database (and, for routes that drive
 * workflows, its Temporal client), with a known admin token, and helpers that mint
 * tokens and import trees through the routes themselves.
 *
 * @example
 * const app = await buildTestApp({ db: db.kysely });
 * await importTree(app, generateTree('small'));
 * const secretary = bearer(await issueToken(app, { role: 'secretary', orgId: 'tj-d1' }));
 */
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect } from 'vitest';
import { buildApp, type ApiInstance } from '../../api/app.js';
import type { ImportResult } from '../../db/models/directory.js';
import type { Database } from '../../db/schema.js';
import { generateTree, type FlatOrg } from '../../domain/generate-tree.js';
import { freshDatabase, type TestDatabase } from './db.js';
import type { OrgTreeNode } from '../../domain/org-tree.js';

/** The bootstrap admin token every test app accepts. */
export const ADMIN = 'test-admin-token-0123456789';

/** Without `temporal` the workflow routes answer 503; the directory, tokens and reads work. */
export async function buildTestApp(deps: { db: Kysely<Database>; temporal?: { client: Client; taskQueue: string } }): Promise<ApiInstance> {
  return buildApp({ db: deps.db, temporal: deps.temporal, adminToken: ADMIN });
}

/** The Authorization header for a token. */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Issues a token through POST /tokens (as admin unless `by` is given) and returns it. */
export async function issueToken(app: ApiInstance, body: { role: string; orgId?: string; expiresInDays?: number }, by = ADMIN): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/tokens', headers: bearer(by), payload: { label: 'test', ...body } });
  if (res.statusCode !== 201) throw new Error(`issuing a token answered ${res.statusCode}: ${res.body}`);
  return res.json().token as string;
}

/** A flat tree as the import's CSV: UTF-8 BOM, CRLF, every name quoted. */
export function csvOf(orgs: readonly FlatOrg[]): string {
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  return `\uFEFFid,parentId,level,kind,name\r\n${orgs.map((o) => [o.id, o.parentId ?? '', o.level, quote(o.kind), quote(o.name)].join(',')).join('\r\n')}\r\n`;
}

/** Imports a flat tree (sent as CSV) or a nested one (sent as JSON); throws unless it is accepted. */
export async function importTree(app: ApiInstance, tree: readonly FlatOrg[] | OrgTreeNode, by = ADMIN): Promise<ImportResult> {
  const res = Array.isArray(tree)
    ? await app.inject({ method: 'POST', url: '/orgs/import', headers: { ...bearer(by), 'content-type': 'text/csv' }, payload: csvOf(tree) })
    : await app.inject({ method: 'POST', url: '/orgs/import', headers: bearer(by), payload: tree as OrgTreeNode });
  if (res.statusCode !== 200) throw new Error(`the import answered ${res.statusCode}: ${res.body.slice(0, 2000)}`);
  return res.json<ImportResult>();
}

/** A problem+json body as tests read it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
  [extra: string]: unknown;
}

/** Asserts an RFC 9457 problem with this status and returns its body. */
export function expectProblem(res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, status: number): Problem {
  expect(res.statusCode).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const body = res.json() as Problem;
  expect(body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
  return body;
}

export interface ApiFixture {
  db: TestDatabase;
  app: ApiInstance;
}

/**
 * The usual setup of an API test file that needs no Temporal: a fresh database, the app
 * over it, and the small Tianjin-shaped tree imported; both torn down after the file.
 *
 * @example
 * const f = useApiFixture();
 * test('…', async () => { await f.app.inject({ method: 'GET', url: '/orgs/tj', headers: bearer(ADMIN) }); });
 */
export function useApiFixture(): ApiFixture {
  const f = {} as ApiFixture;
  beforeAll(async () => {
    f.db = await freshDatabase();
    f.app = await buildTestApp({ db: f.db.kysely });
    await importTree(f.app, generateTree('small'));
  });
  afterAll(async () => {
    await f.app?.close();
    await f.db?.close();
  });
  return f;
}
