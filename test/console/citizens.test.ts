/**
 * 民意直通车 in a real browser (Debian's Chromium through playwright-core) against the real
 * stack: a citizen with no session, on a phone, sends a message and keeps its tracking code;
 * tracking shows it waiting; the campaign office (an organiser over the root) routes it to a
 * branch in the console's 民意分办 screen, after being refused an org the campaign has not
 * reached, in plain words beside the choice; the citizen's page then shows it handed over
 * and, once the branch starts work on its ledger item, being rectified. A console page without
 * a session shows the sign-in and the API refuses a direct read; the send limit's 429 is said
 * in plain words.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { chinaDate } from '../../domain/org-node.js';
import { DAY, useConsoleStack } from '../support/console.js';

const CAMPAIGN = 'citizens-test';
const BRANCH = 'tj-d1-u1-b1';
const UNREACHED = 'tj-d2-u1';
const TEXT = '小区门口的共享单车长期乱停乱放，占用盲道，多次反映没有人管。';

let organiser: string;
/** The citizen's phone: no session, ever. */
let phone: BrowserContext;
let citizen: Page;
/** Every path the citizen's page asked the server for. */
const asked: string[] = [];
let code = '';
let messageId = '';

const s = useConsoleStack({
  campaign: { id: CAMPAIGN, name: '主题教育（民意直通车测试）', rules: { minStudyDays: 3, autoMobiliseLevels: ['unit', 'branch'], progressReportSeconds: 1 } },
  async setUp({ mobilise, reached, issueToken }) {
    // The city and one district mobilise (their units and branches by themselves); the second district does not, so its units are not reached.
    await mobilise('tj', { daysAgo: 15, attendance: 300, what: 'the city mobilised' });
    await mobilise('tj-d1', { daysAgo: 14, attendance: 120, what: 'the district mobilised' });
    await reached(BRANCH, { mobilised: true, what: 'the branch mobilised by itself' });
    organiser = await issueToken({ role: 'organiser', orgId: 'tj' });
  },
});
const { call, org, signIn } = s;

beforeAll(async () => {
  phone = await s.browser.context({ width: 390, height: 844 });
  citizen = await phone.newPage();
  citizen.on('request', (r) => asked.push(new URL(r.url()).pathname));
});

