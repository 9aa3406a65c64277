/**
 * The ledger screen (整改台账) in a real browser against the real stack: an item at a branch
 * passes its deadline (planned with a deadline a few seconds ahead, which the API accepts;
 * the workflow's alert timer turns it red), so the district's organiser sees the branch red;
 * the branch's secretary opens the item in the ledger, is refused an extension to an earlier
 * date beside that field, and submits the evidence; an inspector above verifies it in the
 * ledger; the organiser's open overview turns the branch green without a reload. The
 * secretary never has a verify button.
 */
import { describe, expect, test, vi } from 'vitest';
import { chinaDate } from '../../domain/org-node.js';
import { bearer } from '../support/api.js';
import { DAY, useConsoleStack } from '../support/console.js';

const CAMPAIGN = 'ledger-test';
const UNIT = 'tj-d1-u1';
const BRANCH = 'tj-d1-u1-b1';
const OTHER = 'tj-d1-u2';

let organiser: string;
let secretary: string;
let inspector: string;
let branchName: string;

const s = useConsoleStack({
  campaign: { id: CAMPAIGN, name: '主题教育（台账测试）', rules: { minStudyDays: 1, autoMobiliseLevels: ['unit', 'branch'], progressReportSeconds: 1 } },
  async setUp({ mobilise, reached, issueToken, call, org }) {
    await mobilise('tj', { daysAgo: 15, attendance: 300, what: 'the city mobilised' });
    await mobilise('tj-d1', { daysAgo: 14, attendance: 120, what: 'the district mobilised' });
    await reached(BRANCH, { mobilised: true, what: 'the branch mobilised by the cascade' });
    organiser = await issueToken({ role: 'organiser', orgId: 'tj-d1' });
    secretary = await issueToken({ role: 'secretary', orgId: BRANCH });
    inspector = await issueToken({ role: 'inspector', orgId: 'tj-d1' });
    branchName = (await call('GET', `/orgs/${BRANCH}`)).name as string;

    // The branch does its study (one day is the rule here), and an item of its ledger passes its deadline.
    await call(
      'POST',
      org(BRANCH, '/study-sessions'),
      { sessionId: 's1', date: chinaDate(Date.now() - 3 * DAY), kind: 'concentrated', hours: 3, attendance: 12 },
      secretary,
    );
    await call(
      'POST',
      org(BRANCH, '/problems'),
      { problemId: 'late', source: 'self_inspection', category: '形式主义', description: '材料报送层层加码' },
      secretary,
    );
    await call(
      'POST',
      org(BRANCH, '/problems/late/plan'),
      { owner: '支部委员', measures: '精简报表', deadline: new Date(Date.now() + 3000).toISOString() },
      secretary,
    );
    await call('POST', org(BRANCH, '/problems/late/start'), {}, secretary);
    // Another unit's item, from a spot check, not late: what the filters leave out.
    await call('POST', org(OTHER, '/problems'), { problemId: 'spot', source: 'spot_check', category: '作风', description: '会议记录不全' });
    await vi.waitFor(
      async () => {
        const value = await call('GET', org('tj-d1', '/ledger?colour=red'));
        expect(value, 'the item red').toSatisfy((r) => (r.items as unknown[]).length === 1);
      },
      { timeout: 30_000, interval: 200 },
    );
  },
});
const { call, org, screen, signIn } = s;

