/**
 * The overview live and on time, against the real stack (Temporal, worker, PostgreSQL):
 * - 动员部署 on time: an org the cascade reached that has not mobilised is yellow, and red
 *   once `rules.mobiliseWithinDays` have passed (the API's clock, `AppDeps.now`, moved on),
 *   sorted first, filtered as red, counted, and said why in the overview and in `/lagging`;
 * - conditional reads: the same read again with its ETag answers 304 with no body, and once
 *   something changed (a mobilisation; the clock passing the deadline) 200 with the new body;
 *   authenticated reads are `private, no-cache`, everything else `no-store`.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { buildApp, type ApiInstance } from '../../api/app.js';
import { generateTree } from '../../domain/generate-tree.js';
import { chinaDate } from '../../domain/org-node.js';
import { ADMIN, bearer, importTree } from '../support/api.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { startTestWorker, type TestTemporal } from '../support/temporal.js';

const CAMPAIGN = 'live-test';
const DAY = 86_400_000;

let db: TestDatabase;
let t: TestTemporal;
let app: ApiInstance;
/** The API's clock: real time plus `shift`. */
let shift = 0;

type Node = { orgId: string; colour: string; reasons: string[]; mobilisedOn: string | null; reachedAt: string | null };
type Overview = {
  campaign: { mobiliseWithinDays: number | null };
  levels: { level: string; red: number; yellow: number }[];
  children: { items: Node[]; total: number };
};
const url = (orgId: string, rest: string) => `/campaigns/${CAMPAIGN}/orgs/${orgId}${rest}`;
const get = (path: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url: path, headers: { ...bearer(ADMIN), ...headers } });
const overview = async (query = '') => (await get(url('tj', `/overview${query}`))).json<Overview>();

beforeAll(async () => {
  db = await freshDatabase();
  t = await startTestWorker(db.kysely);
  app = await buildApp({ db: db.kysely, temporal: { client: t.client, taskQueue: t.taskQueue }, adminToken: ADMIN, now: () => Date.now() + shift });
  await importTree(app, generateTree('small'));
  const started = await app.inject({
    method: 'POST',
    url: '/campaigns',
    headers: bearer(ADMIN),
    payload: {
      id: CAMPAIGN,
      name: '主题教育（动员时限）',
      batch: 2,
      rootOrgId: 'tj',
      phaseMode: 'integrated',
      startsOn: chinaDate(Date.now() - DAY),
      endsOn: chinaDate(Date.now() + 60 * DAY),
      rules: { minStudyDays: 1, mobiliseWithinDays: 4, progressReportSeconds: 1 },
    },
  });
  expect(started.statusCode, started.body).toBe(201);
  // The city mobilises; the cascade reaches its three districts, which do not mobilise (yet).
  await vi.waitFor(
    async () => {
      const value = await app.inject({
        method: 'POST',
        url: url('tj', '/mobilisation'),
        headers: bearer(ADMIN),
        payload: { date: chinaDate(Date.now()), attendance: 300 },
      });
      expect(value, 'the city mobilised').toSatisfy((r) => r.statusCode === 200);
    },
    { timeout: 30_000, interval: 200 },
  );
  await vi.waitFor(
    async () => {
      const value = (await overview()).children.items.map((c) => c.reachedAt);
      expect(value, 'the cascade reached the districts').not.toContain(null);
    },
    { timeout: 60_000, interval: 200 },
  );
}, 180_000);

afterAll(async () => {
  await app?.close();
  await t?.stop();
  await db?.close();
});

