/**
 * 上题下答 in a real browser (Debian's Chromium through playwright-core) against the real
 * stack: a district organiser issues a directive to its branches through the form; the
 * branches work their items (through the API, fast); the coverage on the open page fills in
 * without a reload, rectified-awaiting-verification apart from done; a drill-down into a unit
 * shows its branches; a branch secretary and an inspector get no issue or cancel control; a
 * request for information past the weekly cap (为基层减负) is refused beside the kind field;
 * cancelling asks first, then cancels.
 */
import type { Page } from 'playwright-core';
import { describe, expect, test, vi } from 'vitest';
import { chinaDate } from '../../domain/org-node.js';
import { DAY, useConsoleStack } from '../support/console.js';

const CAMPAIGN = 'directives-test';
const DISTRICT = 'tj-d1';
const TITLE = '清理规范督查检查考核';

let organiser: string;
let secretary: string;
let inspector: string;
/** The directive the organiser issues in the browser (its id is made by the page). */
let directiveId: string;

const s = useConsoleStack({
  campaign: {
    id: CAMPAIGN,
    name: '主题教育（上题下答测试）',
    // A district may send one request for information a week.
    rules: { minStudyDays: 3, autoMobiliseLevels: ['unit', 'branch'], progressReportSeconds: 1, informationRequestsPerWeek: { district: 1 } },
  },
  async setUp({ mobilise, call, org, issueToken }) {
    await mobilise('tj', { daysAgo: 15, attendance: 300, what: 'the city mobilised' });
    await mobilise(DISTRICT, { daysAgo: 14, attendance: 120, what: 'the district mobilised' });
    // All nine branches of the district reached and mobilised (units and branches mobilise by themselves).
    await vi.waitFor(
      async () => {
        const value = await call('GET', org(DISTRICT, '/overview?limit=1'));
        expect(value, 'the district’s subtree mobilised').toSatisfy((o) => (o.org as { subtree?: { mobilised: number } }).subtree?.mobilised === 1 + 3 + 9);
      },
      { timeout: 90_000, interval: 200 },
    );
    organiser = await issueToken({ role: 'organiser', orgId: DISTRICT });
    secretary = await issueToken({ role: 'secretary', orgId: 'tj-d1-u1-b1' });
    inspector = await issueToken({ role: 'inspector', orgId: DISTRICT });
  },
});
const { call, org, signIn } = s;
const screen = (id: string) => s.screen(id, '/directives');

/** A figure of the coverage tree's row for an org, as the page shows it. */
const figure = (page: Page, orgId: string, name: string) =>
  page.locator(`[data-testid="coverage-tree"] tr[data-org="${orgId}"] td[data-figure="${name}"]`).textContent();
const colourOf = (page: Page, orgId: string) => page.locator(`[data-testid="coverage-tree"] tr[data-org="${orgId}"] [data-colour]`).getAttribute('data-colour');

