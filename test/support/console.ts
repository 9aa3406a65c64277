/**
 * The usual setup of a browser test file (test/console/): a fresh database, a worker on its
 * own task queue, the API serving the built console and listening on a free port, the small
 * Tianjin-shaped tree imported, one campaign started over it (its id, name and rules the
 * file's own), then the file's own `setUp` (mobilisations, tokens, items…), then Chromium.
 * All of it is torn down after the file: browser, app, worker, database.
 *
 * The returned object is filled in by the `beforeAll` it registers: read `app`, `base` and
 * `browser` inside tests (or `setUp`), not at the top of the file. Its helpers (`call`,
 * `org`, `screen`, `signIn`, …) can be taken apart at the top of the file.
 *
 * @example
 * let secretary: string;
 * const s = useConsoleStack({
 *   campaign: { id: 'my-test', name: '主题教育（测试）', rules: { minStudyDays: 3, autoMobiliseLevels: ['unit'] } },
 *   async setUp({ mobilise, issueToken }) {
 *     await mobilise('tj', { daysAgo: 15, attendance: 300 });
 *     secretary = await issueToken({ role: 'secretary', orgId: 'tj-d1-u1-b1' });
 *   },
 * });
 * const { call, org, signIn } = s;
 * test('…', async () => {
 *   const page = await (await s.browser.context()).newPage();
 *   await signIn(page, secretary);
 * });
 */
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, vi } from 'vitest';
import { buildApp, type ApiInstance } from '../../api/app.js';
import { generateTree, type FlatOrg } from '../../domain/generate-tree.js';
import { chinaDate } from '../../domain/org-node.js';
import { ensureConsoleBuilt, startBrowser, type Browser } from '../../scripts/lib/chromium.js';
import { ADMIN, bearer, importTree, issueToken } from './api.js';
import { freshDatabase, type TestDatabase } from './db.js';
import { startTestWorker, type TestTemporal } from './temporal.js';

export const DAY = 86_400_000;

export interface ConsoleCampaign {
  id: string;
  name: string;
  /** The campaign starts this many days before the set-up runs (20 unless given). */
  startedDaysAgo?: number;
  /** And ends this many days after it (60 unless given). */
  endsInDays?: number;
  /** The campaign's rules, as POST /campaigns takes them; `progressReportSeconds: 1` unless given. */
  rules: Record<string, unknown>;
}

export interface ConsoleStackOptions {
  campaign: ConsoleCampaign;
  /** The tree imported (the small Tianjin-shaped one unless given). */
  tree?: readonly FlatOrg[];
  /** Passed to buildApp, for the console's link to the Temporal UI. */
  temporalUiUrl?: string;
  /** The file's own set-up, after the campaign starts and before the browser does. */
  setUp?: (stack: ConsoleStack) => Promise<void>;
}

export interface ConsoleStack {
  db: TestDatabase;
  t: TestTemporal;
  app: ApiInstance;
  /** The console's origin, e.g. http://127.0.0.1:41234 */
  base: string;
  browser: Browser;
  campaignId: string;
  /** Sends a request (as admin unless `token` is given); throws unless it answers below 300; returns the JSON body. */
  call(method: 'GET' | 'POST', url: string, payload?: object, token?: string): Promise<Record<string, unknown>>;
  /** The API path of an org in the campaign: /campaigns/:id/orgs/:orgId…rest */
  org(orgId: string, rest?: string): string;
  /** The console's address of an org's screen: base/#/c/:id/o/:orgId…rest */
  screen(orgId: string, rest?: string): string;
  /** Issues a token through POST /tokens as admin. */
  issueToken(body: { role: string; orgId?: string; expiresInDays?: number }): Promise<string>;
  /** Records an org's mobilisation meeting `daysAgo` days back, retried until the org's workflow accepts it (200). */
  mobilise(orgId: string, o: { daysAgo: number; attendance: number; timeoutMs?: number; what?: string }): Promise<void>;
  /** Waits until the org's read-model row exists (and, with `mobilised`, shows a mobilisation date). */
  reached(orgId: string, o?: { mobilised?: boolean; timeoutMs?: number; what?: string }): Promise<void>;
  /** Opens the console on `page`, types the token into 访问令牌, clicks 登录 and waits for 退出登录. */
  signIn(page: Page, token: string): Promise<void>;
}

