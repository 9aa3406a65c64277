/**
 * `npm run screenshots`: PNGs of the console's main screens into docs/screenshots/, for the
 * README. It starts the whole system with its demo campaign exactly as `npm start` does, in
 * a data folder of its own (`.data/screenshots`, on free ports), or reuses a running one
 * when CONSOLE_URL and CONSOLE_TOKEN (an admin token) are set; then drives Debian's
 * Chromium (playwright-core, `/usr/bin/chromium` or CHROMIUM_PATH) at 1366×768 and one
 * screen at phone width (390×844), and stops what it started.
 *
 * @example
 * npm run screenshots
 * CONSOLE_URL=http://localhost:3000 CONSOLE_TOKEN=$(cat .data/admin-token) npm run screenshots
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ensureConsoleBuilt, startBrowser } from './lib/chromium.js';

const OUT = path.resolve('docs/screenshots');
const CAMPAIGN = 'demo-2019';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** `npm start` in its own data folder and ports; resolves once it says it is running. */
async function startSystem(): Promise<{ url: string; token: string; child: ChildProcess }> {
  const dataDir = path.resolve('.data/screenshots');
  if (process.env.SCREENSHOTS_FRESH !== '0') await rm(dataDir, { recursive: true, force: true });
  const [port, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort()];
  // Its own embedded database and Temporal dev server, whatever this shell points at.
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), TEMPORAL_PORT: String(temporalPort), TEMPORAL_UI_PORT: String(uiPort) };
  for (const name of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'ADMIN_TOKEN']) delete env[name];
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('scripts/start.ts')], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not come up in 5 minutes:\n${output}`)), 300_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
      if (output.includes('campaign-engine is running')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
  });
  const token = (await readFile(path.join(dataDir, 'admin-token'), 'utf8')).trim();
  return { url: `http://localhost:${port}`, token, child };
}

