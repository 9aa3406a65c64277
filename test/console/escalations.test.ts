/**
 * 下题上答 in a real browser (Debian's Chromium through playwright-core) against the real
 * stack. Over the small Tianjin-shaped tree: a branch secretary raises an item of its
 * ledger to its unit; the unit's organiser forwards it to the district with a reason; the
 * district's organiser claims it; the chain shows the three levels; the branch sees that it
 * was claimed (the notice back). A district secretary reading the unit's inbox has no claim
 * or forward button. Then the reads the screen stands on: the outbox holds what an org
 * raised or passed on, the inbox puts those waiting first, the chain names its orgs; and a
 * second escalation merged in the browser into the item the first one became.
 */
import type { Page } from 'playwright-core';
import { describe, expect, test, vi } from 'vitest';
import { ADMIN, bearer } from '../support/api.js';
import { useConsoleStack } from '../support/console.js';

const CAMPAIGN = 'escalations-test';
const BRANCH = 'tj-d1-u1-b1';
const UNIT = 'tj-d1-u1';
const DISTRICT = 'tj-d1';

const tokens: Record<'branchSecretary' | 'unitOrganiser' | 'districtOrganiser' | 'districtSecretary', string> = {
  branchSecretary: '',
  unitOrganiser: '',
  districtOrganiser: '',
  districtSecretary: '',
};
const names: Record<string, string> = {};
let escalationId = '';