describe('民意直通车 and 民意分办 in Chromium', () => {
  test('without a session: a console page shows the sign-in (with the way to the public page), and the API refuses a direct read', async () => {
    const page = await phone.newPage();
    await page.goto(`${s.base}/#/c/${CAMPAIGN}/o/tj/triage`);
    await page.getByLabel('访问令牌').waitFor({ state: 'visible' });
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('登录');
    expect(await page.getByText('民意分办').count()).toBe(0);
    const statuses = await page.evaluate(
      async ([list, route]) => [
        (await fetch(list!)).status,
        (await fetch(route!, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf': '1' }, body: JSON.stringify({ toOrgId: 'tj-d1' }) }))
          .status,
      ],
      [org('tj', '/public-messages'), org('tj', '/public-messages/0123456789abcdef/routing')],
    );
    expect(statuses).toEqual([401, 401]);
    // The sign-in page leads a citizen to 民意直通车, which lists the campaigns taking messages by name
    // (GET /public-campaigns, no session): the citizen picks one and is on its form, no id typed.
    await page.getByRole('link', { name: '民意直通车' }).click();
    await page.getByRole('link', { name: '主题教育（民意直通车测试）' }).click();
    await page.getByLabel('留言内容（必填）').waitFor();
    expect(new URL(page.url()).hash).toBe(`#/public/${CAMPAIGN}`);
    await page.close();
  });

  test('a citizen with no session sends a message, gets a code shown large with a copy button, and tracking shows it waiting', async () => {
    await citizen.goto(`${s.base}/#/public/${CAMPAIGN}`);
    await citizen.getByRole('heading', { name: '给主题教育办公室留言' }).waitFor();
    // What happens next is said before anything is asked.
    expect(await citizen.getByRole('list', { name: '提交后会怎样' }).textContent()).toMatch(/查询码.*当天.*整改台账/);
    await citizen.getByLabel('类别（必填）').fill('市容秩序');
    await citizen.getByLabel('所在区域（必填）').fill('和平区');
    await citizen.getByLabel('留言内容（必填）').fill(TEXT);
    await citizen.getByLabel(/联系方式/).fill('13800000000');
    await citizen.getByRole('button', { name: '提交留言' }).click();
    await citizen.getByRole('heading', { name: '留言已收到' }).waitFor();
    code = await citizen.getByTestId('tracking-code').inputValue();
    expect(code).toMatch(/^[A-Za-z0-9_-]{24}$/);
    await citizen.getByRole('button', { name: '复制查询码' }).click();
    expect(await citizen.getByRole('status').textContent()).toMatch(/已复制查询码|已选中查询码/);
    expect(await citizen.getByText('请务必保存好查询码').count()).toBe(1);

    await citizen.getByRole('link', { name: '查看办理进度' }).click();
    await expect.poll(() => citizen.getByTestId('tracked-status').textContent(), { timeout: 15_000 }).toBe('已收到，等待分办');
    expect(new URL(citizen.url()).hash).toBe(`#/public/${CAMPAIGN}/track/${code}`);
    expect(await citizen.getByRole('list', { name: '办理步骤' }).textContent()).toMatch(/收到留言\d{4}\/\d{2}\/\d{2}.*转交责任单位尚未/);
    // A wrong code: the same plain answer for any code, beside the field.
    const other = await phone.newPage();
    await other.goto(`${s.base}/#/public/${CAMPAIGN}/track`);
    await other.getByLabel('查询码').fill('A'.repeat(24));
    await other.getByRole('button', { name: '查询' }).click();
    expect(await other.getByRole('alert').textContent()).toMatch(/没有找到这个查询码对应的留言/);
    await other.close();
    // Never a session, never the sign-in: the public page did not ask who is signed in.
    expect(asked.filter((p) => p === '/session')).toEqual([]);
    expect(await phone.cookies()).toEqual([]);
  });

  test('the office routes it in 民意分办, refused an unreached org beside the choice; the citizen sees it handed over and rectified; the branch’s ledger has it', async () => {
    const page = await (await s.browser.context()).newPage();
    await signIn(page, organiser);
    await page.getByRole('link', { name: '民意分办' }).click();
    await page.getByRole('heading', { name: /^民意分办/ }).waitFor();
    const card = page.locator('li[data-message]', { hasText: TEXT });
    await card.waitFor({ timeout: 20_000 });
    messageId = (await card.getAttribute('data-message'))!;
    expect(await card.getByTestId('message-state').textContent()).toBe('待分办');
    expect(await page.getByTestId('fig-awaiting').textContent()).toBe('1');

    // An org the campaign has not reached: the API's 409, in plain words, beside the choice.
    const find = card.getByLabel('责任组织（名称或编号）');
    await find.fill(UNREACHED);
    await card.getByRole('button', { name: '查找' }).click();
    await card
      .getByRole('radio', { name: new RegExp(UNREACHED) })
      .first()
      .check();
    await card.getByRole('button', { name: /^分办给/ }).click();
    expect(await card.getByTestId('route-refusal').textContent()).toMatch(/尚未被活动覆盖/);

    // The branch, found by its id in the office's subtree.
    const branchName = (await call('GET', `/orgs/${BRANCH}`)).name as string;
    await find.fill(BRANCH);
    await card.getByRole('button', { name: '查找' }).click();
    await card.getByRole('radio', { name: new RegExp(BRANCH) }).check();
    await card.getByRole('button', { name: `分办给 ${branchName}` }).click();
    expect(await page.getByTestId('triage-done').textContent()).toContain(branchName);
    await page.getByTestId('queue-empty').waitFor({ timeout: 20_000 });

    // What became of it: under 全部, handed to the branch.
    await page.getByLabel('显示').selectOption('all');
    const routed = page.locator(`li[data-message="${messageId}"]`);
    await expect.poll(() => routed.getByTestId('message-state').textContent(), { timeout: 20_000 }).toBe('已分办，待整改');
    await expect.poll(() => routed.getByTestId('routed-to').textContent()).toContain(branchName);

    // The citizen's open page catches up by itself.
    await expect.poll(() => citizen.getByTestId('tracked-status').textContent(), { timeout: 25_000 }).toBe('已转交责任单位');

    // The branch's ledger has the item (source: public message).
    await routed.getByRole('link', { name: branchName }).click();
    const item = page.locator(`tr[data-problem="public-${messageId}"]`);
    await expect.poll(() => item.textContent(), { timeout: 20_000 }).toMatch(/已查摆/);

    // The branch plans and starts its rectification: the citizen sees it being handled.
    await call('POST', org(BRANCH, `/problems/public-${messageId}/plan`), {
      owner: '支部书记',
      measures: '划定停放区，安排志愿者巡查',
      deadline: chinaDate(Date.now() + 10 * DAY),
    });
    await call('POST', org(BRANCH, `/problems/public-${messageId}/start`), {});
    await citizen.getByRole('button', { name: '查询' }).click();
    await expect.poll(() => citizen.getByTestId('tracked-status').textContent(), { timeout: 20_000 }).toBe('责任单位正在整改');
    expect(await citizen.getByRole('list', { name: '办理步骤' }).textContent()).toMatch(/开始整改\d{4}/);
  });

  test('over the send limit: the 429 is said in plain words, with when to try again, and what was typed stays', async () => {
    // Every attempt counts, refused ones too: five empty bodies from this address spend the burst.
    for (let i = 0; i < 5; i++) await s.app.inject({ method: 'POST', url: `/campaigns/${CAMPAIGN}/public-messages`, payload: {} });
    await citizen.goto(`${s.base}/#/public/${CAMPAIGN}`);
    await citizen.getByLabel('类别（必填）').fill('其他');
    await citizen.getByLabel('所在区域（必填）').fill('河西区');
    await citizen.getByLabel('留言内容（必填）').fill('再反映一次。');
    await citizen.getByRole('button', { name: '提交留言' }).click();
    expect(await citizen.getByTestId('send-refusal').textContent()).toMatch(/^提交太频繁了.*请在 \d+ (秒|分钟)后再试/);
    expect(await citizen.getByLabel('留言内容（必填）').inputValue()).toBe('再反映一次。');
  });
});
