/**
 * Every error is an RFC 9457 problem and a caller's mistake is never a 500: malformed
 * bodies, unknown and mistyped fields, sizes, media types, unknown routes; Temporal's
 * refusals mapped to their statuses; an unexpected failure hidden but logged; the
 * probes and the API description open to anyone. No Temporal server is needed.
 */
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, test } from 'vitest';
import { buildApp } from '../../api/app.js';
import { problemFromTemporal } from '../../api/problem.js';
import { freshDatabase } from '../support/db.js';
import { ADMIN, bearer, expectProblem, useApiFixture } from '../support/api.js';

const f = useApiFixture();
const admin = bearer(ADMIN);

const issue = (payload: string | object, headers: Record<string, string> = {}) =>
  f.app.inject({ method: 'POST', url: '/tokens', headers: { ...admin, ...headers }, payload });
const tokenCount = async () => (await f.db.kysely.selectFrom('api_tokens').select('id').execute()).length;

describe('a caller’s mistake is a 4xx problem and changes nothing', () => {
  test('malformed JSON, an empty body, unknown fields, wrong types, a huge string', async () => {
    const before = await tokenCount();
    expectProblem(await issue('{"role": ', { 'content-type': 'application/json' }), 400);
    expectProblem(await issue('', { 'content-type': 'application/json' }), 400);
    const valid = { role: 'secretary', orgId: 'tj-d1', label: '支部书记' };
    expect(expectProblem(await issue({ ...valid, colour: 'red', size: 3 }), 400).errors).toEqual([
      { path: 'body.colour', message: 'unknown field colour' },
      { path: 'body.size', message: 'unknown field size' },
    ]);
    const wrong = expectProblem(await issue({ role: 'mayor', orgId: 7, label: '', expiresInDays: 'soon' }), 400);
    expect(wrong.errors!.map((e) => e.path).sort()).toEqual(['body.expiresInDays', 'body.label', 'body.orgId', 'body.role']);
    expect(wrong.detail).toMatch(/body\.role/);
    expectProblem(await issue({ ...valid, label: '长'.repeat(100_000) }), 400);
    expect(await tokenCount()).toBe(before);
  });

  test('a body over the limit is 413, another media type 415, an unknown route 404, another method 405, a bad path parameter 400', async () => {
    expectProblem(await issue({ role: 'secretary', orgId: 'tj', label: 'x'.repeat(2_000_000) }), 413);
    expectProblem(await issue('role=secretary', { 'content-type': 'application/x-www-form-urlencoded' }), 415);
    const missing = expectProblem(await f.app.inject({ method: 'GET', url: '/nowhere?x=1', headers: admin }), 404);
    expect(missing.detail).toBe('no route GET /nowhere');
    // A path that exists under other methods is a 405 (test/api/edges.test.ts).
    expectProblem(await f.app.inject({ method: 'DELETE', url: '/orgs/tj' }), 405);
    expect(expectProblem(await f.app.inject({ method: 'GET', url: `/orgs/${'x'.repeat(65)}`, headers: admin }), 400).errors![0]!.path).toBe('params.id');
  });

  test('a workflow route answers 503 when the API runs without Temporal, after checking the request', async () => {
    const spec = { id: 'c1', name: '主题教育', batch: 2, rootOrgId: 'tj', phaseMode: 'integrated', startsOn: '2019-09-01', endsOn: '2099-01-01' };
    expectProblem(await f.app.inject({ method: 'POST', url: '/campaigns', headers: admin, payload: { ...spec, batch: 'two' } }), 400);
    expect(expectProblem(await f.app.inject({ method: 'POST', url: '/campaigns', headers: admin, payload: spec }), 503).detail).toMatch(/without Temporal/);
  });
});

describe('Temporal’s refusals', () => {
  const refused = (type: string, details: unknown[] = []) =>
    new WorkflowUpdateFailedError('update failed', ApplicationFailure.create({ type, message: `refused: ${type}`, details, nonRetryable: true }));

  test('an ApplicationFailure’s type picks the status; its message is the detail; details[0] adds fields', () => {
    expect([...['Invalid', 'Conflict', 'NotFound', 'Forbidden'].map((t) => problemFromTemporal(refused(t))!.status)]).toEqual([422, 409, 404, 403]);
    const conflict = problemFromTemporal(refused('Conflict', [{ field: 'status', currentStatus: 'found' }]))!;
    expect(conflict).toMatchObject({
      status: 409,
      title: 'Conflict',
      message: 'refused: Conflict',
      extra: { currentStatus: 'found', errors: [{ path: 'body.status', message: 'refused: Conflict' }] },
    });
    expect(problemFromTemporal(new WorkflowNotFoundError('gone', 'campaign/x', undefined))!.status).toBe(404);
    expect(problemFromTemporal(new Error('anything else'))).toBeUndefined();
  });
});

describe('an unexpected failure', () => {
  test('is a 500 that hides its message, names the request, and is logged', async () => {
    const lines: string[] = [];
    const gone = await freshDatabase();
    const broken = await buildApp({ db: gone.kysely, adminToken: ADMIN, logger: { level: 'warn', stream: { write: (line: string) => lines.push(line) } } });
    await gone.close();
    const res = await broken.inject({ method: 'GET', url: '/orgs/tj', headers: { ...admin, 'x-note': 'secret-ish' } });
    const problem = expectProblem(res, 500);
    expect(problem.detail).toBe('something went wrong on our side; it has been logged');
    expect(res.body).not.toMatch(/pool|PGlite|closed|end/i);
    const logged = lines.map((l) => JSON.parse(l) as { reqId: string; msg: string });
    expect(logged).toContainEqual(expect.objectContaining({ reqId: problem.requestId, msg: 'unhandled error' }));

    const notReady = expectProblem(await broken.inject({ method: 'GET', url: '/readyz' }), 503);
    expect(notReady).toMatchObject({ detail: 'not ready: database', checks: { database: 'failing', temporal: 'disabled' } });
    await broken.close();
  });
});

test('a failed authentication is logged with the token id at most, never the token', async () => {
  const lines: string[] = [];
  const logged = await buildApp({ db: f.db.kysely, adminToken: ADMIN, logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } } });
  expectProblem(await logged.inject({ method: 'GET', url: '/orgs/tj', headers: bearer('ce_abcdef012345_TopSecretPart') }), 401);
  expect(lines.some((l) => l.includes('abcdef012345') && l.includes('authentication failed'))).toBe(true);
  expect(lines.join('\n')).not.toContain('TopSecretPart');
  await logged.close();
});

describe('open routes', () => {
  test('/healthz, /readyz, /openapi.json and /docs need no token', async () => {
    expect((await f.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await f.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ database: 'ok', temporal: 'disabled' });
    const doc = (await f.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/tokens', '/tokens/{id}', '/orgs/import', '/orgs/{id}/children', '/healthz']));
    expect(doc.paths['/tokens'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('expiresInDays');
    expect((await f.app.inject({ method: 'GET', url: '/docs/' })).statusCode).toBe(200);
  });

  test('a hanging or failing dependency makes /readyz a 503 naming it, within its timeout', async () => {
    const probed = await buildApp({ db: f.db.kysely, checks: { database: async () => {}, temporal: () => new Promise(() => {}) } });
    const started = performance.now();
    const res = await probed.inject({ method: 'GET', url: '/readyz' });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(expectProblem(res, 503)).toMatchObject({ detail: 'not ready: temporal', checks: { database: 'ok', temporal: 'failing' } });
    await probed.close();
  });
});
