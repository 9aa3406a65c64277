/**
 * Signing in to the console (api/session.ts): a token exchanged for a session cookie, the
 * cookie accepted by every route in place of a bearer header, writes by cookie guarded
 * against cross-site requests, and a session ended on the server by signing out or by
 * revoking its token.
 */
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { ADMIN, bearer, expectProblem, issueToken, useApiFixture } from '../support/api.js';

const f = useApiFixture();

/** Signs in with a token; the cookie header to send back, and the Set-Cookie line. */
async function signIn(token: string, headers: Record<string, string> = {}) {
  const res = await f.app.inject({ method: 'POST', url: '/session', payload: { token }, headers });
  expect(res.statusCode, res.body).toBe(201);
  const setCookie = String(res.headers['set-cookie']);
  const value = /^ce_session=([^;]+)/.exec(setCookie)![1]!;
  return { res, setCookie, value, cookie: { cookie: `ce_session=${value}` } };
}

const HOST = 'localhost:80'; // what inject sends as Host

describe('signing in', () => {
  test('a secretary token gives an HttpOnly, SameSite=Strict cookie on /, Secure only over HTTPS; the table holds only its hash', async () => {
    const token = await issueToken(f.app, { role: 'secretary', orgId: 'tj-d1-u1-b1' });
    const { res, setCookie, value } = await signIn(token);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Strict/);
    expect(setCookie).toMatch(/; Path=\//);
    expect(setCookie).not.toMatch(/; Secure/);
    expect(res.json()).toMatchObject({ role: 'secretary', orgId: 'tj-d1-u1-b1', via: 'session' });
    expect(value).not.toContain(token);
    const rows = await f.db.kysely.selectFrom('sessions').selectAll().where('token_id', '=', token.split('_')[1]!).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id_hash).toBe(createHash('sha256').update(value).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(value);

    const behindProxy = await signIn(token, { 'x-forwarded-proto': 'https' });
    expect(behindProxy.setCookie).toMatch(/; Secure/);
  });

  test('a wrong token is refused as bearer auth refuses it, and sets no cookie', async () => {
    const res = await f.app.inject({ method: 'POST', url: '/session', payload: { token: 'ce_000000000000_nope' } });
    expectProblem(res, 401);
    expect(res.headers['set-cookie']).toBeUndefined();
    expectProblem(await f.app.inject({ method: 'POST', url: '/session', payload: { token: '' } }), 400);
  });

  test('GET /session says who is signed in; the cookie reads what the token reads, and nothing else', async () => {
    const token = await issueToken(f.app, { role: 'secretary', orgId: 'tj-d1-u1' });
    const { cookie } = await signIn(token);
    const me = await f.app.inject({ method: 'GET', url: '/session', headers: cookie });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ role: 'secretary', orgId: 'tj-d1-u1', orgName: expect.any(String), via: 'session', campaigns: [] });
    expect((await f.app.inject({ method: 'GET', url: '/orgs/tj-d1-u1', headers: cookie })).statusCode).toBe(200);
    // Outside its subtree: refused as its bearer token would be (403, or 404 where the API hides what a caller may not see).
    const outside = await f.app.inject({ method: 'GET', url: '/orgs/tj-d2', headers: cookie });
    expectProblem(outside, outside.statusCode === 404 ? 404 : 403);
    expect(outside.statusCode).toBe((await f.app.inject({ method: 'GET', url: '/orgs/tj-d2', headers: bearer(token) })).statusCode);
    // Without a session or a token: 401.
    expectProblem(await f.app.inject({ method: 'GET', url: '/orgs/tj-d1-u1' }), 401);
    expectProblem(await f.app.inject({ method: 'GET', url: '/session' }), 401);
    expectProblem(await f.app.inject({ method: 'GET', url: '/orgs/tj-d1-u1', headers: { cookie: 'ce_session=forged' } }), 401);
  });
});