describe('the ledger screen in Chromium', () => {
  test('the API: the subtree’s items filtered, each naming its org; paged by cursor; an item’s history', async () => {
    type Row = { org_id: string; org_name: string; org_level: string; problem_id: string; colour: string; source: string };
    const list = async (q: string) => (await call('GET', org('tj-d1', `/ledger${q}`))) as unknown as { items: Row[]; nextCursor: string | null };
    expect((await list('')).items.map((r) => `${r.org_id}/${r.problem_id}`)).toEqual([`${BRANCH}/late`, `${OTHER}/spot`]);
    expect((await list('?colour=red')).items).toEqual([
      expect.objectContaining({ org_id: BRANCH, org_name: branchName, org_level: 'branch', problem_id: 'late', colour: 'red' }),
    ]);
    expect((await list('?source=spot_check')).items.map((r) => r.problem_id)).toEqual(['spot']);
    expect((await list('?level=unit')).items.map((r) => r.problem_id)).toEqual(['spot']);
    expect((await list('?status=found&colour=none')).items.map((r) => r.problem_id)).toEqual(['spot']);
    const first = await list('?limit=1');
    expect(first.items.map((r) => r.problem_id)).toEqual(['late']);
    expect((await list(`?limit=1&cursor=${first.nextCursor}`)).items.map((r) => r.problem_id)).toEqual(['spot']);
    // The secretary reads its own subtree; above it, or beside it, is a 404.
    expect(((await call('GET', org(BRANCH, '/ledger'), undefined, secretary)).items as Row[]).map((r) => r.problem_id)).toEqual(['late']);
    for (const outside of [UNIT, OTHER])
      expect((await s.app.inject({ method: 'GET', url: org(outside, '/ledger'), headers: bearer(secretary) })).statusCode).toBe(404);
    const history = await call('GET', org(BRANCH, '/problems/late/history'), undefined, secretary);
    expect((history.events as { type: string }[]).map((e) => e.type)).toEqual(
      expect.arrayContaining(['ProblemRecorded', 'RectificationPlanned', 'RectificationStarted', 'DeadlineAlert']),
    );
  });

  test('red for an overdue item; the secretary submits the evidence in the browser; an inspector verifies it in the ledger; the organiser sees green', async () => {
    // The organiser at the district: the branch is red, and the ledger lists why.
    const watching = await (await s.browser.context()).newPage();
    await signIn(watching, organiser);
    await watching.goto(screen(UNIT));
    const branchColour = watching.locator(`tr[data-org="${BRANCH}"] [data-colour]`).first();
    await expect.poll(() => branchColour.getAttribute('data-colour'), { timeout: 20_000 }).toBe('red');
    const ledgerPage = await watching.context().newPage();
    await ledgerPage.goto(screen('tj-d1', '/ledger'));
    await ledgerPage.getByLabel('预警', { exact: true }).selectOption('red');
    const lateRow = ledgerPage.locator(`tr[data-item="${BRANCH}/late"]`);
    await expect.poll(() => lateRow.textContent(), { timeout: 20_000 }).toContain('逾期');
    // The filter's answer replaces the unfiltered page: only the late item is left.
    await expect.poll(() => ledgerPage.locator('table.ledger tbody tr').count()).toBe(1);
    expect(await lateRow.getByRole('link', { name: branchName }).getAttribute('href')).toBe(`#/c/${CAMPAIGN}/o/${BRANCH}`);
    expect(await ledgerPage.getByRole('link', { name: /导出 CSV/ }).getAttribute('href')).toBe(`/campaigns/${CAMPAIGN}/orgs/tj-d1/problems.csv?scope=subtree`);
    await ledgerPage.close();

    // The branch secretary, on a phone: opens the item from its own page's ledger.
    const page = await (await s.browser.context({ width: 390, height: 844 })).newPage();
    await signIn(page, secretary);
    await page.goto(screen(BRANCH, '/page'));
    await page.getByRole('link', { name: '在整改台账中查看 late' }).click();
    const detail = page.getByTestId('item-detail');
    await expect.poll(() => detail.getByTestId('item-status').textContent(), { timeout: 20_000 }).toBe('整改中');
    const history = () => detail.getByTestId('item-history').locator('li strong').allTextContents();
    await expect.poll(history).toEqual(expect.arrayContaining(['查摆问题', '制定整改措施', '开始整改', '期限预警']));
    expect((await history())[0]).toBe('查摆问题');
    // An extension to a day before the current deadline: the API's refusal, in plain words, beside the field.
    const extend = detail.getByRole('form', { name: /申请延期/ });
    await extend.getByLabel('新的期限').fill(chinaDate(Date.now() - 2 * DAY));
    await extend.getByLabel('延期理由').fill('需跨部门协调');
    await extend.getByRole('button', { name: '延期' }).click();
    const deadlineField = extend.locator('[data-field="deadline"]');
    await expect.poll(() => deadlineField.getByRole('alert').textContent()).toMatch(/^新的期限必须晚于原期限（.+）。$/);
    expect(await extend.getByLabel('新的期限').getAttribute('aria-invalid')).toBe('true');
    expect(await extend.locator('[data-field="reason"]').getByRole('alert').count()).toBe(0);
    // The evidence, submitted.
    const submit = detail.getByRole('form', { name: '提交整改材料' });
    await submit.getByLabel('整改情况与材料').fill('报表由 12 张精简为 3 张');
    await submit.getByRole('button', { name: '提交整改材料' }).click();
    expect(await detail.getByRole('status').textContent()).toBe('已提交整改材料，等待上级核验销号。');
    await expect.poll(() => detail.getByTestId('item-status').textContent(), { timeout: 20_000 }).toBe('已整改待核验');
    await expect.poll(history, { timeout: 20_000 }).toContain('提交整改材料');
    // A secretary verifies nothing: no verify or return button, only what it waits for.
    expect(await page.getByRole('button', { name: /核验销号|退回整改/ }).count()).toBe(0);
    expect(await detail.getByTestId('no-actions').textContent()).toMatch(/等待上级督导或组织者核验销号/);
    // Submitting took the item off red: the organiser's open page follows, without a reload.
    await expect.poll(() => branchColour.getAttribute('data-colour'), { timeout: 20_000 }).not.toBe('red');

    // The inspector above, in the ledger: items awaiting verification, opened, verified.
    const checking = await (await s.browser.context()).newPage();
    await signIn(checking, inspector);
    await checking.goto(screen('tj-d1', '/ledger'));
    await checking.getByLabel('状态', { exact: true }).selectOption('rectified');
    const row = checking.locator(`tr[data-item="${BRANCH}/late"]`);
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toContain('已整改待核验');
    await row.getByRole('link', { name: '查看 late' }).click();
    const verifying = checking.getByTestId('item-detail');
    await expect.poll(() => verifying.textContent()).toContain('报表由 12 张精简为 3 张');
    const verify = verifying.getByRole('form', { name: '核验销号' });
    // Returning without a reason is refused beside the reason.
    await verify.getByRole('button', { name: '退回整改' }).click();
    await expect.poll(() => verify.locator('[data-field="reason"]').getByRole('alert').textContent()).toBe('退回整改须写明理由。');
    await verify.getByLabel('核验意见（退回时必填）').fill('报表确已精简');
    await verify.getByRole('button', { name: '核验销号' }).click();
    expect(await verifying.getByRole('status').textContent()).toBe('已核验销号。');
    await expect.poll(() => verifying.getByTestId('item-status').textContent(), { timeout: 20_000 }).toBe('已销号');
    await expect.poll(() => verifying.getByTestId('item-history').locator('li strong').allTextContents()).toContain('核验销号');

    // The organiser's overview: the branch green, by the same rule.
    await expect.poll(() => branchColour.getAttribute('data-colour'), { timeout: 20_000 }).toBe('green');
    // And the secretary's page now shows the item closed, with no action left.
    await expect.poll(() => detail.getByTestId('item-status').textContent(), { timeout: 20_000 }).toBe('已销号');
    expect(await detail.getByRole('form').count()).toBe(0);
  });
});
