/**
 * The generated client types (`client/api-types.ts`) against the server they describe:
 *
 * - the committed file is exactly what `npm run generate-api-types` writes from today's
 *   routes, so a route schema cannot change without the typed callers (the web console)
 *   seeing it;
 * - `openapi-fetch`'s `createClient<paths>` drives the real API, listening on a free port
 *   over a real Temporal server, a worker and PostgreSQL, through a few real flows.
 *
 * Every body and every problem below is typed by the document: no casts.
 */
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import createClient from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { buildApp, type ApiInstance } from '../../api/app.js';
import type { paths } from '../../client/api-types.js';
import { generateTree } from '../../domain/generate-tree.js';
import { API_TYPES_FILE, generateApiTypes } from '../../scripts/generate-api-types.js';
import { ADMIN, csvOf } from '../support/api.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { startTestWorker, type TestTemporal } from '../support/temporal.js';

test('client/api-types.ts is what `npm run generate-api-types` writes from the current routes', async () => {
  const committed = await readFile(path.resolve(import.meta.dirname, '../..', API_TYPES_FILE), 'utf8');
  const generated = await generateApiTypes();
  // On failure: run `npm run generate-api-types` and commit the result with the route change.
  expect(generated === committed, `${API_TYPES_FILE} is stale: run \`npm run generate-api-types\``).toBe(true);
});

describe('openapi-fetch against the real API', () => {
  let db: TestDatabase;
  let t: TestTemporal;
  let app: ApiInstance;
  let baseUrl: string;
  const campaignId = `typed-${Math.random().toString(36).slice(2, 8)}`;
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

  beforeAll(async () => {
    db = await freshDatabase();
    t = await startTestWorker(db.kysely);
    app = await buildApp({ db: db.kysely, temporal: { client: t.client, taskQueue: t.taskQueue }, adminToken: ADMIN });
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await t?.stop();
    await db?.close();
  });

  const client = (token?: string) => createClient<paths>({ baseUrl, headers: token ? { authorization: `Bearer ${token}` } : {} });

  test('import a tree, issue a token, start a campaign, read figures; 400, 401 and 404 as problem+json', async () => {
    const admin = client(ADMIN);

    // Import the org tree as CSV (the document's text/csv body: a string, sent as it is).
    const imported = await admin.POST('/orgs/import', {
      body: csvOf(generateTree('small')),
      bodySerializer: (body) => body as string,
      headers: { 'content-type': 'text/csv' },
    });
    expect(imported.response.status).toBe(200);
    expect(imported.data).toMatchObject({ root: 'tj', created: 40, updated: 0, moved: 0, removed: 0 });

    // A secretary's token, issued by the admin; the secret comes back once.
    const issued = await admin.POST('/tokens', { body: { role: 'secretary', orgId: 'tj-d1-u1-b1', label: 'typed client' } });
    expect(issued.response.status).toBe(201);
    expect(issued.data).toMatchObject({ role: 'secretary', orgId: 'tj-d1-u1-b1', token: expect.any(String) });
    const secretary = client(issued.data!.token);

    // Start a campaign over the tree (branches mobilise automatically).
    const started = await admin.POST('/campaigns', {
      body: {
        id: campaignId,
        name: '主题教育（typed client）',
        batch: 2,
        rootOrgId: 'tj',
        phaseMode: 'integrated',
        startsOn: '2019-09-01',
        endsOn: '2099-12-31',
        rules: { autoMobiliseLevels: ['district', 'unit', 'branch'], progressReportSeconds: 1 },
      },
    });
    expect(started.response.status).toBe(201);
    expect(started.data).toEqual({ id: campaignId, created: true });

    // The city mobilises; the cascade reaches the secretary's branch, who records a study session.
    // The root's workflow is started by the campaign's own: until then the update is refused (409).
    const mobilised = await vi.waitFor(
      async () => {
        const value = await admin.POST('/campaigns/{id}/orgs/{orgId}/mobilisation', {
          params: { path: { id: campaignId, orgId: 'tj' } },
          body: { date: today, attendance: 120 },
        });
        expect(value, 'the root org workflow').toSatisfy((r: typeof value) => r.response.status !== 409);
        return value;
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(mobilised.response.status, JSON.stringify(mobilised.error)).toBe(200);
    const branchFigures = () => secretary.GET('/campaigns/{id}/orgs/{orgId}', { params: { path: { id: campaignId, orgId: 'tj-d1-u1-b1' } } });
    await expect.poll(branchFigures, { timeout: 60_000, message: 'the cascade to reach tj-d1-u1-b1' }).toSatisfy((r) => r.response.status === 200);
    const session = await secretary.POST('/campaigns/{id}/orgs/{orgId}/study-sessions', {
      params: { path: { id: campaignId, orgId: 'tj-d1-u1-b1' } },
      body: { sessionId: 'typed-s1', date: today, kind: 'concentrated', hours: 3, attendance: 18 },
    });
    expect(session.response.status).toBe(200);

    // Read the branch's figures, and the city's aggregate once every org has reported up.
    const branch = (
      await vi.waitFor(
        async () => {
          const value = await branchFigures();
          expect(value, 'the branch study day').toSatisfy((r: typeof value) => r.data?.own.studyDays === 1);
          return value;
        },
        { timeout: 30_000, interval: 200 },
      )
    ).data;
    expect(branch).toMatchObject({ org_id: 'tj-d1-u1-b1', own: { studyDays: 1, mobilised: 1 } });
    const city = await vi.waitFor(
      async () => {
        const value = await admin.GET('/campaigns/{id}/orgs/{orgId}', { params: { path: { id: campaignId, orgId: 'tj' } } });
        expect(value, 'every org and the study day in the city aggregate').toSatisfy(
          (r: typeof value) => r.data?.subtree.studyDays === 1 && r.data.subtree.orgs === 40,
        );
        return value;
      },
      { timeout: 60_000, interval: 200 },
    );
    expect(city.data?.subtree).toMatchObject({ orgs: 40, studyDays: 1 });

    // 400: a query parameter the route's schema refuses, answered as problem+json naming it.
    const badLimit = await admin.GET('/orgs/{id}/children', { params: { path: { id: 'tj' }, query: { limit: 0 } } });
    expect(badLimit.response.status).toBe(400);
    expect(badLimit.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(badLimit.error).toMatchObject({ status: 400, title: expect.any(String), detail: expect.any(String) });
    expect(badLimit.error?.errors?.map((e) => e.path)).toEqual(['querystring.limit']);

    // 401: no token.
    const anonymous = await client().GET('/orgs/{id}', { params: { path: { id: 'tj' } } });
    expect(anonymous.response.status).toBe(401);
    expect(anonymous.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(anonymous.error).toMatchObject({ status: 401, detail: expect.any(String) });

    // 404: a campaign that does not exist.
    const missing = await admin.GET('/campaigns/{id}', { params: { path: { id: 'no-such-campaign' } } });
    expect(missing.response.status).toBe(404);
    expect(missing.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(missing.error?.detail).toContain('no-such-campaign');
  });
});