describe('上题下答 in Chromium', () => {
  test('a district organiser issues a directive; the coverage fills in without a reload (rectified apart from done); a drill-down into a unit shows its branches', async () => {
    const page = await (await s.browser.context()).newPage();
    await signIn(page, organiser);
    await page.goto(screen(DISTRICT));
    await page.evaluate('window.sameLoad = true');

    const form = page.getByRole('form', { name: '下达部署' });
    await form.getByLabel('标题').fill(TITLE);
    await form.getByLabel('工作要求').fill('本周内自查上报的表格，停用重复报表。');
    // The branches are the default target of a district; units are offered too.
    expect(await form.getByLabel('全部基层党支部').isChecked()).toBe(true);
    expect(await form.getByLabel('全部单位').isChecked()).toBe(false);
    expect(await form.getByTestId('allowance').textContent()).toMatch(/本级每周最多发 1 份要材料通知；本周（.+ 起）已发 0 份，还可发 1 份/);
    await form.getByRole('button', { name: '下达' }).click();
    expect(await form.getByRole('status').textContent()).toMatch(new RegExp(`^已下达“${TITLE}”`));

    const issued = (await call('GET', org(DISTRICT, '/directives?direction=issued'))).items as { directive_id: string; title: string }[];
    expect(issued.map((d) => d.title)).toEqual([TITLE]);
    directiveId = issued[0]!.directive_id;
    // The directive just issued opens with its coverage: all nine branches targeted, none done yet.
    const detail = page.getByTestId('directive-detail');
    await expect.poll(() => detail.getByRole('heading', { level: 2 }).textContent()).toBe(`落实情况：${TITLE}`);
    await expect.poll(() => figure(page, DISTRICT, 'targeted'), { timeout: 30_000 }).toBe('9');
    expect(await figure(page, DISTRICT, 'done')).toBe('0');
    expect(await figure(page, DISTRICT, 'in-progress')).toBe('9');
    expect(await colourOf(page, DISTRICT)).toBe('yellow');
    await expect.poll(() => detail.getByTestId('lagging').locator('tbody tr[data-org]').count()).toBe(9);

    // Branches work their items (through the API): b1 rectifies and awaits verification, b2 is verified from above.
    const item = `directive-${directiveId}`;
    for (const b of ['tj-d1-u1-b1', 'tj-d1-u1-b2']) {
      await call('POST', org(b, `/problems/${item}/start`), {});
      await call('POST', org(b, `/problems/${item}/rectification`), { evidence: '停用重复报表 3 张' });
    }
    await call('POST', org('tj-d1-u1-b2', `/problems/${item}/verification`), { decision: 'verified' }, inspector);

    // The open page fills in by itself: one done, one rectified awaiting verification (not lagging), seven in progress.
    await expect.poll(() => figure(page, DISTRICT, 'done'), { timeout: 30_000 }).toBe('1');
    await expect.poll(() => figure(page, DISTRICT, 'rectified'), { timeout: 30_000 }).toBe('1');
    expect(await figure(page, DISTRICT, 'in-progress')).toBe('7');
    await expect.poll(() => figure(page, 'tj-d1-u1', 'in-progress')).toBe('1');
    expect([await figure(page, 'tj-d1-u1', 'done'), await figure(page, 'tj-d1-u1', 'rectified')]).toEqual(['1', '1']);
    expect(await figure(page, 'tj-d1-u2', 'in-progress')).toBe('3');
    await expect.poll(() => detail.getByTestId('lagging').locator('tbody tr[data-org]').count()).toBe(7);
    const lagging = await detail
      .getByTestId('lagging')
      .locator('tbody tr[data-org]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-org')));
    // Each named as the directory names it.
    const b3 = (await call('GET', '/orgs/tj-d1-u1-b3')).name as string;
    expect(await detail.getByTestId('lagging').locator('tr[data-org="tj-d1-u1-b3"] a').textContent()).toBe(b3);
    expect(lagging).not.toContain('tj-d1-u1-b1');
    expect(lagging).not.toContain('tj-d1-u1-b2');
    // The issued list (polled on its own, every 3 s, so it may be a poll behind the tree) says the same.
    await expect
      .poll(() => page.locator(`tr[data-directive="${directiveId}"] [data-testid="issued-coverage"]`).textContent(), { timeout: 30_000 })
      .toBe('已完成 1 · 待核验 1 · 未完成 7 / 9');

    // A drill-down into the unit shows its three branches, each with its own figures and colour.
    await detail
      .getByRole('button', { name: /^下钻到 / })
      .first()
      .click();
    await expect
      .poll(() => page.locator('[data-testid="coverage-tree"] tbody tr[data-org]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-org'))))
      .toEqual(['tj-d1-u1', 'tj-d1-u1-b1', 'tj-d1-u1-b2', 'tj-d1-u1-b3']);
    expect([await figure(page, 'tj-d1-u1-b1', 'rectified'), await figure(page, 'tj-d1-u1-b1', 'done')]).toEqual(['1', '0']);
    expect([await figure(page, 'tj-d1-u1-b2', 'rectified'), await figure(page, 'tj-d1-u1-b2', 'done')]).toEqual(['0', '1']);
    expect(await figure(page, 'tj-d1-u1-b3', 'in-progress')).toBe('1');
    expect([await colourOf(page, 'tj-d1-u1-b1'), await colourOf(page, 'tj-d1-u1-b2'), await colourOf(page, 'tj-d1-u1-b3')]).toEqual([
      'green',
      'green',
      'yellow',
    ]);
    // The lagging list follows the drill-down: only the unit's one branch still to act.
    await expect
      .poll(() =>
        detail
          .getByTestId('lagging')
          .locator('tbody tr[data-org]')
          .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-org'))),
      )
      .toEqual(['tj-d1-u1-b3']);
    // And back up a level.
    await detail.getByRole('navigation', { name: '逐级下钻' }).getByRole('button', { name: '本级' }).click();
    await expect.poll(() => figure(page, DISTRICT, 'targeted')).toBe('9');
    expect(await page.evaluate('window.sameLoad')).toBe(true);
  });

  test('a branch secretary sees the directive’s item it received and has no issue or cancel control; nor has an inspector of the district', async () => {
    const page = await (await s.browser.context({ width: 390, height: 844 })).newPage();
    await signIn(page, secretary);
    await page.getByRole('link', { name: '上题下答' }).click();
    const row = page.locator(`tr[data-received="${directiveId}"]`);
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toMatch(new RegExp(`${TITLE}.*工作任务.*tj-d1.*已整改待核验`));
    expect(await page.getByRole('form').count()).toBe(0);
    expect(await page.getByRole('button', { name: /下达|撤销/ }).count()).toBe(0);

    const inspecting = await (await s.browser.context()).newPage();
    await signIn(inspecting, inspector);
    await inspecting.goto(screen(DISTRICT));
    await inspecting.getByRole('button', { name: `查看落实情况：${TITLE}` }).click();
    await expect.poll(() => figure(inspecting, DISTRICT, 'targeted'), { timeout: 20_000 }).toBe('9');
    expect(await inspecting.getByRole('form').count()).toBe(0);
    expect(await inspecting.getByRole('button', { name: /下达|撤销/ }).count()).toBe(0);
  });

  test('refusals beside the fields they name: no target, and a request for information past the weekly cap (beside the kind)', async () => {
    // The district's one request for information this week goes out (through the API)...
    await call('POST', org(DISTRICT, '/directives'), {
      directiveId: 'ir-1',
      kind: 'information_request',
      title: '报送学习台账',
      instructions: '报送本月学习记录',
      deadline: chinaDate(Date.now() + 7 * DAY),
      targetLevels: ['unit'],
    });
    const page = await (await s.browser.context()).newPage();
    await signIn(page, organiser);
    await page.goto(screen(DISTRICT));
    const form = page.getByRole('form', { name: '下达部署' });
    // First a refusal that names a field of the form: no target at all, said beside the targets.
    await form.getByLabel('全部基层党支部').uncheck();
    await form.getByLabel('标题').fill('报送调研课题');
    await form.getByLabel('工作要求').fill('报送各支部调研课题清单');
    await form.getByRole('button', { name: '下达' }).click();
    expect(await form.getByRole('group', { name: '下达到（层级）' }).getByRole('alert').textContent()).toBe('请至少选择一个下达层级，或填写指定组织。');
    await form.getByLabel('全部基层党支部').check();
    await form.getByLabel('类型').selectOption('information_request');
    // ...so the allowance says none is left before anything is sent.
    await expect.poll(() => form.getByTestId('allowance').textContent()).toMatch(/已发 1 份，还可发 0 份。 本周额度已用完，发出将被拒绝。$/);
    await form.getByRole('button', { name: '下达' }).click();
    const refusal = form.getByLabel('类型').locator('xpath=..').getByRole('alert');
    expect(await refusal.textContent()).toMatch(/^未发出：超过每周上限（为基层减负）。本级每周最多发 1 份要材料通知，本周（.+ 起）已发 1 份；.+起可再发。$/);
    expect(await form.getByRole('status').count()).toBe(0);
    // The refusal is recorded and counted.
    await expect.poll(() => page.getByTestId('refusals').locator('tbody tr').first().textContent(), { timeout: 20_000 }).toMatch(/tj-d1.*报送调研课题.*1 \/ 1/);
    expect((await call('GET', org(DISTRICT, '/directives?direction=issued'))).informationRequests as { sent: number; refused: number }).toMatchObject({
      sent: 1,
      refused: 1,
    });
  });

  test('cancelling a directive asks first, then cancels it everywhere below', async () => {
    const page = await (await s.browser.context()).newPage();
    await signIn(page, organiser);
    await page.goto(screen(DISTRICT));
    await page.getByRole('button', { name: `查看落实情况：${TITLE}` }).click();
    await page.getByRole('button', { name: '撤销此部署' }).click();
    const confirm = page.getByRole('alertdialog');
    expect(await confirm.textContent()).toMatch(/确认撤销“清理规范督查检查考核”？/);
    // Changing one's mind leaves it be.
    await confirm.getByRole('button', { name: '不撤销' }).click();
    expect(await page.getByRole('alertdialog').count()).toBe(0);
    await page.getByRole('button', { name: '撤销此部署' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: '确认撤销' }).click();
    await expect
      .poll(() => page.locator(`tr[data-directive="${directiveId}"] [data-testid="issued-coverage"]`).textContent(), { timeout: 20_000 })
      .toBe('已撤销');
    expect(await page.getByRole('button', { name: '撤销此部署' }).count()).toBe(0);
    // Below, the branches' open items are cancelled.
    await expect
      .poll(() => call('GET', org('tj-d1-u2-b1', '/directives')), { timeout: 30_000, message: 'the branch’s item cancelled' })
      .toSatisfy((r) => (r.items as { status: string }[])[0]?.status === 'cancelled');
  });
});