describe('cross-site writes', () => {
  test('a write by cookie needs X-CSRF: 1 and, when it names one, our own Origin; bearer writes need neither', async () => {
    const organiser = await issueToken(f.app, { role: 'organiser', orgId: 'tj-d2' });
    const { cookie } = await signIn(organiser);
    const issue = (headers: Record<string, string>) =>
      f.app.inject({ method: 'POST', url: '/tokens', headers, payload: { role: 'secretary', orgId: 'tj-d2-u1', label: '跨站' } });
    expect(expectProblem(await issue(cookie), 403).detail).toMatch(/x-csrf/);
    expect(expectProblem(await issue({ ...cookie, 'x-csrf': '1', origin: 'https://evil.example' }), 403).detail).toMatch(/cross-site/);
    expect(expectProblem(await issue({ ...cookie, 'x-csrf': '1', origin: 'http://localhost:8080' }), 403).detail).toMatch(/cross-site/);
    expect(await f.db.kysely.selectFrom('api_tokens').select('id').where('label', 'like', '跨站%').execute()).toHaveLength(0);
    expect((await issue({ ...cookie, 'x-csrf': '1', origin: `http://${HOST}` })).statusCode).toBe(201);
    expect((await issue({ ...cookie, 'x-csrf': '1' })).statusCode).toBe(201);
    expect((await issue(bearer(organiser))).statusCode).toBe(201);
    // Sign-out is a write too.
    expectProblem(await f.app.inject({ method: 'DELETE', url: '/session', headers: { ...cookie, origin: 'https://evil.example', 'x-csrf': '1' } }), 403);
    expect((await f.app.inject({ method: 'GET', url: '/session', headers: cookie })).statusCode).toBe(200);
  });
});

describe('ending a session', () => {
  test('signing out deletes it on the server and clears the cookie: the old cookie gets 401', async () => {
    const token = await issueToken(f.app, { role: 'inspector', orgId: 'tj-d1' });
    const { cookie } = await signIn(token);
    const out = await f.app.inject({ method: 'DELETE', url: '/session', headers: { ...cookie, 'x-csrf': '1' } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^ce_session=;.*Expires=Thu, 01 Jan 1970/);
    expectProblem(await f.app.inject({ method: 'GET', url: '/orgs/tj-d1', headers: cookie }), 401);
    expectProblem(await f.app.inject({ method: 'GET', url: '/session', headers: cookie }), 401);
    // The token itself still works: only the session ended.
    expect((await f.app.inject({ method: 'GET', url: '/orgs/tj-d1', headers: bearer(token) })).statusCode).toBe(200);
  });

  test('revoking the token ends every session opened with it', async () => {
    const token = await issueToken(f.app, { role: 'secretary', orgId: 'tj-d3' });
    const a = await signIn(token);
    const b = await signIn(token);
    expect((await f.app.inject({ method: 'GET', url: '/orgs/tj-d3', headers: a.cookie })).statusCode).toBe(200);
    expect((await f.app.inject({ method: 'DELETE', url: `/tokens/${token.split('_')[1]!}`, headers: bearer(ADMIN) })).statusCode).toBe(204);
    for (const s of [a, b])
      expect(expectProblem(await f.app.inject({ method: 'GET', url: '/orgs/tj-d3', headers: s.cookie }), 401).detail).toMatch(/revoked or has expired/);
  });

  test('a session past its expiry, or past its token’s, is over', async () => {
    const token = await issueToken(f.app, { role: 'secretary', orgId: 'tj-d2-u2', expiresInDays: 1 });
    const { cookie, value } = await signIn(token);
    await f.db.kysely
      .updateTable('api_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', token.split('_')[1]!)
      .execute();
    expectProblem(await f.app.inject({ method: 'GET', url: '/orgs/tj-d2-u2', headers: cookie }), 401);
    const fresh = await issueToken(f.app, { role: 'secretary', orgId: 'tj-d2-u2' });
    const other = await signIn(fresh);
    await f.db.kysely
      .updateTable('sessions')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id_hash', '=', createHash('sha256').update(other.value).digest('hex'))
      .execute();
    expectProblem(await f.app.inject({ method: 'GET', url: '/orgs/tj-d2-u2', headers: other.cookie }), 401);
    expect(value).not.toBe(other.value);
  });

  test('the admin token signs in too', async () => {
    const { cookie } = await signIn(ADMIN);
    expect((await f.app.inject({ method: 'GET', url: '/session', headers: cookie })).json()).toMatchObject({ role: 'admin', orgId: null, via: 'session' });
  });
});
