/**
 * The reports (情况通报/报告) and spot-check (巡回督导) screens in a real browser (Debian's
 * Chromium through playwright-core) against the real stack: the API serving the built console,
 * a worker, the test Temporal server and PostgreSQL. One campaign over the small Tianjin-shaped
 * tree, every level mobilising by itself. The campaign office's organiser compiles a weekly
 * report in the browser and pages through its lagging orgs; a guidance group's inspector starts
 * a round, records a finding at a sampled branch, issues the findings and circulates the notice;
 * the finding is an item in that branch's ledger; the branch's secretary sees the notice and no
 * spot-check working control.
 */
import { describe, expect, test, vi } from 'vitest';
import { generateTree } from '../../domain/generate-tree.js';
import { ADMIN, bearer } from '../support/api.js';
import { useConsoleStack } from '../support/console.js';

const CAMPAIGN = 'reports-test';
const UNIT = 'tj-d1-u1';
const BRANCH = 'tj-d1-u1-b2';
const TREE = generateTree('small');

let organiser: string;
let inspector: string;
let secretary: string;

const s = useConsoleStack({
  campaign: {
    id: CAMPAIGN,
    name: '主题教育（报告与督导测试）',
    rules: { minStudyDays: 3, autoMobiliseLevels: ['city', 'district', 'unit', 'branch'], progressReportSeconds: 1 },
  },
  tree: TREE,
  async setUp({ app, call, issueToken }) {
    // Every org is reached and mobilised by itself: every one lags on study (0 of 3 days).
    await vi.waitFor(
      async () => {
        const value = await app.inject({ method: 'GET', url: `/campaigns/${CAMPAIGN}/orgs/tj/overview?limit=1`, headers: bearer(ADMIN) });
        expect(value, 'every org reached').toSatisfy(
          (r) => r.statusCode === 200 && (r.json().levels as { reached: number }[]).reduce((s, l) => s + l.reached, 0) === TREE.length,
        );
      },
      { timeout: 90_000, interval: 200 },
    );
    organiser = await issueToken({ role: 'organiser', orgId: 'tj' });
    inspector = await issueToken({ role: 'inspector', orgId: 'tj-d1' });
    secretary = await issueToken({ role: 'secretary', orgId: BRANCH });
    // The guidance group is formed by the office (through the API): its scope is the unit, its inspector the one above it.
    const inspectorId = /^ce_([0-9a-f]{12})_/.exec(inspector)![1]!;
    await call('POST', `/campaigns/${CAMPAIGN}/guidance-groups`, {
      groupId: 'group-1',
      name: '第一巡回指导组',
      scopeOrgId: UNIT,
      inspectorTokenIds: [inspectorId],
    });
  },
});
const { signIn } = s;
const screen = (orgId: string, key: string) => s.screen(orgId, `/${key}`);

