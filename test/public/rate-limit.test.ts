/**
 * The public routes' rate limits, counted in PostgreSQL (api/rate-limit.ts): the token
 * bucket in SQL on a hand-driven clock, and two apps over one database (two API processes)
 * that together allow exactly what one does.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp, type ApiInstance } from '../../api/app.js';
import { pruneRateLimits, takeToken } from '../../api/rate-limit.js';
import { ADMIN, expectProblem } from '../support/api.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => {
  await db?.close();
});

describe('the bucket in SQL', () => {
  const waits = async (scope: string, client: string, times: number, nowMs: number, bucket = { capacity: 3, refillEveryMs: 60_000 }) => {
    const out: number[] = [];
    for (let i = 0; i < times; i++) {
      const t = await takeToken(db.kysely, scope, client, bucket, nowMs);
      out.push(t.allowed ? 0 : t.waitMs);
    }
    return out;
  };

  test('a burst up to capacity, then one per refill interval; each address has its own bucket', async () => {
    const t0 = 1_800_000_000_000;
    expect(await waits('s', 'a', 3, t0)).toEqual([0, 0, 0]);
    expect(await waits('s', 'a', 1, t0)).toEqual([60_000]);
    expect(await waits('s', 'b', 1, t0)).toEqual([0]);
    expect(await waits('s', 'a', 1, t0 + 30_000)).toEqual([30_000]);
    expect(await waits('s', 'a', 2, t0 + 60_000)).toEqual([0, 60_000]);
    // Idle for an hour: full again, never more than the capacity.
    expect(await waits('s', 'a', 4, t0 + 3_660_000)).toEqual([0, 0, 0, 60_000]);
    // Another scope (route) is another bucket.
    expect(await waits('other', 'a', 1, t0 + 3_660_000)).toEqual([0]);
  });

  test('requests racing on one bucket are each counted once', async () => {
    const t0 = 1_800_000_000_000;
    const takes = await Promise.all(Array.from({ length: 12 }, () => takeToken(db.kysely, 'race', 'a', { capacity: 5, refillEveryMs: 60_000 }, t0)));
    expect(takes.filter((t) => t.allowed)).toHaveLength(5);
  });

  test('a bucket full again is deleted, and deleting it changes nothing', async () => {
    const t0 = 1_900_000_000_000;
    await waits('p', 'full-soon', 1, t0);
    await waits('p', 'busy', 3, t0);
    // 'full-soon' spent one token (full again a minute later), 'busy' three (three minutes).
    await pruneRateLimits(db.kysely, t0 + 120_000);
    const left = await db.kysely.selectFrom('rate_limits').select('client').where('scope', '=', 'p').execute();
    expect(left.map((r) => r.client)).toEqual(['busy']);
    expect(await waits('p', 'full-soon', 4, t0 + 120_000)).toEqual([0, 0, 0, 60_000]);
    // Two minutes after spending three, two are back.
    expect(await waits('p', 'busy', 3, t0 + 120_000)).toEqual([0, 0, 60_000]);
  });
});

describe('two API processes over one database', () => {
  let now = 1_700_000_000_000;
  const apps: ApiInstance[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 2; i++) apps.push(await buildApp({ db: db.kysely, adminToken: ADMIN, now: () => now }));
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
  });

  /** The limit counts before anything else: a campaign that does not exist answers 404 until it is reached. */
  const submit = (app: ApiInstance, remoteAddress: string) =>
    app.inject({
      method: 'POST',
      url: '/campaigns/no-such-campaign/public-messages',
      payload: { text: '好', category: '交通', area: '河西区' },
      remoteAddress,
    });
  const track = (app: ApiInstance, remoteAddress: string) =>
    app.inject({ method: 'GET', url: `/campaigns/no-such-campaign/public-messages/track/${'A'.repeat(24)}`, remoteAddress });

  const expectRefused = (res: Awaited<ReturnType<typeof submit>>, seconds: number) => {
    const problem = expectProblem(res, 429);
    expect(problem).toMatchObject({ title: 'Too Many Requests', retryAfterSeconds: seconds });
    expect(problem.detail).toMatch(/too many requests/);
    expect(res.headers['retry-after']).toBe(String(seconds));
  };

  test('sending: five in a burst across both, the sixth refused whichever process it reaches; another address is not affected; a minute later one more', async () => {
    const ip = '198.51.100.7';
    for (let i = 0; i < 5; i++) expect((await submit(apps[i % 2]!, ip)).statusCode).toBe(404);
    expectRefused(await submit(apps[1]!, ip), 60);
    expectRefused(await submit(apps[0]!, ip), 60);
    // Another address is not affected.
    expect((await submit(apps[0]!, '198.51.100.8')).statusCode).toBe(404);
    now += 30_000;
    expectRefused(await submit(apps[1]!, ip), 30);
    now += 30_000;
    expect((await submit(apps[1]!, ip)).statusCode).toBe(404);
    expectRefused(await submit(apps[0]!, ip), 60);
  });

  test('sending at once through both processes: exactly five pass', async () => {
    const ip = '198.51.100.9';
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => submit(apps[i % 2]!, ip)));
    expect(answers.filter((r) => r.statusCode === 404)).toHaveLength(5);
    for (const r of answers.filter((r) => r.statusCode !== 404)) expectRefused(r, 60);
  });

  test('tracking: thirty in a burst across both, then one every 2 s; its own bucket, apart from sending', async () => {
    const ip = '198.51.100.7'; // the address that used up its sending above
    for (let i = 0; i < 30; i++) expect((await track(apps[i % 2]!, ip)).statusCode).toBe(404);
    expectRefused(await track(apps[0]!, ip), 2);
    expectRefused(await track(apps[1]!, ip), 2);
    now += 2_000;
    expect((await track(apps[0]!, ip)).statusCode).toBe(404);
    expectRefused(await track(apps[1]!, ip), 2);
    // HEAD is the same route: the same bucket.
    expect((await apps[1]!.inject({ method: 'HEAD', url: `/campaigns/x/public-messages/track/${'A'.repeat(24)}`, remoteAddress: ip })).statusCode).toBe(429);
  });

  test('a route that is not rate limited is not counted', async () => {
    const rows = await db.kysely.selectFrom('rate_limits').select('scope').distinct().where('client', 'like', '198.51.100.%').execute();
    expect(rows.map((r) => r.scope).sort()).toEqual(['/campaigns/:id/public-messages', '/campaigns/:id/public-messages/track/:code']);
    for (let i = 0; i < 8; i++) expect((await apps[0]!.inject({ method: 'GET', url: '/healthz', remoteAddress: '198.51.100.7' })).statusCode).toBe(200);
  });
});
