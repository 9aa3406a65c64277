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
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ensureConsoleBuilt, startBrowser } from './lib/chromium.js';
import { api, CAMPAIGN, scenery, startSystem } from './lib/demo-system.js';

const OUT = path.resolve('docs/screenshots');

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
const reuse =
  process.env.CONSOLE_URL && process.env.CONSOLE_TOKEN
    ? { url: process.env.CONSOLE_URL.replace(/\/$/, ''), token: process.env.CONSOLE_TOKEN, child: undefined }
    : undefined;
const system = reuse ?? (await startSystem('screenshots'));
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

  // The secretary of the district that has not mobilised yet: the 填报 screen with its mobilisation meeting first.
  const secretary = (await api(url, token, 'POST', '/tokens', { role: 'secretary', orgId: 'tj-d3', label: 'screenshots' })).token as string;
  const forms = await (await browser.context({ width: 1366, height: 768 })).newPage();
  await signIn(forms, url, secretary);
  await forms.goto(`${url}/#/c/${CAMPAIGN}/o/tj-d3/record`);
  await forms.getByRole('form', { name: '动员部署会议' }).waitFor();
  await forms.getByRole('form', { name: '动员部署会议' }).getByLabel('参会人数').fill('25');
  await shoot(forms, '4-secretary-forms.png');

  const phone = await (await browser.context({ width: 390, height: 844 })).newPage();
  await signIn(phone, url, secretary);
  await phone.goto(`${url}/#/c/${CAMPAIGN}/o/tj-d3`);
  await phone.locator('#org-title').waitFor();
  await shoot(phone, '5-phone-overview.png');

  // ---- 民意直通车 (no sign-in, a citizen's phone) and the office's 民意分办 (citizens)
  const citizen = await (await browser.context({ width: 390, height: 844 })).newPage();
  await citizen.goto(`${url}/#/public/${CAMPAIGN}`);
  await citizen.getByLabel('类别（必填）').fill('为基层减负');
  await citizen.getByLabel('所在区域（必填）').fill('和平区');
  await citizen.getByLabel('留言内容（必填）').fill('社区每周要填五六张表，内容大同小异，能不能合并？');
  await shoot(citizen, 'citizens-1-public-send-phone.png');
  // Sent only on a system this script started: a running one gets no message from it.
  if (system.child) {
    await citizen.getByRole('button', { name: '提交留言' }).click();
    await citizen.getByRole('heading', { name: '留言已收到' }).waitFor();
    await shoot(citizen, 'citizens-2-public-code-phone.png');
    await citizen.getByRole('link', { name: '查看办理进度' }).click();
    await citizen.getByTestId('tracked-status').waitFor();
    await shoot(citizen, 'citizens-3-public-track-phone.png');
  }
  await wide.goto(`${url}/#/c/${CAMPAIGN}/o/tj/triage`);
  await wide.getByRole('heading', { name: /^民意分办/ }).waitFor();
  await wide.locator('li[data-message], [data-testid="queue-empty"]').first().waitFor();
  const waiting = wide.locator('li[data-message]').first();
  if (await waiting.count()) {
    await waiting.getByLabel('责任组织（名称或编号）').fill('tj-d1-u1');
    await waiting.getByRole('button', { name: '查找' }).click();
    await waiting.getByRole('radio').first().check();
  }
  await shoot(wide, 'citizens-4-triage.png');
  // The ledger (整改台账) across the city, the district's overdue item open with its history and what the admin may do.
  const ledgerAt = `${url}/#/c/${CAMPAIGN}/o/tj/ledger?item=${encodeURIComponent('tj-d1/shot-p1')}`;
  await wide.goto(ledgerAt);
  await wide.getByTestId('item-history').waitFor();
  await shoot(wide, 'ledger-wide.png');
  const ledgerPhone = await (await browser.context({ width: 390, height: 844 })).newPage();
  await signIn(ledgerPhone, url, token);
  await ledgerPhone.goto(ledgerAt);
  await ledgerPhone.getByTestId('item-history').waitFor();
  await shoot(ledgerPhone, 'ledger-phone.png');
  // 填报 at phone width, on a branch the demo reached: a topic awaiting vetting, and what research still needs.
  const branch = 'tj-d1-u1-b1';
  await api(url, token, 'POST', `/campaigns/${CAMPAIGN}/orgs/${branch}/topics`, {
    topicId: 'shot-topic',
    title: '基层减负落实情况调研',
    leader: '支部书记',
  }).catch(() => undefined);
  const branchSecretary = (await api(url, token, 'POST', '/tokens', { role: 'secretary', orgId: branch, label: 'screenshots' })).token as string;
  const record = await (await browser.context({ width: 390, height: 844 })).newPage();
  await signIn(record, url, branchSecretary);
  await record.goto(`${url}/#/c/${CAMPAIGN}/o/${branch}/record`);
  await record.getByTestId('need-research').waitFor();
  await shoot(record, 'record-phone.png');
  // 下题上答: a branch's item raised to its unit and forwarded to the district with a reason (on a
  // system this script started); the district's inbox with the chain open, wide and at phone width.
  if (system.child) {
    const at = (id: string, rest: string) => `/campaigns/${CAMPAIGN}/orgs/${id}${rest}`;
    await api(url, token, 'POST', at('tj-d1-u1-b1', '/problems'), {
      problemId: 'shot-esc',
      source: 'self_inspection',
      category: '民生',
      description: '困难党员补助标准由区里定，支部无权调整',
    });
    const { escalationId } = (await api(url, token, 'POST', at('tj-d1-u1-b1', '/problems/shot-esc/escalation'), {
      targetLevel: 'unit',
      reason: '补助标准属区级政策，需上级统筹',
    })) as { escalationId: string };
    for (let i = 0; i < 30; i++) {
      const res = await fetch(`${url}${at('tj-d1-u1', `/escalations/${encodeURIComponent(escalationId)}/forward`)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: '补助标准由区民政统一制定' }),
      });
      if (res.ok) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const phoneAdmin = await (await browser.context({ width: 390, height: 844 })).newPage();
  await signIn(phoneAdmin, url, token);
  for (const [p, name] of [
    [wide, '6-escalations.png'],
    [phoneAdmin, '7-phone-escalations.png'],
  ] as const) {
    await p.goto(`${url}/#/c/${CAMPAIGN}/o/tj-d1/escalations`);
    const first = p.getByTestId('inbox').locator('li').first();
    await first.waitFor({ timeout: 30_000 }).catch(() => undefined);
    if (await first.count()) await first.getByRole('button', { name: /查看流转/ }).click();
    await shoot(p, name);
  }
  // 上题下答 (only on a system this script started: it issues a directive): the district's organiser
  // sends one to its branches, two branches work their items, and the coverage is opened.
  if (system.child) {
    const org = (id: string, rest: string) => `/campaigns/${CAMPAIGN}/orgs/${id}${rest}`;
    await api(url, token, 'POST', org('tj-d1', '/directives'), {
      directiveId: 'shot-jianfu',
      title: '清理规范督查检查考核',
      instructions: '本周内自查上报的表格，停用重复报表。',
      deadline: new Date(Date.now() + 8 * 3600_000 + 14 * 86_400_000).toISOString().slice(0, 10),
      targetLevels: ['branch'],
    });
    let lagging: { org_id: string }[] = [];
    for (let i = 0; i < 60 && lagging.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      lagging = (await api(url, token, 'GET', org('tj-d1', '/directives/shot-jianfu/lagging'))).items as { org_id: string }[];
    }
    // Verified by an inspector: never by whoever rectified it (here the admin token).
    const inspector = (await api(url, token, 'POST', '/tokens', { role: 'inspector', orgId: 'tj-d1', label: 'screenshots' })).token as string;
    for (const [i, b] of lagging.slice(0, 2).entries()) {
      await api(url, token, 'POST', org(b.org_id, '/problems/directive-shot-jianfu/start'), {});
      await api(url, token, 'POST', org(b.org_id, '/problems/directive-shot-jianfu/rectification'), { evidence: '停用重复报表 3 张' });
      if (i === 0) await api(url, inspector, 'POST', org(b.org_id, '/problems/directive-shot-jianfu/verification'), { decision: 'verified' });
    }
    const organiser = (await api(url, token, 'POST', '/tokens', { role: 'organiser', orgId: 'tj-d1', label: 'screenshots' })).token as string;
    for (const [size, name] of [
      [{ width: 1366, height: 768 }, 'directives-1-coverage.png'],
      [{ width: 390, height: 844 }, 'directives-2-phone.png'],
    ] as const) {
      const page = await (await browser.context(size)).newPage();
      await signIn(page, url, organiser);
      await page.goto(`${url}/#/c/${CAMPAIGN}/o/tj-d1/directives`);
      await page.getByRole('button', { name: '查看落实情况：清理规范督查检查考核' }).click();
      await page.locator('[data-testid="coverage-tree"] td[data-figure="rectified"]').first().waitFor();
      await page.waitForTimeout(6000); // the branches' reports reach the district (every 5 s in the demo)
      await shoot(page, name);
    }
  }
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
  await api(url, token, 'POST', `/campaigns/${CAMPAIGN}/guidance-groups`, {
    groupId: 'screenshots',
    name: '第一巡回指导组',
    scopeOrgId: 'tj-d1',
    inspectorTokenIds: [inspectorId],
  }).catch(() => undefined);
  await api(url, token, 'POST', `/campaigns/${CAMPAIGN}/guidance-groups/screenshots/inspection-rounds`, {
    roundId: 'screenshots-1',
    sampleSize: 3,
    seed: 'screenshots',
  }).catch(() => undefined);
  await wide.goto(`${url}/#/c/${CAMPAIGN}/o/tj-d1/inspections`);
  await wide.getByTestId('round').locator('tr[data-finding]').first().waitFor({ timeout: 30_000 });
  await shoot(wide, 'inspections.png');
} finally {
  await browser.close();
  if (system.child) {
    const exited = new Promise((r) => system.child.once('exit', r));
    system.child.kill('SIGINT');
    await exited;
  }
}
