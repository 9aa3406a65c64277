/**
 * Bearer tokens through the routes: who may issue, list and revoke which role for which
 * org, and that a missing, unknown, revoked or expired token is a 401 problem.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { ADMIN, bearer, expectProblem, importTree, issueToken, useApiFixture } from '../support/api.js';

const f = useApiFixture();
const admin = bearer(ADMIN);

const issue = (headers: Record<string, string>, payload: object) => f.app.inject({ method: 'POST', url: '/tokens', headers, payload });

describe('401 with WWW-Authenticate: Bearer', () => {
  test('no token, a malformed header, an unknown token', async () => {
    for (const headers of [{}, { authorization: ADMIN }, { authorization: 'Basic eDp5' }, bearer('ce_000000000000_nope'), bearer(`${ADMIN}x`)]) {
      const res = await f.app.inject({ method: 'GET', url: '/orgs/tj', headers });
      expectProblem(res, 401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });

  test('a revoked token and an expired one', async () => {
    const token = await issueToken(f.app, { role: 'secretary', orgId: 'tj-d1' });
    expect((await f.app.inject({ method: 'GET', url: '/orgs/tj-d1', headers: bearer(token) })).statusCode).toBe(200);
    const id = token.split('_')[1]!;
    expect((await f.app.inject({ method: 'DELETE', url: `/tokens/${id}`, headers: admin })).statusCode).toBe(204);
    expect((await f.app.inject({ method: 'DELETE', url: `/tokens/${id}`, headers: admin })).statusCode).toBe(204);
    expect(expectProblem(await f.app.inject({ method: 'GET', url: '/orgs/tj-d1', headers: bearer(token) }), 401).detail).toMatch(/revoked or has expired/);

    const expiring = await issueToken(f.app, { role: 'secretary', orgId: 'tj-d1', expiresInDays: 1 });
    expect((await f.app.inject({ method: 'GET', url: '/orgs/tj-d1', headers: bearer(expiring) })).statusCode).toBe(200);
    await f.db.kysely
      .updateTable('api_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', expiring.split('_')[1]!)
      .execute();
    expectProblem(await f.app.inject({ method: 'GET', url: '/orgs/tj-d1', headers: bearer(expiring) }), 401);
  });
});

describe('issuing', () => {
  test('a retry under the same Idempotency-Key, even at once, gets the first token back and issues one; the kept answer holds neither token nor key', async () => {
    const key = randomUUID();
    const body = { role: 'secretary', orgId: 'tj-d2-u1-b1', label: '支部书记（重试）' };
    const headers = { ...admin, 'idempotency-key': key };
    const answers = await Promise.all([issue(headers, body), issue(headers, body), issue(headers, body)]);
    expect(answers.map((r) => r.statusCode)).toEqual([201, 201, 201]);
    const tokens = answers.map((r) => r.json<{ token: string }>().token);
    expect(new Set(tokens).size).toBe(1);
    expect(answers.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(2);
    expect(await f.db.kysely.selectFrom('api_tokens').select('id').where('label', 'like', '支部书记（重试）%').execute()).toHaveLength(1);
    expect((await f.app.inject({ method: 'GET', url: '/orgs/tj-d2-u1-b1', headers: bearer(tokens[0]!) })).statusCode).toBe(200);
    const kept = await f.db.kysely.selectFrom('idempotency_keys').selectAll().where('scope', 'like', 'tokens:%').execute();
    expect(kept).toHaveLength(1);
    const [, , secret] = /^ce_([0-9a-f]+)_([A-Za-z0-9_-]+)$/.exec(tokens[0]!)!; // the secret is base64url: it may hold '_' itself
    expect(JSON.stringify(kept)).not.toContain(secret);
    expect(JSON.stringify(kept)).not.toContain(key);
    expect(expectProblem(await issue(headers, { ...body, label: '另一个' }), 422).errors).toEqual([
      { path: 'headers.idempotency-key', message: 'already used with a different request' },
    ]);
    expect(expectProblem(await issue({ ...admin, 'idempotency-key': 'k1' }, body), 400).errors!.map((e) => e.path)).toEqual(['headers.idempotency-key']);
  });

  test('a token is ce_<id>_<secret> with at least 128 random bits, stored only as its sha256', async () => {
    const res = await issue(admin, { role: 'inspector', orgId: 'tj', label: '市委巡回指导组' });
    expect(res.statusCode).toBe(201);
    const body = res.json<{ id: string; token: string; role: string; orgId: string; expiresAt: null }>();
    expect(body).toMatchObject({ role: 'inspector', orgId: 'tj', expiresAt: null });
    const [, id, secret] = /^ce_([0-9a-f]+)_([A-Za-z0-9_-]+)$/.exec(body.token)!;
    expect(id).toBe(body.id);
    expect(Buffer.from(secret!, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
    const row = await f.db.kysely.selectFrom('api_tokens').selectAll().where('id', '=', body.id).executeTakeFirstOrThrow();
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(secret);
  });

  test('an admin issues an admin token (no org), and any role for any org', async () => {
    const second = await issueToken(f.app, { role: 'admin' });
    expect((await f.app.inject({ method: 'GET', url: '/orgs/tj-d3-u3-b3', headers: bearer(second) })).statusCode).toBe(200);
    expect(expectProblem(await issue(admin, { role: 'admin', orgId: 'tj', label: 'x' }), 400).errors).toEqual([
      { path: 'body.orgId', message: 'an admin token belongs to no org' },
    ]);
    expect(expectProblem(await issue(admin, { role: 'secretary', label: 'x' }), 400).errors![0]!.path).toBe('body.orgId');
    expectProblem(await issue(admin, { role: 'secretary', orgId: 'nowhere', label: 'x' }), 404);
    expect((await issue(admin, { role: 'operator', orgId: 'tj', label: '值班' })).statusCode).toBe(201);
  });

  test('an organiser issues organiser, secretary and inspector tokens in its subtree only', async () => {
    const d1 = bearer(await issueToken(f.app, { role: 'organiser', orgId: 'tj-d1' }));
    for (const role of ['organiser', 'secretary', 'inspector']) expect((await issue(d1, { role, orgId: 'tj-d1-u2', label: 'x' })).statusCode).toBe(201);
    expect((await issue(d1, { role: 'secretary', orgId: 'tj-d1', label: 'own org' })).statusCode).toBe(201);
    expectProblem(await issue(d1, { role: 'operator', orgId: 'tj-d1', label: 'x' }), 403);
    expectProblem(await issue(d1, { role: 'admin', label: 'x' }), 403);
    // Outside its subtree is answered as an org that does not exist (no existence oracle).
    expect(expectProblem(await issue(d1, { role: 'secretary', orgId: 'tj-d2', label: 'x' }), 404).detail).toBe(
      'org tj-d2 does not exist or is outside what you may see',
    );
    expectProblem(await issue(d1, { role: 'secretary', orgId: 'tj', label: 'x' }), 404);
  });

  test('secretaries, inspectors and operators issue nothing', async () => {
    for (const role of ['secretary', 'inspector', 'operator']) {
      const caller = bearer(await issueToken(f.app, { role, orgId: 'tj' }));
      expectProblem(await issue(caller, { role: 'secretary', orgId: 'tj-d1', label: 'x' }), 403);
    }
  });
});

describe('listing and revoking', () => {
  test('an admin lists every token in pages, without secrets', async () => {
    const seen: { id: string }[] = [];
    let cursor: string | null = null;
    do {
      const res = await f.app.inject({ method: 'GET', url: `/tokens?limit=2${cursor ? `&cursor=${cursor}` : ''}`, headers: admin });
      const page: { items: { id: string }[]; nextCursor: string | null } = res.json();
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const stored = await f.db.kysely.selectFrom('api_tokens').select('id').execute();
    expect(seen.map((t) => t.id).sort()).toEqual(stored.map((t) => t.id).sort());
    expect(JSON.stringify(seen)).not.toMatch(/token_hash|ce_/);
    expectProblem(await f.app.inject({ method: 'GET', url: '/tokens?cursor=bm90LWpzb24', headers: admin }), 400);
  });

  test('an organiser lists and revokes only the tokens it could have issued', async () => {
    const d2 = bearer(await issueToken(f.app, { role: 'organiser', orgId: 'tj-d2' }));
    const inside = (await issue(d2, { role: 'secretary', orgId: 'tj-d2-u1', label: '支部书记' })).json().id as string;
    const operator = (await issue(admin, { role: 'operator', orgId: 'tj-d2', label: 'ops' })).json().id as string;
    const outside = (await issue(admin, { role: 'secretary', orgId: 'tj-d3', label: 'x' })).json().id as string;
    const listed = (await f.app.inject({ method: 'GET', url: '/tokens?limit=1000', headers: d2 })).json().items.map((t: { id: string }) => t.id);
    expect(listed).toContain(inside);
    expect(listed).not.toContain(operator);
    expect(listed).not.toContain(outside);
    expectProblem(await f.app.inject({ method: 'GET', url: '/tokens?orgId=tj-d3', headers: d2 }), 404);

    // A token outside the subtree is answered as one that does not exist; a role it may not revoke, 403.
    expectProblem(await f.app.inject({ method: 'DELETE', url: `/tokens/${outside}`, headers: d2 }), 404);
    expectProblem(await f.app.inject({ method: 'DELETE', url: `/tokens/${operator}`, headers: d2 }), 403);
    expectProblem(await f.app.inject({ method: 'DELETE', url: '/tokens/000000000000', headers: d2 }), 404);
    expect((await f.app.inject({ method: 'DELETE', url: `/tokens/${inside}`, headers: d2 })).statusCode).toBe(204);
    const rows = await f.db.kysely.selectFrom('api_tokens').select(['id', 'revoked_at']).where('id', 'in', [inside, operator, outside]).execute();
    expect(Object.fromEntries(rows.map((r) => [r.id, r.revoked_at !== null]))).toEqual({ [inside]: true, [operator]: false, [outside]: false });
  });

  test('a token whose org an import removed no longer authenticates', async () => {
    await importTree(f.app, [
      { id: 'gone', parentId: null, level: 'city', kind: 'city', name: '临时市' },
      { id: 'gone-d', parentId: 'gone', level: 'district', kind: 'district', name: '临时区' },
    ]);
    const token = await issueToken(f.app, { role: 'secretary', orgId: 'gone-d' });
    await importTree(f.app, [{ id: 'gone', parentId: null, level: 'city', kind: 'city', name: '临时市' }]);
    expect(expectProblem(await f.app.inject({ method: 'GET', url: '/orgs/gone', headers: bearer(token) }), 401).detail).toMatch(/no longer exists/);
  });
});
