/**
 * Conditional polling in a real browser: the overview, left open, asks again every 3 s; the
 * browser sends the ETag it kept (`If-None-Match`) and the API answers 304 while nothing
 * changes; a change made elsewhere (the API) shows without a reload. Chromium through
 * playwright-core, against the real stack (API serving the console, worker, Temporal, PostgreSQL).
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildApp, type ApiInstance } from '../../api/app.js';
import { generateTree } from '../../domain/generate-tree.js';
import { chinaDate } from '../../domain/org-node.js';
import { ADMIN, bearer, importTree } from '../support/api.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { startTestWorker, type TestTemporal } from '../support/temporal.js';
import { waitFor } from '../support/wait.js';
import { ensureConsoleBuilt, startBrowser, type Browser } from '../../scripts/lib/chromium.js';

const CAMPAIGN = 'live-console';
const DAY = 86_400_000;
let db: TestDatabase;
let t: TestTemporal;
let app: ApiInstance;
let base: string;
let browser: Browser;
const org = (id: string, rest = '') => `/campaigns/${CAMPAIGN}/orgs/${id}${rest}`;

beforeAll(async () => {
  const consoleDir = ensureConsoleBuilt();
  db = await freshDatabase();
  t = await startTestWorker(db.kysely);
  app = await buildApp({ db: db.kysely, temporal: { client: t.client, taskQueue: t.taskQueue }, adminToken: ADMIN, console: consoleDir });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  await importTree(app, generateTree('small'));
  const res = await app.inject({
    method: 'POST',
    url: '/campaigns',
    headers: bearer(ADMIN),
    payload: { id: CAMPAIGN, name: '主题教育（实时）', batch: 2, rootOrgId: 'tj', phaseMode: 'integrated', startsOn: chinaDate(Date.now() - DAY), endsOn: chinaDate(Date.now() + 60 * DAY), rules: { mobiliseWithinDays: 4, progressReportSeconds: 1 } },
  });
  expect(res.statusCode, res.body).toBe(201);
  await waitFor(() => app.inject({ method: 'POST', url: org('tj', '/mobilisation'), headers: bearer(ADMIN), payload: { date: chinaDate(Date.now()), attendance: 300 } }), (r) => r.statusCode === 200, 30_000, 'the city mobilised');
  await waitFor(() => app.inject({ method: 'GET', url: org('tj-d3'), headers: bearer(ADMIN) }), (r) => r.statusCode === 200, 60_000, 'the cascade reached the districts');
  browser = startBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await t?.stop();
  await db?.close();
});

test('the open overview revalidates every 3 s (304 while nothing changes) and shows a change without a reload', async () => {
  const context = await browser.context();
  const page = await context.newPage();
  // What the browser sent and got: a revalidated answer shows as 200 to the page (the kept body), so
  // a 304 is seen as a request carrying the ETag it kept, and a transfer smaller than the body.
  const sent: { ifNoneMatch: string | undefined; etag: string | undefined }[] = [];
  page.on('response', async (r) => {
    if (!r.url().includes(`${org('tj')}/overview`)) return;
    sent.push({ ifNoneMatch: (await r.request().allHeaders())['if-none-match'], etag: (await r.allHeaders()).etag });
  });
  type Entry = { name: string; transferSize: number; encodedBodySize: number };
  const revalidated = () =>
    page.evaluate(() =>
      (globalThis as unknown as { performance: { getEntriesByType(t: string): Entry[] } }).performance
        .getEntriesByType('resource')
        .filter((e) => e.name.includes('/overview') && e.transferSize > 0 && e.transferSize < e.encodedBodySize).length,
    );
  await page.goto(`${base}/#${org('tj').replace('/campaigns/', '/c/').replace('/orgs/', '/o/')}`);
  await page.getByLabel('访问令牌').fill(ADMIN);
  await page.getByRole('button', { name: '登录' }).click();
  const row = page.locator('table.children tbody tr', { hasText: 'tj-d3' });
  await row.waitFor();
  await expect.poll(() => row.textContent()).toMatch(/黄/);
  // Left open: the polls revalidate with the ETag they kept, and once the figures settle the API
  // answers 304 (only headers cross the wire: the transfer is smaller than the body it stands for).
  await expect.poll(revalidated, { timeout: 30_000 }).toBeGreaterThan(0);
  expect(sent.some((s) => s.ifNoneMatch !== undefined && s.ifNoneMatch === s.etag)).toBe(true);
  // A change elsewhere: tj-d3 mobilises through the API; the page shows it without a reload (200, new body).
  await waitFor(() => app.inject({ method: 'POST', url: org('tj-d3', '/mobilisation'), headers: bearer(ADMIN), payload: { date: chinaDate(Date.now()), attendance: 50 } }), (r) => r.statusCode === 200, 30_000, 'tj-d3 mobilised');
  const before = sent.length;
  await expect.poll(() => row.textContent(), { timeout: 30_000 }).not.toMatch(/未召开动员会/);
  // The new body came under a new ETag, for a request that sent the old one.
  expect(sent.slice(before).some((s) => s.ifNoneMatch !== undefined && s.etag !== s.ifNoneMatch)).toBe(true);
  await context.close();
}, 120_000);
