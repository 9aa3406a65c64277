/**
 * Conditional polling in a real browser: the overview, left open, asks again every 3 s; the
 * browser sends the ETag it kept (`If-None-Match`) and the API answers 304 while nothing
 * changes; a change made elsewhere (the API) shows without a reload. Chromium through
 * playwright-core, against the real stack (API serving the console, worker, Temporal, PostgreSQL).
 */
import { expect, test } from 'vitest';
import { chinaDate } from '../../domain/org-node.js';
import { ADMIN, bearer } from '../support/api.js';
import { useConsoleStack } from '../support/console.js';

const CAMPAIGN = 'live-console';
const s = useConsoleStack({
  campaign: { id: CAMPAIGN, name: '主题教育（实时）', startedDaysAgo: 1, rules: { mobiliseWithinDays: 4, progressReportSeconds: 1 } },
  async setUp({ mobilise, reached }) {
    await mobilise('tj', { daysAgo: 0, attendance: 300, what: 'the city mobilised' });
    await reached('tj-d3', { what: 'the cascade reached the districts' });
  },
});
const { org } = s;

test('the open overview revalidates every 3 s (304 while nothing changes) and shows a change without a reload', async () => {
  const context = await s.browser.context();
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
    page.evaluate(
      () =>
        (globalThis as unknown as { performance: { getEntriesByType(t: string): Entry[] } }).performance
          .getEntriesByType('resource')
          .filter((e) => e.name.includes('/overview') && e.transferSize > 0 && e.transferSize < e.encodedBodySize).length,
    );
  await page.goto(`${s.base}/#${org('tj').replace('/campaigns/', '/c/').replace('/orgs/', '/o/')}`);
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
  // Counted before the change is sent: a poll may fetch the new body while the mobilisation's own call is still answering.
  const before = sent.length;
  await expect
    .poll(
      () =>
        s.app.inject({ method: 'POST', url: org('tj-d3', '/mobilisation'), headers: bearer(ADMIN), payload: { date: chinaDate(Date.now()), attendance: 50 } }),
      { timeout: 30_000, message: 'tj-d3 mobilised' },
    )
    .toSatisfy((r) => r.statusCode === 200);
  await expect.poll(() => row.textContent(), { timeout: 30_000 }).not.toMatch(/未召开动员会/);
  // The new body came under a new ETag, for a request that sent the old one.
  expect(sent.slice(before).some((s) => s.ifNoneMatch !== undefined && s.etag !== s.ifNoneMatch)).toBe(true);
  await context.close();
}, 120_000);
