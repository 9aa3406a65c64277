/**
 * The HTTP API at its edges, each case one that used to go wrong: methods a path does not
 * take (405 with Allow), a stalled body (408 within the request timeout), headers too
 * large (431), a client hanging up mid-upload (not a "database unavailable"), the bearer
 * scheme in any case, security and cache headers (the docs still load under their CSP),
 * one 404 for an org that does not exist and one the caller may not see, a token's expiry
 * by the app's clock, and — on a real Temporal server — the replay header of org actions
 * and verification refusals that name the rule rather than a field the request lacks.
 *
 * The timeouts and hang-ups need a listening server and a raw socket: `inject` never
 * stalls and never hangs up.
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { buildApp, type ApiInstance } from '../../api/app.js';
import { generateTree } from '../../domain/generate-tree.js';
import { ADMIN, bearer, expectProblem, importTree, issueToken, useApiFixture } from '../support/api.js';
import { startTestWorker, type TestTemporal } from '../support/temporal.js';

const f = useApiFixture();
const admin = bearer(ADMIN);

/** A raw HTTP/1.1 response as it came off the socket. */
interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** ms from the first byte sent to the connection closing. */
  closedAfterMs: number;
}

/**
 * Writes `request` on a fresh connection and reads until the server closes it (or
 * `hangUpAfterMs` passes, when the client hangs up itself instead).
 */
function exchange(port: number, request: string, hangUpAfterMs?: number): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const started = performance.now();
    const guard = setTimeout(() => {
      socket.destroy();
      reject(new Error('the server kept the connection open for 10 s'));
    }, 10_000);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => {}); // a reset after the answer is the server closing
    socket.on('close', () => {
      clearTimeout(guard);
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, body, closedAfterMs: performance.now() - started });
    });
    socket.write(request);
    if (hangUpAfterMs !== undefined) setTimeout(() => socket.destroy(), hangUpAfterMs);
  });
}