/** A name in a pattern, as itself. */
const lit = (s: string | undefined) => (s ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const get = async (url: string, token = ADMIN) => {
  const res = await s.app.inject({ method: 'GET', url, headers: bearer(token) });
  if (res.statusCode !== 200) throw new Error(`GET ${url} answered ${res.statusCode}: ${res.body}`);
  return res.json<Record<string, unknown> & { items: Record<string, unknown>[] }>();
};

const s = useConsoleStack({
  campaign: { id: CAMPAIGN, name: '主题教育（下题上答测试）', rules: { autoMobiliseLevels: ['city', 'district', 'unit', 'branch'], progressReportSeconds: 1 } },
  async setUp({ app, org, issueToken }) {
    // Two open items of the branch's own ledger (set up through the API; raising one is the browser's).
    for (const [problemId, description] of [
      ['b-subsidy', '困难党员补助标准由区里定，支部无权调整'],
      ['b-other', '学习资料发放不及时'],
    ]) {
      await vi.waitFor(
        async () => {
          const value = await app.inject({
            method: 'POST',
            url: org(BRANCH, '/problems'),
            headers: bearer(ADMIN),
            payload: { problemId, source: 'self_inspection', category: '政策', description },
          });
          expect(value, `the cascade reached the branch (${problemId})`).toSatisfy((r) => r.statusCode === 200);
        },
        { timeout: 60_000, interval: 200 },
      );
    }
    tokens.branchSecretary = await issueToken({ role: 'secretary', orgId: BRANCH });
    tokens.unitOrganiser = await issueToken({ role: 'organiser', orgId: UNIT });
    tokens.districtOrganiser = await issueToken({ role: 'organiser', orgId: DISTRICT });
    tokens.districtSecretary = await issueToken({ role: 'secretary', orgId: DISTRICT });
    for (const id of [BRANCH, UNIT, DISTRICT]) names[id] = (await get(`/orgs/${id}`)).name as string;
  },
});
const { org } = s;

/** Signs in on a new page (a phone's, with that viewport) and opens the org's 下题上答 screen. */
async function signIn(token: string, orgId: string, viewport?: { width: number; height: number }): Promise<Page> {
  const page = await (await s.browser.context(viewport)).newPage();
  await s.signIn(page, token);
  await page.goto(`${s.base}/#/c/${CAMPAIGN}/o/${orgId}/escalations`);
  await page.getByRole('heading', { name: /收到的上报/ }).waitFor();
  return page;
}

/** The card of the escalation in the inbox or outbox. */
const card = (page: Page, box: 'inbox' | 'outbox') => page.getByTestId(box).locator(`li[data-escalation="${escalationId}"]`);

describe('下题上答 in Chromium', () => {
  test('raised by the branch, forwarded by the unit with a reason, claimed by the district; the chain shows the three levels and the branch hears of the claim', async () => {
    // The branch secretary raises an item of its own ledger to its unit.
    const branch = await signIn(tokens.branchSecretary, BRANCH);
    expect(await branch.getByRole('link', { name: '下题上答' }).getAttribute('aria-current')).toBe('page');
    const raise = branch.getByRole('form', { name: '上报问题（下题上答）' });
    await raise.getByLabel('上报的问题').selectOption('b-subsidy');
    expect(await raise.getByLabel('上报至').inputValue()).toBe('unit');
    await raise.getByLabel('上报理由（必填）').fill('补助标准属区级政策，需上级统筹');
    await raise.getByRole('button', { name: '上报' }).click();
    expect(await raise.getByRole('status').textContent()).toMatch(/问题 b-subsidy 已上报单位/);
    escalationId = (
      await vi.waitFor(
        async () => {
          const value = await get(org(BRANCH, '/escalations?direction=sent'));
          expect(value, 'raised').toSatisfy((p: typeof value) => p.items.length === 1);
          return value;
        },
        { timeout: 20_000, interval: 200 },
      )
    ).items[0]!.escalation_id as string;
    // In the branch's outbox, and no longer offered for raising.
    await expect.poll(() => card(branch, 'outbox').textContent(), { timeout: 20_000 }).toMatch(/困难党员补助标准/);
    await expect
      .poll(() => raise.getByLabel('上报的问题').locator('option').allTextContents())
      .toEqual(['请选择本级台账中的问题', expect.stringMatching(/^b-other/)]);

    // A district secretary reads the unit's inbox below it, but acts only for its own org: no claim or forward.
    const secretary = await signIn(tokens.districtSecretary, UNIT);
    const seen = card(secretary, 'inbox');
    await expect.poll(() => seen.textContent(), { timeout: 20_000 }).toMatch(/待认领/);
    expect(await seen.getByRole('button', { name: /查看流转/ }).count()).toBe(1);
    expect(await secretary.getByRole('button', { name: /^(认领|合并到已有问题|转报上级)$/ }).count()).toBe(0);
    expect(await secretary.getByRole('form', { name: /上报问题/ }).count()).toBe(0);

    // The unit's organiser: pending, with its claim deadline and colour; forwards it with a reason.
    const unit = await signIn(tokens.unitOrganiser, UNIT);
    const atUnit = card(unit, 'inbox');
    await expect.poll(() => atUnit.textContent(), { timeout: 20_000 }).toMatch(/认领期限/);
    expect(await atUnit.locator('[data-colour]').getAttribute('data-colour')).toBe('green');
    expect(await atUnit.textContent()).toContain(names[BRANCH]);
    await atUnit.getByRole('button', { name: '转报上级' }).click();
    const forward = atUnit.getByRole('form', { name: '转报上一级' });
    // A reason of spaces alone: the API's refusal, in words, beside the field it names.
    const reasonField = forward.getByLabel('转报理由（必填）');
    await reasonField.fill('   ');
    await forward.getByRole('button', { name: '确认转报' }).click();
    await expect.poll(() => reasonField.getAttribute('aria-invalid')).toBe('true');
    const beside = forward.locator(`[id="${await reasonField.getAttribute('aria-describedby')}"]`);
    expect(await beside.textContent()).toBe('请填写理由（不能只有空格）。');
    expect(await beside.getAttribute('role')).toBe('alert');
    await reasonField.fill('补助标准由区民政统一制定');
    await forward.getByRole('button', { name: '确认转报' }).click();
    // Gone from the inbox; in the unit's outbox as passed on, now at the district.
    await expect.poll(() => card(unit, 'inbox').count(), { timeout: 20_000 }).toBe(0);
    await expect.poll(() => card(unit, 'outbox').textContent(), { timeout: 20_000 }).toMatch(new RegExp(`本级已转报.*${lit(names[DISTRICT])}（待认领）`));

    // The district's organiser claims it as a new item of its ledger.
    const district = await signIn(tokens.districtOrganiser, DISTRICT);
    const atDistrict = card(district, 'inbox');
    await expect.poll(() => atDistrict.textContent(), { timeout: 20_000 }).toMatch(/认领期限/);
    await atDistrict.getByRole('button', { name: '认领', exact: true }).click();
    await atDistrict.getByRole('form', { name: '认领为本级新问题' }).getByRole('button', { name: '确认认领' }).click();
    await expect.poll(() => atDistrict.textContent(), { timeout: 20_000 }).toMatch(/已认领.*认领为本级问题 esc-/);
    expect(await atDistrict.getByRole('button', { name: '认领', exact: true }).count()).toBe(0);

    // The chain, across the three levels: raised, received, forwarded with its reason, received, claimed; and the notice back.
    const chain = district.getByTestId('chain');
    const steps = () => chain.locator('li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-step')));
    await expect.poll(steps, { timeout: 20_000 }).toEqual(expect.arrayContaining(['raised', 'received', 'forwarded', 'claimed', 'origin heard: claimed']));
    const order = (await steps()).filter((s) => ['raised', 'forwarded', 'claimed'].includes(s));
    expect(order).toEqual(['raised', 'forwarded', 'claimed']);
    const text = (step: string) => chain.locator(`li[data-step="${step}"]`).first().textContent();
    expect(await text('raised')).toMatch(new RegExp(`${lit(names[BRANCH])}.*上报.*至 ${lit(names[UNIT])}.*理由：补助标准属区级政策，需上级统筹.*支部书记`));
    expect(await text('forwarded')).toMatch(new RegExp(`${lit(names[UNIT])}.*转报上级.*至 ${lit(names[DISTRICT])}.*理由：补助标准由区民政统一制定.*组织者`));
    expect(await text('claimed')).toMatch(new RegExp(`${lit(names[DISTRICT])}.*认领为本级新问题.*本级问题 esc-`));
    // Each hop's time in China Standard Time, whatever the browser's zone (London here).
    const first = chain.locator('time').first();
    const at = new Date((await first.getAttribute('datetime'))!);
    const cst = new Intl.DateTimeFormat('zh-CN', {
      timeZone: 'Asia/Shanghai',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    }).format(at);
    expect(await first.textContent()).toBe(cst);

    // The branch's open page hears the claim by itself (polling), and its chain says so too.
    const atBranch = card(branch, 'outbox');
    await expect.poll(() => atBranch.textContent(), { timeout: 20_000 }).toMatch(/已被认领/);
    await atBranch.getByRole('button', { name: /查看流转/ }).click();
    await expect.poll(() => branch.getByTestId('chain').textContent(), { timeout: 20_000 }).toMatch(/上报方收到回告：已被认领/);
    // The branch opens only what it may read: its own org links, the unit and the district above do not.
    expect(await branch.getByTestId('chain').locator('li[data-step="raised"] a').count()).toBe(1);
    expect(await branch.getByTestId('chain').locator('li[data-step="forwarded"] a').count()).toBe(0);
    expect(await district.getByTestId('chain').locator('li[data-step="forwarded"] a').count()).toBe(1);
  });

  test('the reads the screen stands on: the outbox holds what was raised or passed on, the inbox waits first, the chain names its orgs', async () => {
    const outbox = async (orgId: string) => (await get(org(orgId, '/escalations?direction=outbox'))).items.map((e) => e.escalation_id);
    expect(await outbox(BRANCH)).toEqual([escalationId]);
    expect(await outbox(UNIT)).toEqual([escalationId]);
    expect(await outbox(DISTRICT)).toEqual([]);
    // `sent` is still what was raised here only.
    expect((await get(org(UNIT, '/escalations?direction=sent'))).items).toEqual([]);
    // A second escalation, straight to the district, waits at the top of its inbox, before the claimed one.
    await s.app.inject({
      method: 'POST',
      url: org(BRANCH, '/problems/b-other/escalation'),
      headers: bearer(tokens.branchSecretary),
      payload: { targetLevel: 'district', reason: '资料由区里统一印发' },
    });
    const inbox = await vi.waitFor(
      async () => {
        const value = await get(org(DISTRICT, '/escalations'), tokens.districtOrganiser);
        expect(value, 'second escalation at the district').toSatisfy((p: typeof value) => p.items.length === 2);
        return value;
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(inbox.items.map((e) => e.target_status)).toEqual(['pending', 'claimed']);
    expect(inbox.items[0]).toMatchObject({ origin_org_name: names[BRANCH], current_org_name: names[DISTRICT], hop: 1, category: '政策' });
    // The chain names each org on it, for the branch secretary too (who reads neither the unit nor the district).
    const chain = await get(`/campaigns/${CAMPAIGN}/escalations/${encodeURIComponent(escalationId)}`, tokens.branchSecretary);
    expect((chain.orgs as { orgId: string; name: string }[]).map((o) => [o.orgId, o.name])).toEqual([DISTRICT, UNIT, BRANCH].map((id) => [id, names[id]]));
    // The org's own 404 for an org outside the caller's subtree, on the outbox as on every read.
    expect((await s.app.inject({ method: 'GET', url: org(UNIT, '/escalations?direction=outbox'), headers: bearer(tokens.branchSecretary) })).statusCode).toBe(
      404,
    );
  });

  test('merged in the browser into an item of the district’s ledger chosen from a list (the claim’s merge option)', async () => {
    const district = await signIn(tokens.districtOrganiser, DISTRICT);
    const claimedAs = (await get(org(DISTRICT, '/escalations?status=claimed'))).items[0]!.claimed_problem_id as string;
    // The one waiting comes first in the inbox.
    const first = district.getByTestId('inbox').locator('li').first();
    await expect.poll(() => first.textContent(), { timeout: 20_000 }).toMatch(/学习资料发放不及时/);
    await first.getByRole('button', { name: '合并到已有问题' }).click();
    const merge = first.getByRole('form', { name: '合并到本级已有问题' });
    const choice = merge.getByLabel('并入的本级问题');
    expect(await choice.locator('option').allTextContents()).toEqual([
      '请选择本级台账中的问题',
      expect.stringMatching(new RegExp(`^${claimedAs} · 政策：困难党员补助标准`)),
    ]);
    await choice.selectOption(claimedAs);
    await merge.getByRole('button', { name: '确认认领' }).click();
    const merged = district.getByTestId('inbox').locator('li', { hasText: '学习资料发放不及时' });
    await expect.poll(() => merged.textContent(), { timeout: 20_000 }).toMatch(new RegExp(`已认领.*认领为本级问题 ${claimedAs}`));
    await expect
      .poll(() => district.getByTestId('chain').locator('li[data-step="merged"]').textContent(), { timeout: 20_000 })
      .toMatch(new RegExp(`合并认领.*本级问题 ${claimedAs}`));
  });
});