describe('reports and spot checks in Chromium', () => {
  test('an organiser of the campaign office compiles a weekly report and pages through its lagging orgs', async () => {
    const page = await (await s.browser.context()).newPage();
    await signIn(page, organiser);
    await page.getByRole('link', { name: '情况通报/报告' }).click();
    await expect.poll(() => page.locator('.reports-list tbody').textContent()).toMatch(/暂无报告/);

    const form = page.getByRole('form', { name: '立即生成' });
    await form.getByLabel('类型').selectOption('weekly');
    await form.getByRole('button', { name: '生成报告' }).click();
    await expect.poll(() => form.getByRole('status').textContent(), { timeout: 30_000 }).toBe('已生成周报，见下方。');
    // Listed, and opened below the list.
    await expect.poll(() => page.locator('.reports-list tbody tr[data-report]').count()).toBe(1);
    expect(await page.locator('.reports-list tbody tr').first().textContent()).toMatch(/^周报.*至/);
    const report = page.getByTestId('report');
    expect(await report.getByRole('heading', { level: 2 }).textContent()).toBe('整改落实周报（活动办公室每周例会） · 主题教育（报告与督导测试）');
    // The levels in Chinese, and the total counts every org of the tree.
    const total = report.locator('table.levels tbody tr').last();
    expect(await total.locator('th').textContent()).toBe('合计');
    expect(await total.locator('td').first().textContent()).toBe(String(TREE.length));
    expect(await report.locator('table.levels tbody th').allTextContents()).toEqual(['市', '区级', '单位', '支部', '合计']);

    // The lagging orgs, ten a page, their reasons in Chinese words.
    const lagging = page.getByTestId('report-lagging');
    expect(await lagging.getByRole('heading').textContent()).toBe(`滞后组织（${TREE.length}）`);
    const pages = Math.ceil(TREE.length / 10);
    expect(await lagging.getByTestId('report-lagging-page').textContent()).toBe(`第 1 / ${pages} 页`);
    const rows = lagging.locator('tbody tr');
    expect(await rows.count()).toBe(10);
    const first = await rows.allTextContents();
    expect(first.every((r) => r.endsWith('集中学习仅 0 天'))).toBe(true);
    expect(first.join()).not.toMatch(/study|overdue|mobilised/);
    await lagging.getByRole('button', { name: /下一页/ }).click();
    expect(await lagging.getByTestId('report-lagging-page').textContent()).toBe(`第 2 / ${pages} 页`);
    const second = await rows.allTextContents();
    expect(second).toHaveLength(10);
    expect(second.some((r) => first.includes(r))).toBe(false);
    // To the last page, which holds the rest, and back.
    for (let p = 2; p < pages; p++) await lagging.getByRole('button', { name: /下一页/ }).click();
    expect(await lagging.getByTestId('report-lagging-page').textContent()).toBe(`第 ${pages} / ${pages} 页`);
    expect(await rows.count()).toBe(TREE.length - (pages - 1) * 10);
    expect(await lagging.getByRole('button', { name: /下一页/ }).isDisabled()).toBe(true);
    await lagging.getByRole('button', { name: /上一页/ }).click();
    expect(await lagging.getByTestId('report-lagging-page').textContent()).toBe(`第 ${pages - 1} / ${pages} 页`);

    // Its own page opens with the same session.
    const href = await report.getByRole('link', { name: /打开报告页面/ }).getAttribute('href');
    const html = await page.evaluate(async (u) => {
      const r = await fetch(u);
      return { status: r.status, text: await r.text() };
    }, href!);
    expect(html.status).toBe(200);
    expect(html.text).toContain('整改落实周报');
  });

  test('an inspector opens a round, records a finding at a sampled branch and issues it; it is an item of that branch’s ledger; it reads the fortnightly reports only', async () => {
    const page = await (await s.browser.context()).newPage();
    await signIn(page, inspector);
    await page.goto(screen(UNIT, 'inspections'));
    await page.getByRole('heading', { name: '第一巡回指导组' }).waitFor();
    expect(await page.locator('tr[data-round]').count()).toBe(0);

    // A scope outside the group's is refused, in plain words beside the field.
    const start = page.getByRole('form', { name: '开始一轮暗访抽查' });
    await start.getByLabel(/^抽查范围/).fill('tj-d2');
    await start.getByRole('button', { name: '开始抽查' }).click();
    await expect.poll(() => start.locator('#scope-error').textContent()).toBe(`不在本组的抽查范围内：须为 ${UNIT} 或其下级组织`);
    expect(await start.locator('p[role="alert"]').textContent()).toBe('未能提交：请按标出的提示修改。');
    expect(await start.getByLabel(/^抽查范围/).getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('tr[data-round]').count()).toBe(0);
    // A round over the group's whole scope: the unit's three branches.
    await start.getByLabel(/^抽查范围/).fill('');
    await start.getByLabel('抽取单位数').fill('3');
    await start.getByRole('button', { name: '开始抽查' }).click();
    await expect.poll(() => start.getByRole('status').textContent()).toMatch(/^已开始抽查 r\d{8}-\w+（随机种子 /);
    const round = page.getByTestId('round');
    // Sampled: the unit's three branches, by name and id.
    const named = (id: string) => `${TREE.find((o) => o.id === id)!.name}（${id}）`;
    await expect
      .poll(() => round.locator('.sample li a').allTextContents(), { timeout: 30_000 })
      .toEqual(['tj-d1-u1-b1', 'tj-d1-u1-b2', 'tj-d1-u1-b3'].map(named));
    expect(await round.getByTestId('round-status').textContent()).toBe('抽查中（问题未下发）');
    expect(await page.locator('tr[data-round]').count()).toBe(1);

    // The six rules find on their own what the records show, in Chinese.
    await expect
      .poll(() => round.locator('table.findings tbody').textContent(), { timeout: 30_000 })
      .toMatch(/防止学习教育走过场集中学习 0 天（要求 3 天）规则自动发现/);

    const finding = page.getByRole('form', { name: '记录发现的问题' });
    await finding.getByLabel('被抽查单位').selectOption(BRANCH);
    await finding.getByLabel('问题类别（六个防止）').selectOption({ label: '防止调查研究走形式' });
    await finding.getByLabel('问题描述').fill('调研课题照搬上级文件，未深入群众');
    await finding.getByRole('button', { name: '记录问题' }).click();
    expect(await finding.getByRole('status').textContent()).toBe(`已记录问题 m1（${BRANCH}）：下发后转入该单位的问题台账。`);
    const row = round.locator('tr[data-finding="m1"]');
    await expect.poll(() => row.textContent()).toBe(`${named(BRANCH)}防止调查研究走形式调研课题照搬上级文件，未深入群众督导（巡回指导组）记录下发后生成`);

    const interviews = page.getByRole('form', { name: '个别访谈' });
    await interviews.getByLabel('访谈人数').fill('6');
    await interviews.getByLabel('访谈记录').fill('与支部党员个别谈话');
    await interviews.getByRole('button', { name: '记录访谈' }).click();
    expect(await interviews.getByRole('status').textContent()).toBe('已记录访谈，本轮累计 6 人。');

    await round.getByRole('button', { name: /^下发问题/ }).click();
    await expect.poll(() => round.getByTestId('round-status').textContent(), { timeout: 20_000 }).toBe('问题已下发，待通报');
    // Issued: no more findings, the item named in the finding's row.
    expect(await page.getByRole('form', { name: '记录发现的问题' }).count()).toBe(0);
    const roundId = (await round.locator('h2 .id').textContent())!;
    await expect.poll(() => row.locator('td').last().textContent(), { timeout: 20_000 }).toBe(`spot-${roundId}-m1`);

    const notice = page.getByRole('form', { name: '印发通报' });
    await notice.getByLabel('通报标题').fill('关于第一巡回指导组暗访抽查情况的通报');
    await notice.getByRole('button', { name: '印发通报' }).click();
    await expect.poll(() => round.getByTestId('round-status').textContent(), { timeout: 20_000 }).toBe('已通报');
    expect(await round.locator('.notice-text').textContent()).toMatch(/个别访谈 6 人/);

    // The finding is an item of the branch's ledger, on its page.
    await page.goto(screen(BRANCH, 'page'));
    const item = page.locator(`tr[data-problem="spot-${roundId}-m1"]`);
    await expect.poll(() => item.textContent(), { timeout: 20_000 }).toMatch(/调研课题照搬上级文件，未深入群众/);

    // A guidance group's inspector reads the fortnightly reports only, and compiles none.
    await page.getByRole('link', { name: '情况通报/报告' }).click();
    await expect.poll(() => page.locator('.reports-list tbody').textContent()).toMatch(/^暂无报告/);
    expect(await page.getByLabel('报告类型').locator('option').allTextContents()).toEqual(['双周报']);
    expect(await page.getByRole('form', { name: '立即生成' }).count()).toBe(0);
  });

  test('the branch’s secretary sees the notice addressed to its org and no spot-check working control, nor the reports', async () => {
    const page = await (await s.browser.context({ width: 390, height: 844 })).newPage();
    await signIn(page, secretary);
    await page.goto(screen(BRANCH, 'inspections'));
    const notices = page.getByTestId('notices');
    await expect.poll(() => notices.locator('li h3').allTextContents(), { timeout: 20_000 }).toEqual(['关于第一巡回指导组暗访抽查情况的通报']);
    expect(await notices.locator('.notice-text').textContent()).toMatch(new RegExp(`${BRANCH}：[^\\n]*防止调查研究走形式（调研课题照搬上级文件，未深入群众）`));
    // Nothing of the groups' working screen: no group, no round, no form, no button but the header's.
    expect(await page.getByRole('heading', { name: /巡回指导组 · 暗访抽查/ }).count()).toBe(0);
    expect(await page.getByRole('form').count()).toBe(0);
    expect(await page.locator('main').getByRole('button').count()).toBe(0);
    // The reports are the office's: no tab for them.
    expect(await page.getByRole('link', { name: '巡回督导' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: '情况通报/报告' }).count()).toBe(0);
  });
});