async function api(url: string, token: string, method: string, route: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}${route}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  if (!res.ok) throw new Error(`${method} ${route} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/**
 * On a system this script started (never on one it reuses): the demo plus a district whose
 * concentrated study is done (green) and one with an item past its deadline (red), so the
 * pictures show all three colours. Through the API, as an organiser would.
 */
async function scenery(url: string, token: string): Promise<void> {
  const org = (id: string, rest: string) => `/campaigns/${CAMPAIGN}/orgs/${id}${rest}`;
  const day = (ago: number) => new Date(Date.now() + 8 * 3600_000 - ago * 86_400_000).toISOString().slice(0, 10);
  for (let d = 0; d < 6; d++) {
    await api(url, token, 'POST', org('tj-d2', '/study-sessions'), { sessionId: `shot-${d}`, date: day(12 - d), kind: 'concentrated', hours: 3, attendance: 40 });
  }
  await api(url, token, 'POST', org('tj-d1', '/problems'), { problemId: 'shot-p1', source: 'research', category: '为基层减负', description: '督查检查考核过多过频，基层迎检负担重' });
  await api(url, token, 'POST', org('tj-d1', '/problems/shot-p1/plan'), { owner: '区委办公室', measures: '合并督查检查事项，压减三成', deadline: new Date(Date.now() + 3000).toISOString() });
  await api(url, token, 'POST', org('tj-d1', '/problems/shot-p1/start'), {});
  for (let i = 0; i < 30; i++) {
    const d1 = await api(url, token, 'GET', org('tj-d1', ''));
    if (((d1.own as Record<string, number>).overdue ?? 0) > 0) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('访问令牌').fill(token);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('button', { name: '退出登录' }).waitFor();
}

async function shoot(page: Page, name: string): Promise<void> {
  // Past the first poll, so figures and the "updated at" line are there.
  await page.waitForTimeout(800);
  const file = path.join(OUT, name);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

ensureConsoleBuilt();
await mkdir(OUT, { recursive: true });
const reuse = process.env.CONSOLE_URL && process.env.CONSOLE_TOKEN ? { url: process.env.CONSOLE_URL.replace(/\/$/, ''), token: process.env.CONSOLE_TOKEN, child: undefined } : undefined;
const system = reuse ?? (await startSystem());
const browser = startBrowser();
try {
  const { url, token } = system;
  // The demo's orgs report up every few seconds: wait until the city counts its districts.
  for (let i = 0; i < 60; i++) {
    const city = await api(url, token, 'GET', `/campaigns/${CAMPAIGN}/orgs/tj`).catch(() => undefined);
    if (((city?.subtree as Record<string, number> | undefined)?.mobilised ?? 0) >= 3) break;
    await new Promise((r) => setTimeout(r, 1000));
  }

  if (system.child) await scenery(url, token);
  // Until the city's subtree figures (reported up, debounced) count every org the cascade reached.
  for (let i = 0; i < 60; i++) {
    const o = await api(url, token, 'GET', `/campaigns/${CAMPAIGN}/orgs/tj/overview?limit=1`);
    const reached = (o.levels as { reached: number }[]).reduce((n, l) => n + l.reached, 0);
    if ((o.org as { subtree: { orgs: number } | null }).subtree?.orgs === reached) break;
    await new Promise((r) => setTimeout(r, 1000));
  }

  const wide = await (await browser.context({ width: 1366, height: 768 })).newPage();
  await wide.goto(url);
  await wide.getByLabel('访问令牌').waitFor();
  await shoot(wide, '0-sign-in.png');
  await signIn(wide, url, token);
  await wide.goto(`${url}/#/c/${CAMPAIGN}/o/tj`);
  await wide.getByRole('heading', { name: '下级组织（3）' }).waitFor();
  await shoot(wide, '1-overview-city.png');
  await wide.goto(`${url}/#/c/${CAMPAIGN}/o/tj-d1`);
  await wide.getByRole('heading', { name: /^下级组织/ }).waitFor();
  await shoot(wide, '2-overview-district.png');
  await wide.goto(`${url}/#/c/${CAMPAIGN}/o/tj/page`);
  await wide.getByRole('heading', { name: '五个环节' }).waitFor();
  await shoot(wide, '3-org-page-city.png');

  // The secretary of the district that has not mobilised yet: both forms.
  const secretary = (await api(url, token, 'POST', '/tokens', { role: 'secretary', orgId: 'tj-d3', label: 'screenshots' })).token as string;
  const forms = await (await browser.context({ width: 1366, height: 768 })).newPage();
  await signIn(forms, url, secretary);
  await forms.goto(`${url}/#/c/${CAMPAIGN}/o/tj-d3/page`);
  await forms.getByRole('form', { name: '学习记录' }).waitFor();
  await forms.getByRole('form', { name: '学习记录' }).getByLabel('参加人数').fill('25');
  await shoot(forms, '4-secretary-forms.png');

  const phone = await (await browser.context({ width: 390, height: 844 })).newPage();
  await signIn(phone, url, secretary);
  await phone.goto(`${url}/#/c/${CAMPAIGN}/o/tj-d3`);
  await phone.locator('#org-title').waitFor();
  await shoot(phone, '5-phone-overview.png');

  // Reports (情况通报/报告): a weekly report compiled in the page by the admin, opened below the list.
  await wide.goto(`${url}/#/c/${CAMPAIGN}/o/tj/reports`);
  const compile = wide.getByRole('form', { name: '立即生成' });
  await compile.getByRole('button', { name: '生成报告' }).click();
  await compile.getByRole('status').waitFor({ timeout: 30_000 });
  await wide.getByTestId('report').waitFor();
  await shoot(wide, 'reports.png');

  // Spot checks (巡回督导): a guidance group over tj-d1 and a round of three (the six rules' findings), as the admin sees it.
  const inspector = (await api(url, token, 'POST', '/tokens', { role: 'inspector', orgId: 'tj-d1', label: 'screenshots' })).token as string;
  const inspectorId = /^ce_([0-9a-f]{12})_/.exec(inspector)![1]!;
  await api(url, token, 'POST', `/campaigns/${CAMPAIGN}/guidance-groups`, { groupId: 'screenshots', name: '第一巡回指导组', scopeOrgId: 'tj-d1', inspectorTokenIds: [inspectorId] }).catch(() => undefined);
  await api(url, token, 'POST', `/campaigns/${CAMPAIGN}/guidance-groups/screenshots/inspection-rounds`, { roundId: 'screenshots-1', sampleSize: 3, seed: 'screenshots' }).catch(() => undefined);
  await wide.goto(`${url}/#/c/${CAMPAIGN}/o/tj-d1/inspections`);
  await wide.getByTestId('round').locator('tr[data-finding]').first().waitFor({ timeout: 30_000 });
  await shoot(wide, 'inspections.png');
} finally {
  await browser.close();
  if (system.child) {
    const exited = new Promise((r) => system.child!.once('exit', r));
    system.child.kill('SIGINT');
    await exited;
  }
}