/** An app over the fixture's database, listening on a free port, its log lines kept. */
async function listening(timeouts?: { request?: number }): Promise<{ app: ApiInstance; port: number; log: { msg: string; [k: string]: unknown }[] }> {
  const log: { msg: string }[] = [];
  const app = await buildApp({
    db: f.db.kysely,
    adminToken: ADMIN,
    timeouts,
    logger: { level: 'info', stream: { write: (line: string) => log.push(JSON.parse(line) as { msg: string }) } },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, port: (app.server.address() as AddressInfo).port, log };
}

describe('methods', () => {
  test('a path served under other methods answers 405 problem+json with Allow; an unknown path is still a 404', async () => {
    const trace = await f.app.inject({ method: 'TRACE', url: '/healthz' });
    expect(expectProblem(trace, 405)).toMatchObject({ title: 'Method Not Allowed', detail: 'TRACE is not allowed on /healthz; it takes GET, HEAD' });
    expect(trace.headers.allow).toBe('GET, HEAD');
    // A parameterised path matches as the router matches it; the token is not asked for first.
    const del = await f.app.inject({ method: 'DELETE', url: '/orgs/tj' });
    expectProblem(del, 405);
    expect(del.headers.allow).toBe('GET, HEAD');
    expect((await f.app.inject({ method: 'PUT', url: '/tokens', headers: admin })).headers.allow).toBe('GET, HEAD, POST');
    expect((await f.app.inject({ method: 'POST', url: '/docs/static/index.css' })).headers.allow).toBe('GET, HEAD');
    expect(expectProblem(await f.app.inject({ method: 'TRACE', url: '/nowhere' }), 404).detail).toBe('no route TRACE /nowhere');
  });

  test('a body method without a Content-Type on a path that does not take it is a 405, not a 400 about the header', async () => {
    // Found by the contract test: QUERY (a body method to Fastify) on a GET-only path was refused for its missing Content-Type.
    const query = await f.app.inject({ method: 'QUERY' as never, url: '/orgs/tj', headers: admin });
    expect(expectProblem(query, 405).detail).toBe('QUERY is not allowed on /orgs/tj; it takes GET, HEAD');
    expect(query.headers['x-content-type-options']).toBe('nosniff');
  });

  test('a static path lists only its own methods, not those of a parametric route that also matches it', async () => {
    // `/orgs/import` is POST only in the document; `GET /orgs/:id` matching the id `import` is another operation.
    const options = await f.app.inject({ method: 'OPTIONS', url: '/orgs/import' });
    expectProblem(options, 405);
    expect(options.headers.allow).toBe('POST');
  });
});

describe('what Node refuses before routing, as problem+json', () => {
  test('a body that stalls (100 bytes declared, 4 sent, no token needed) gets a 408 and the connection closes within the request timeout', async () => {
    const { app, port, log } = await listening({ request: 1000 });
    try {
      const res = await exchange(
        port,
        'POST /campaigns/any/public-messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"te',
      );
      expect(res.status).toBe(408);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(JSON.parse(res.body)).toMatchObject({
        type: 'about:blank',
        title: 'Request Timeout',
        status: 408,
        detail: expect.stringMatching(/did not arrive in time/),
      });
      // Node checks every fifth of the timeout: closed between 1 s and 1.2 s, with room for a busy machine.
      expect(res.closedAfterMs).toBeGreaterThanOrEqual(900);
      expect(res.closedAfterMs).toBeLessThan(4000);
      // Headers that never finish are cut off the same way.
      const headers = await exchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      expect(headers.status).toBe(408);
      expect(headers.closedAfterMs).toBeLessThan(4000);
      await expect
        .poll(() => log.map((e) => e.msg), { timeout: 5000, message: 'the cut-off request logged' })
        .toContain('the client went away before its request was read');
      expect(log.map((e) => e.msg)).not.toContain('database unavailable');
    } finally {
      await app.close();
    }
  });

  test('headers too large get a 431 problem and the connection closes', async () => {
    const { app, port } = await listening();
    try {
      const res = await exchange(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      expect(res.status).toBe(431);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(res.body)).toMatchObject({ title: 'Request Header Fields Too Large', status: 431 });
    } finally {
      await app.close();
    }
  });

  test('a client that hangs up mid-upload is logged as such, never as "database unavailable"', async () => {
    const { app, port, log } = await listening();
    try {
      const half = '{"role":"secretary","orgId":"tj-d1",';
      await exchange(
        port,
        `POST /tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n${half}`,
        300,
      );
      await expect
        .poll(() => log.map((e) => e.msg), { timeout: 5000, message: 'the hang-up logged' })
        .toContain('the client went away before its request was read');
      expect(log.map((e) => e.msg)).not.toContain('database unavailable');
      expect(log.filter((e) => e.level === 40 || e.level === 50)).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

describe('the Authorization header', () => {
  test('the bearer scheme is case-insensitive and may be followed by several spaces (RFC 9110 §11.1)', async () => {
    for (const authorization of [`bearer ${ADMIN}`, `BEARER ${ADMIN}`, `Bearer   ${ADMIN}`, `bEaReR ${ADMIN} `]) {
      expect((await f.app.inject({ method: 'GET', url: '/orgs/tj', headers: { authorization } })).statusCode, authorization).toBe(200);
    }
    for (const authorization of ['bearer', 'bearer ', `Bearer${ADMIN}`, `Basic ${ADMIN}`, `bearer ${ADMIN} extra`]) {
      expectProblem(await f.app.inject({ method: 'GET', url: '/orgs/tj', headers: { authorization } }), 401);
    }
  });
});

describe('headers', () => {
  test('every answer carries helmet’s security headers; secrets, refusals and writes are no-store, authenticated reads private and revalidated (api/app.ts)', async () => {
    const health = await f.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
    const csp = String(health.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');

    const issued = await f.app.inject({ method: 'POST', url: '/tokens', headers: admin, payload: { role: 'secretary', orgId: 'tj-d1', label: 'no-store' } });
    expect(issued.statusCode).toBe(201);
    expect(issued.headers).toMatchObject({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    // A read is the caller's own: a browser may keep it (never a shared cache) and must ask again with its ETag.
    expect((await f.app.inject({ method: 'GET', url: '/orgs/tj', headers: admin })).headers).toMatchObject({
      'cache-control': 'private, no-cache',
      etag: expect.stringMatching(/^"/),
    });
    const problem = await f.app.inject({ method: 'GET', url: '/orgs/tj' });
    expect(problem.headers).toMatchObject({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    // The router's own refusals, which run no hook, carry the two that matter for them.
    for (const url of ['/orgs/tj%FF', `/orgs/${'a'.repeat(1001)}`]) {
      expect((await f.app.inject({ method: 'GET', url, headers: admin })).headers, url).toMatchObject({
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
    }
    // A tracking code's route: no-store whatever it answers.
    expect((await f.app.inject({ method: 'GET', url: '/campaigns/none/public-messages/track/ABCD-EFGH-JKMN' })).headers['cache-control']).toBe('no-store');
  });

  test('the docs still load under the policy: same-origin scripts and styles, with their own media types (nosniff), cacheable', async () => {
    const page = await f.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(String(page.headers['content-security-policy'])).toContain("default-src 'self'");
    const refs = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    const scripts = refs.filter((r) => r.endsWith('.js'));
    const styles = refs.filter((r) => r.endsWith('.css'));
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    expect(styles.length).toBeGreaterThanOrEqual(1);
    for (const ref of [...scripts, ...styles]) {
      const url = new URL(ref, 'http://api.test/docs/');
      expect(url.origin, `${ref} is same-origin`).toBe('http://api.test');
      const asset = await f.app.inject({ method: 'GET', url: url.pathname });
      expect(asset.statusCode, url.pathname).toBe(200);
      expect(asset.headers['content-type'], url.pathname).toMatch(ref.endsWith('.js') ? /javascript/ : /^text\/css/);
      // The files may be cached; swagger-initializer.js is written by a route and need not be.
      if (!url.pathname.endsWith('/swagger-initializer.js')) expect(asset.headers['cache-control'], url.pathname).not.toBe('no-store');
    }
    // No inline script for the policy to block (script-src 'self' has no 'unsafe-inline').
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const initializer = await f.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    expect(initializer.statusCode).toBe(200);
    expect(initializer.body).toContain("resolveUrl('./json')"); // /docs/json, same origin
    expect((await f.app.inject({ method: 'GET', url: '/docs/json' })).json().openapi).toMatch(/^3\./);
  });
});

describe('one answer for an org that does not exist and one outside what the caller may see', () => {
  test('a secretary, an inspector and an organiser get the same 404 for both; 403 stays for an org they see but may not act on so', async () => {
    const roles = [
      { role: 'secretary', orgId: 'tj-d1-u1-b1' },
      { role: 'inspector', orgId: 'tj-d1' },
      { role: 'organiser', orgId: 'tj-d1' },
    ];
    for (const who of roles) {
      const h = bearer(await issueToken(f.app, who));
      for (const path of ['/orgs/:id', '/orgs/:id/children', '/orgs/:id/subtree']) {
        const outside = expectProblem(await f.app.inject({ method: 'GET', url: path.replace(':id', 'tj-d2'), headers: h }), 404);
        const missing = expectProblem(await f.app.inject({ method: 'GET', url: path.replace(':id', 'tj-d9'), headers: h }), 404);
        expect({ ...outside, detail: outside.detail.replace('tj-d2', 'X') }).toEqual({ ...missing, detail: missing.detail.replace('tj-d9', 'X') });
        expect(outside.detail).toBe('org tj-d2 does not exist or is outside what you may see');
      }
      // An org action's route too (refused before any workflow is asked).
      const mobilise = (org: string) =>
        f.app.inject({ method: 'POST', url: `/campaigns/any/orgs/${org}/mobilisation`, headers: h, payload: { date: '2019-09-05', attendance: 10 } });
      expect(expectProblem(await mobilise('tj-d2'), 404).title).toBe(expectProblem(await mobilise('tj-d9'), 404).title);
    }
    // An organiser importing a tree whose root is elsewhere, or new: the same 404.
    const organiser = bearer(await issueToken(f.app, { role: 'organiser', orgId: 'tj-d1' }));
    const importAs = (id: string) =>
      f.app.inject({ method: 'POST', url: '/orgs/import', headers: organiser, payload: { id, level: 'district', name: '某区' } });
    expect(expectProblem(await importAs('tj-d2'), 404).detail).toBe('org tj-d2 does not exist or is outside what you may see');
    expect(expectProblem(await importAs('tj-d9'), 404).detail).toBe('org tj-d9 does not exist or is outside what you may see');
    // Revoking a token of another district's org, or one that does not exist: the same 404, naming no org.
    const elsewhere = (await issueToken(f.app, { role: 'secretary', orgId: 'tj-d2' })).split('_')[1]!;
    const revokeOutside = expectProblem(await f.app.inject({ method: 'DELETE', url: `/tokens/${elsewhere}`, headers: organiser }), 404);
    expect(revokeOutside.detail).toBe(`token ${elsewhere} does not exist or is outside what you may see`);
    expectProblem(await f.app.inject({ method: 'DELETE', url: '/tokens/000000000000', headers: organiser }), 404);

    // Seen, but not to be acted on so: a 403 that says the rule.
    const secretary = bearer(await issueToken(f.app, { role: 'secretary', orgId: 'tj-d1' }));
    const verify = expectProblem(
      await f.app.inject({ method: 'POST', url: '/campaigns/any/orgs/tj-d1/problems/p1/verification', headers: secretary, payload: { decision: 'verified' } }),
      403,
    );
    expect(verify.detail).toBe(
      "a secretary of tj-d1 may not verify org tj-d1's rectifications: an item is verified by an inspector over the org or an organiser above it, never by whoever rectified it",
    );
    expect(verify.errors).toBeUndefined();
    const below = expectProblem(
      await f.app.inject({
        method: 'POST',
        url: '/campaigns/any/orgs/tj-d1-u1/mobilisation',
        headers: secretary,
        payload: { date: '2019-09-05', attendance: 10 },
      }),
      403,
    );
    expect(below.detail).toBe('a secretary of tj-d1 acts on its own org only, not on org tj-d1-u1 below it');
    // An admin sees everything: a plain "does not exist".
    expect(expectProblem(await f.app.inject({ method: 'GET', url: '/orgs/tj-d9', headers: admin }), 404).detail).toBe('org tj-d9 does not exist');
  });
});

describe('a token expires by the app’s clock', () => {
  test('usable until its expiresAt, a 401 from then on', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const app = await buildApp({ db: f.db.kysely, adminToken: ADMIN, now: () => now });
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/tokens',
        headers: admin,
        payload: { role: 'secretary', orgId: 'tj-d1', label: 'one day', expiresInDays: 1 },
      });
      expect(res.json()).toMatchObject({ expiresAt: '2030-01-02T00:00:00.000Z' });
      const read = () => app.inject({ method: 'GET', url: '/orgs/tj-d1', headers: bearer(res.json().token as string) });
      now += 86_400_000 - 1000;
      expect((await read()).statusCode).toBe(200);
      now += 1000;
      const expired = await read();
      expect(expectProblem(expired, 401).detail).toBe('the token has been revoked or has expired');
      expect(expired.headers['www-authenticate']).toBe('Bearer');
    } finally {
      await app.close();
    }
  });
});

describe('on a running campaign (real Temporal)', () => {
  let t: TestTemporal;
  let app: ApiInstance;
  const C = 'edges-2019';
  const org = (id: string) => `/campaigns/${C}/orgs/${id}`;

  beforeAll(async () => {
    t = await startTestWorker(f.db.kysely);
    app = await buildApp({ db: f.db.kysely, temporal: { client: t.client, taskQueue: t.taskQueue }, adminToken: ADMIN });
    await importTree(app, generateTree('small'));
    const spec = { id: C, name: '主题教育', batch: 2, rootOrgId: 'tj', phaseMode: 'integrated', startsOn: '2019-09-01', endsOn: '2099-12-31' };
    const started = await app.inject({ method: 'POST', url: '/campaigns', headers: admin, payload: spec });
    expect(started.statusCode, started.body).toBe(201);
    await vi.waitFor(
      async () => {
        const value = await app.inject({ method: 'POST', url: `${org('tj')}/mobilisation`, headers: admin, payload: { date: '2019-09-05', attendance: 300 } });
        expect(value, 'tj mobilised').toSatisfy((r) => r.statusCode === 200);
      },
      { timeout: 30_000, interval: 200 },
    );
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await t?.stop();
  });

  test('an org action replayed from its Idempotency-Key says so; the first answer does not', { timeout: 60_000 }, async () => {
    const secretary = bearer(await issueToken(app, { role: 'secretary', orgId: 'tj' }));
    const key = randomUUID();
    const send = () =>
      app.inject({
        method: 'POST',
        url: `${org('tj')}/study-sessions`,
        headers: { ...secretary, 'idempotency-key': key },
        payload: { date: '2019-09-10', kind: 'concentrated', hours: 3, attendance: 50 },
      });
    const first = await send();
    expect(first.statusCode, first.body).toBe(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await send();
    expect(again.json()).toEqual(first.json());
    expect(again.headers['idempotent-replayed']).toBe('true');
  });

  test('verification refused by the rule, naming no field the request does not have', { timeout: 60_000 }, async () => {
    // The city's organiser rectifies a district's item itself, then tries to verify it.
    const organiser = bearer(await issueToken(app, { role: 'organiser', orgId: 'tj' }));
    await expect
      .poll(() => app.inject({ method: 'POST', url: `${org('tj-d1')}/mobilisation`, headers: organiser, payload: { date: '2019-09-06', attendance: 80 } }), {
        timeout: 20_000,
        message: 'tj-d1 mobilised',
      })
      .toSatisfy((r) => r.statusCode === 200);
    const step = async (path: string, payload: object) => {
      const res = await app.inject({ method: 'POST', url: `${org('tj-d1')}${path}`, headers: organiser, payload });
      expect(res.statusCode, `${path}: ${res.body}`).toBe(200);
    };
    await step('/problems', { problemId: 'v1', source: 'self_inspection', category: '作风', description: '会议过多' });
    await step('/problems/v1/plan', { owner: '办公室', measures: '精简会议', deadline: '2099-06-30' });
    await step('/problems/v1/start', {});
    await step('/problems/v1/rectification', { evidence: '会议减少三成' });
    const refused = expectProblem(
      await app.inject({ method: 'POST', url: `${org('tj-d1')}/problems/v1/verification`, headers: organiser, payload: { decision: 'verified' } }),
      403,
    );
    expect(refused.detail).toBe('item v1 is verified by an inspector or an organiser above tj-d1, never by whoever rectified it, as this caller did');
    expect(refused.errors).toBeUndefined();
    expect(JSON.stringify(refused)).not.toContain('body.by');

    // The district's own organiser is not above it.
    const own = bearer(await issueToken(app, { role: 'organiser', orgId: 'tj-d1' }));
    const notAbove = expectProblem(
      await app.inject({ method: 'POST', url: `${org('tj-d1')}/problems/v1/verification`, headers: own, payload: { decision: 'verified' } }),
      403,
    );
    expect(notAbove.detail).toBe("an item of tj-d1 is verified by an inspector over it or an organiser above it, never by the org's own people");
    expect(notAbove.errors).toBeUndefined();
  });
});