export function useConsoleStack(options: ConsoleStackOptions): ConsoleStack {
  const { campaign } = options;
  const s = {
    campaignId: campaign.id,
    async call(method, url, payload, token = ADMIN) {
      const res = await s.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });
      if (res.statusCode >= 300) throw new Error(`${method} ${url} answered ${res.statusCode}: ${res.body}`);
      return res.json<Record<string, unknown>>();
    },
    org: (orgId, rest = '') => `/campaigns/${campaign.id}/orgs/${orgId}${rest}`,
    screen: (orgId, rest = '') => `${s.base}/#/c/${campaign.id}/o/${orgId}${rest}`,
    issueToken: (body) => issueToken(s.app, body),
    async mobilise(orgId, { daysAgo, attendance, timeoutMs = 30_000, what = `${orgId} mobilised` }) {
      await vi.waitFor(
        async () => {
          const value = await s.app.inject({
            method: 'POST',
            url: s.org(orgId, '/mobilisation'),
            headers: bearer(ADMIN),
            payload: { date: chinaDate(Date.now() - daysAgo * DAY), attendance },
          });
          expect(value, what).toSatisfy((r) => r.statusCode === 200);
        },
        { timeout: timeoutMs, interval: 200 },
      );
    },
    async reached(orgId, { mobilised = false, timeoutMs = 60_000, what = `the cascade reached ${orgId}` } = {}) {
      await vi.waitFor(
        async () => {
          const value = await s.app.inject({ method: 'GET', url: s.org(orgId), headers: bearer(ADMIN) });
          expect(value, what).toSatisfy((r) => r.statusCode === 200 && (!mobilised || (r.json() as { mobilised_on: string | null }).mobilised_on !== null));
        },
        { timeout: timeoutMs, interval: 200 },
      );
    },
    async signIn(page, token) {
      await page.goto(s.base);
      await page.getByLabel('访问令牌').fill(token);
      await page.getByRole('button', { name: '登录' }).click();
      await page.getByRole('button', { name: '退出登录' }).waitFor();
    },
  } as ConsoleStack;

  beforeAll(async () => {
    const consoleDir = ensureConsoleBuilt();
    s.db = await freshDatabase();
    s.t = await startTestWorker(s.db.kysely);
    s.app = await buildApp({
      db: s.db.kysely,
      temporal: { client: s.t.client, taskQueue: s.t.taskQueue },
      adminToken: ADMIN,
      console: consoleDir,
      ...(options.temporalUiUrl ? { temporalUiUrl: options.temporalUiUrl } : {}),
    });
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    s.base = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`;
    await importTree(s.app, options.tree ?? generateTree('small'));
    const started = await s.app.inject({
      method: 'POST',
      url: '/campaigns',
      headers: bearer(ADMIN),
      payload: {
        id: campaign.id,
        name: campaign.name,
        batch: 2,
        rootOrgId: 'tj',
        phaseMode: 'integrated',
        startsOn: chinaDate(Date.now() - (campaign.startedDaysAgo ?? 20) * DAY),
        endsOn: chinaDate(Date.now() + (campaign.endsInDays ?? 60) * DAY),
        rules: { progressReportSeconds: 1, ...campaign.rules },
      },
    });
    expect(started.statusCode, started.body).toBe(201);
    await options.setUp?.(s);
    s.browser = startBrowser();
  }, 180_000);

  afterAll(async () => {
    await s.browser?.close();
    await s.app?.close();
    await s.t?.stop();
    await s.db?.close();
  });

  return s;
}
