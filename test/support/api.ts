/**
 * The API for tests: built over the file's database and worker, with a known admin
 * token, and helpers to mint tokens and import trees through the routes themselves.
 */
import type { Kysely } from 'kysely';
import { buildApp, type ApiInstance } from '../../api/app.js';
import type { Database } from '../../db/schema.js';
import type { TestTemporal } from './temporal.js';

export const ADMIN = 'test-admin-token-0123456789';

export async function buildTestApp(db: Kysely<Database>, t: TestTemporal): Promise<ApiInstance> {
  return buildApp({ db, temporal: { client: t.client, taskQueue: t.taskQueue }, adminToken: ADMIN });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Issues a token through POST /tokens (as admin unless `by` is given). */
export async function issueToken(app: ApiInstance, body: { role: string; orgId: string; expiresInDays?: number }, by = ADMIN): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/tokens', headers: bearer(by), payload: { label: 'test', ...body } });
  if (res.statusCode !== 201) throw new Error(`issuing a token answered ${res.statusCode}: ${res.body}`);
  return res.json().token as string;
}