describe('动员部署 on time (rules.mobiliseWithinDays)', () => {
  test('not mobilised: yellow within the deadline, red past it, with the reason, sorted, filtered, counted and in /lagging', async () => {
    const before = await overview();
    expect(before.campaign.mobiliseWithinDays).toBe(4);
    expect(before.children.items.map((c) => [c.orgId, c.colour, c.reasons[0]])).toEqual([
      ['tj-d1', 'yellow', 'not mobilised'],
      ['tj-d2', 'yellow', 'not mobilised'],
      ['tj-d3', 'yellow', 'not mobilised'],
    ]);
    // tj-d2 mobilises in time.
    await expect
      .poll(
        () =>
          app.inject({ method: 'POST', url: url('tj-d2', '/mobilisation'), headers: bearer(ADMIN), payload: { date: chinaDate(Date.now()), attendance: 80 } }),
        { timeout: 30_000, message: 'tj-d2 mobilised' },
      )
      .toSatisfy((r) => r.statusCode === 200);
    await expect
      .poll(async () => (await overview()).children.items.find((c) => c.orgId === 'tj-d2')?.mobilisedOn ?? null, {
        timeout: 30_000,
        message: 'tj-d2’s mobilisation in the read model',
      })
      .not.toBeNull();

    shift = 3.9 * DAY;
    expect((await overview('?colour=red')).children.total).toBe(0);

    shift = 5 * DAY;
    const after = await overview();
    const colours = Object.fromEntries(after.children.items.map((c) => [c.orgId, c.colour]));
    expect(colours).toEqual({ 'tj-d1': 'red', 'tj-d3': 'red', 'tj-d2': expect.stringMatching(/^(yellow|green)$/) });
    // Red first, and it says why.
    expect(after.children.items.slice(0, 2).map((c) => c.orgId)).toEqual(['tj-d1', 'tj-d3']);
    expect(after.children.items[0]!.reasons).toEqual(expect.arrayContaining(['not mobilised', 'reached 5 days ago, mobilise within 4 days']));
    const red = await overview('?colour=red');
    expect(red.children.items.map((c) => c.orgId)).toEqual(['tj-d1', 'tj-d3']);
    expect(after.levels.find((l) => l.level === 'district')?.red).toBe(2);
    // /lagging gives the same reason.
    const lagging = (await get(url('tj', '/lagging'))).json<{ items: { orgId: string; reasons: string[] }[] }>();
    expect(lagging.items.find((i) => i.orgId === 'tj-d1')?.reasons).toContain('reached 5 days ago, mobilise within 4 days');
    expect(lagging.items.find((i) => i.orgId === 'tj-d2')?.reasons ?? []).not.toContain('not mobilised');
    shift = 0;
  });
});

describe('conditional reads (ETag, 304)', () => {
  test('the same read again answers 304 with no body; a change answers 200 with the new body', async () => {
    const path = url('tj', '/overview?sort=position');
    // Once the figures settle (progress reports go every second), two reads in a row are the same.
    const first = await vi.waitFor(
      async () => {
        const value = await (async () => {
          const a = await get(path);
          const b = await get(path, { 'if-none-match': String(a.headers.etag) });
          return { a, b };
        })();
        expect(value, 'a 304 for an unchanged overview').toSatisfy(({ b }: typeof value) => b.statusCode === 304);
        return value;
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(first.a.statusCode).toBe(200);
    expect(first.a.headers['cache-control']).toBe('private, no-cache');
    expect(first.a.headers.etag).toMatch(/^"/);
    expect(first.b.body).toBe('');
    expect(first.b.headers.etag).toBe(first.a.headers.etag);
    expect(first.b.headers['cache-control']).toBe('private, no-cache');

    // A change: tj-d3 mobilises. The old ETag then gets 200 and the new body.
    const etag = String(first.a.headers.etag);
    await expect
      .poll(
        () =>
          app.inject({ method: 'POST', url: url('tj-d3', '/mobilisation'), headers: bearer(ADMIN), payload: { date: chinaDate(Date.now()), attendance: 60 } }),
        { timeout: 30_000, message: 'tj-d3 mobilised' },
      )
      .toSatisfy((r) => r.statusCode === 200);
    const changed = await vi.waitFor(
      async () => {
        const value = await get(path, { 'if-none-match': etag });
        expect(value, 'the new overview for the old ETag').toSatisfy(
          (r: typeof value) => r.statusCode === 200 && r.json<Overview>().children.items.some((c) => c.orgId === 'tj-d3' && c.mobilisedOn !== null),
        );
        return value;
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(changed.headers.etag).not.toBe(etag);

    // Time alone changes an answer too: past the deadline tj-d1 turns red, and the ETag with it.
    const settled = await vi.waitFor(
      async () => {
        const value = await (async () => {
          const a = await get(path);
          return { a, b: await get(path, { 'if-none-match': String(a.headers.etag) }) };
        })();
        expect(value, 'a 304 again').toSatisfy(({ b }: typeof value) => b.statusCode === 304);
        return value;
      },
      { timeout: 30_000, interval: 200 },
    );
    shift = 5 * DAY;
    const later = await get(path, { 'if-none-match': String(settled.a.headers.etag) });
    shift = 0;
    expect(later.statusCode).toBe(200);
    expect(later.json<Overview>().children.items.find((c) => c.orgId === 'tj-d1')?.colour).toBe('red');
  });

  test('what is not an authenticated read stays no-store: refusals, writes, the session', async () => {
    expect((await app.inject({ method: 'GET', url: url('tj', '/overview') })).headers['cache-control']).toBe('no-store');
    expect((await get(url('nowhere', '/overview'))).headers['cache-control']).toBe('no-store');
    expect((await get('/session')).headers['cache-control']).toBe('no-store');
    const issued = await app.inject({ method: 'POST', url: '/tokens', headers: bearer(ADMIN), payload: { label: 'live', role: 'secretary', orgId: 'tj-d1' } });
    expect(issued.statusCode).toBe(201);
    expect(issued.headers['cache-control']).toBe('no-store');
  });
});
