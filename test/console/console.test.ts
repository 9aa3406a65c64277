/**
 * The console in a real browser (Debian's Chromium through playwright-core) against the
 * real stack: the API listening on a free port and serving the built console, a worker,
 * the test Temporal server and PostgreSQL. A campaign runs over the small Tianjin-shaped
 * tree; a branch secretary signs in, records the mobilisation meeting and a study session
 * through the forms of the 填报 screen, and watches the figures move without a reload (there
 * and on the org's page); an inspector has the
 * verify button the secretary does not; signing out ends the session on the server.
 */
import { describe, expect, test, vi } from 'vitest';
import { orgColour } from '../../domain/colour.js';
import { chinaDate } from '../../domain/org-node.js';
import { DAY, useConsoleStack } from '../support/console.js';

const CAMPAIGN = 'console-test';
const BRANCH = 'tj-d1-u1-b1';

let secretary: string;
let inspector: string;

const s = useConsoleStack({
  campaign: { id: CAMPAIGN, name: '主题教育（浏览器测试）', rules: { minStudyDays: 3, autoMobiliseLevels: ['unit'], progressReportSeconds: 1 } },
  temporalUiUrl: 'http://localhost:8233/namespaces/default',
  async setUp({ mobilise, reached, issueToken }) {
    // The city and the district mobilise; the unit does so by itself; the branch waits for its secretary.
    await mobilise('tj', { daysAgo: 15, attendance: 300, what: 'the city mobilised' });
    await mobilise('tj-d1', { daysAgo: 14, attendance: 120, what: 'the district mobilised' });
    await reached(BRANCH, { what: 'the cascade reached the branch' });
    secretary = await issueToken({ role: 'secretary', orgId: BRANCH });
    inspector = await issueToken({ role: 'inspector', orgId: 'tj-d1' });
  },
});
const { call, org, signIn } = s;

describe('the console in Chromium', () => {
  test('without a session: the sign-in page, and the API refuses the page’s own requests', async () => {
    const page = await (await s.browser.context()).newPage();
    const res = await page.goto(s.base);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-type']).toMatch(/text\/html/);
    // The page asks /session first (401 without a cookie), then shows the sign-in: wait for it, do not race it.
    await page.getByLabel('访问令牌').waitFor({ state: 'visible' });
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('登录');
    const statuses = await page.evaluate(async (url) => Promise.all(['/session', url, '/orgs/tj'].map(async (u) => (await fetch(u)).status)), org(BRANCH));
    expect(statuses).toEqual([401, 401, 401]);
    // A wrong token is refused on the page.
    await page.getByLabel('访问令牌').fill('ce_000000000000_wrong');
    await page.getByRole('button', { name: '登录' }).click();
    expect(await page.getByRole('alert').textContent()).toMatch(/登录失败/);
    // The API's own paths stay the API's: an unknown one is still problem+json.
    const unknown = await page.evaluate(async () => {
      const r = await fetch('/no-such-route');
      return { status: r.status, type: r.headers.get('content-type') };
    });
    expect(unknown).toEqual({ status: 404, type: expect.stringMatching(/^application\/problem\+json/) });
  });

  test('the overview’s read: colours by the one rule, red first, filtered, found by name or id, paged, counted per level', async () => {
    type Node = { orgId: string; colour: string; reasons: string[]; reached: boolean };
    type Overview = {
      org: Node;
      levels: { level: string; orgs: number; reached: number; red: number; yellow: number; green: number }[];
      children: { items: Node[]; total: number; nextCursor: string | null };
    };
    const overview = async (orgId: string, query = '') => (await call('GET', org(orgId, `/overview${query}`))) as unknown as Overview;
    // tj-d1-u2 gets an item past its deadline (red), tj-d1-u3 its three study days (green), tj-d1-u1 stays yellow.
    await call('POST', org('tj-d1-u2', '/problems'), { problemId: 'late', source: 'self_inspection', category: '作风', description: '整改台账不全' });
    await call('POST', org('tj-d1-u2', '/problems/late/plan'), { owner: '办公室', measures: '补齐台账', deadline: new Date(Date.now() + 2000).toISOString() });
    for (let d = 3; d <= 5; d++)
      await call('POST', org('tj-d1-u3', '/study-sessions'), {
        sessionId: `s${d}`,
        date: chinaDate(Date.now() - d * DAY),
        kind: 'concentrated',
        hours: 2,
        attendance: 9,
      });
    const ids = (o: Overview) => o.children.items.map((c) => c.orgId);
    const settled = await vi.waitFor(
      async () => {
        const value = await overview('tj-d1');
        expect(value, 'red, yellow, green in that order').toSatisfy((o: typeof value) => ids(o).join() === 'tj-d1-u2,tj-d1-u1,tj-d1-u3');
        return value;
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(settled.children.items.map((c) => c.colour)).toEqual(['red', 'yellow', 'green']);
    expect(ids(await overview('tj-d1', '?sort=position'))).toEqual(['tj-d1-u1', 'tj-d1-u2', 'tj-d1-u3']);
    expect(ids(await overview('tj-d1', '?colour=green'))).toEqual(['tj-d1-u3']);
    // Every reached org's colour is the domain's rule over its read-model row.
    for (const id of ['tj', 'tj-d1', 'tj-d1-u1', 'tj-d1-u2', 'tj-d1-u3', BRANCH]) {
      const row = await call('GET', org(id));
      const node = (await overview(id)).org;
      expect({ id, colour: node.colour, reasons: node.reasons }).toEqual({
        id,
        ...orgColour({ mobilised: row.mobilised_on !== null, own: row.own as Record<string, number> }),
      });
    }
    // Not reached by the cascade: listed all the same, as such.
    expect((await overview('tj-d2')).children.items.map((c) => [c.colour, c.reached])).toEqual([
      ['none', false],
      ['none', false],
      ['none', false],
    ]);
    // Found by id prefix or by name anywhere below; paged one at a time in the sorted order.
    expect(ids(await overview('tj', '?q=tj-d1-u1-&sort=position'))).toEqual(['tj-d1-u1-b1', 'tj-d1-u1-b2', 'tj-d1-u1-b3']);
    const name = (await call('GET', '/orgs/tj-d3')).name as string;
    expect(ids(await overview('tj', `?q=${encodeURIComponent(name)}`))).toEqual(['tj-d3']);
    const paged: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: Overview = await overview('tj-d1', `?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.children.total).toBe(3);
      paged.push(...ids(page));
      cursor = page.children.nextCursor;
    }
    expect(paged).toEqual(ids(settled));
    const levels = (await overview('tj')).levels;
    expect(levels.map((l) => [l.level, l.orgs])).toEqual([
      ['city', 1],
      ['district', 3],
      ['unit', 9],
      ['branch', 27],
    ]);
    for (const l of levels) expect(l.red + l.yellow + l.green).toBe(l.reached);
    expect(levels.find((l) => l.level === 'unit')).toMatchObject({ reached: 3, red: 1, green: 1, yellow: 1 });
  });

  test('a secretary signs in, records the mobilisation meeting and study days, and sees the figures move without a reload; no verify button; signs out', async () => {
    const context = await s.browser.context();
    const page = await context.newPage();
    await signIn(page, secretary);
    expect(await page.getByTestId('who').textContent()).toBe('支部书记 · ' + ((await call('GET', `/orgs/${BRANCH}`)).name as string));
    // The browser holds an HttpOnly cookie, nothing a script can read.
    const cookies = await context.cookies();
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([['ce_session', true, 'Strict']]);
    // (Strings evaluated in the page: this file is type-checked without the DOM's types.)
    expect(await page.evaluate('[document.cookie, JSON.stringify(localStorage), JSON.stringify(sessionStorage)]')).toEqual(['', '{}', '{}']);
    // Marks this page load: a reload would lose it.
    await page.evaluate('window.sameLoad = true');

    await page.getByRole('link', { name: /本级详情与台账/ }).click();
    const mobilisation = page.getByTestId('component-mobilisation');
    const study = page.getByTestId('component-study');
    await expect.poll(() => mobilisation.textContent()).toBe('尚未召开动员会');
    await expect.poll(() => study.textContent()).toBe('集中学习 0 天，还差 3 天');

    // The forms are on the 填报 screen, which the page links to; it shows the same components' figures.
    await page.getByRole('link', { name: '去填报 →' }).click();
    const needMobilisation = page.getByTestId('need-mobilisation');
    const needStudy = page.getByTestId('need-study');
    await expect.poll(() => needMobilisation.textContent()).toBe('尚未召开动员会');
    const meeting = page.getByRole('form', { name: '动员部署会议' });
    await meeting.getByLabel('参会人数').fill('18');
    await meeting.getByRole('button', { name: '提交' }).click();
    expect(await meeting.getByRole('status').textContent()).toMatch(/已记录/);
    await expect.poll(() => needMobilisation.textContent(), { timeout: 20_000 }).toMatch(/^已于 .+ 召开动员会$/);

    const session = page.getByRole('form', { name: '学习记录' });
    await expect.poll(() => session.getByTestId('study-preview').textContent()).toBe('将计入集中学习第 1 天（要求至少 3 天，还差 2 天）。');
    await session.getByLabel('学习形式').selectOption('self_study');
    expect(await session.getByTestId('study-preview').textContent()).toMatch(/^个人自学不计入集中学习天数/);
    await session.getByLabel('学习形式').selectOption('concentrated');
    await session.getByLabel('参加人数').fill('20');
    await session.getByRole('button', { name: '提交' }).click();
    expect(await session.getByRole('status').textContent()).toBe('已记录，计入集中学习天数：1/3 天。');
    await expect.poll(() => needStudy.textContent(), { timeout: 20_000 }).toBe('集中学习 1 天，还差 2 天');
    // The same day again: the preview says it will not count twice.
    await expect.poll(() => session.getByTestId('study-preview').textContent()).toMatch(/已计入过集中学习，同一天不重复计算/);
    // Someone else records a study day (through the API): the open page catches up by itself.
    await call('POST', org(BRANCH, '/study-sessions'), {
      sessionId: 'by-api',
      date: chinaDate(Date.now() - 2 * DAY),
      kind: 'concentrated',
      hours: 3,
      attendance: 15,
    });
    await expect.poll(() => needStudy.textContent(), { timeout: 20_000 }).toBe('集中学习 2 天，还差 1 天');

    // Back on the org's page: the components moved there too.
    await page.getByRole('navigation', { name: '本级功能' }).getByRole('link', { name: '本级详情', exact: true }).click();
    await expect.poll(() => mobilisation.textContent(), { timeout: 20_000 }).toMatch(/^已于 .+ 召开动员会$/);
    await expect.poll(() => study.textContent(), { timeout: 20_000 }).toBe('集中学习 2 天，还差 1 天');

    // The timeline tells what happened, newest first.
    const timeline = () => page.getByTestId('timeline').locator('li strong').allTextContents();
    await expect.poll(timeline).toEqual(expect.arrayContaining(['记录学习', '环节开始', '向下级部署', '召开动员部署会议', '活动部署到本级']));
    const kinds = await timeline();
    expect(kinds.indexOf('记录学习')).toBeLessThan(kinds.indexOf('召开动员部署会议'));
    expect(kinds.at(-1)).toBe('活动部署到本级');

    // A rectified item waits in the ledger for verification, which only an inspector or an organiser above may give.
    await call('POST', org(BRANCH, '/problems'), { problemId: 'p-console', source: 'self_inspection', category: '形式主义', description: '学习记录填报重复' });
    await call('POST', org(BRANCH, '/problems/p-console/plan'), { owner: '支部书记', measures: '合并台账', deadline: chinaDate(Date.now() + 20 * DAY) });
    await call('POST', org(BRANCH, '/problems/p-console/start'), {});
    await call('POST', org(BRANCH, '/problems/p-console/rectification'), { evidence: '合并后的台账' });
    const row = page.locator('tr[data-problem="p-console"]');
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toMatch(/已整改待核验/);
    expect(await page.getByRole('button', { name: /核验销号|退回/ }).count()).toBe(0);
    expect(await page.evaluate('window.sameLoad')).toBe(true);

    // The overview of its own org shows the same figures and colour.
    await page.getByRole('link', { name: '← 返回总览' }).click();
    await expect.poll(() => page.getByTestId('own-study-days').textContent()).toBe('2 / 3');

    const old = (await context.cookies())[0]!;
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.getByLabel('访问令牌').waitFor();
    expect(await context.cookies()).toEqual([]);
    // The old cookie is dead on the server, not only forgotten by the browser.
    const replay = await fetch(`${s.base}/session`, { headers: { cookie: `ce_session=${old.value}` } });
    expect(replay.status).toBe(401);
  });

  test('an inspector above the branch has the verify button, and verifying closes the item (不整改不销号)', async () => {
    const page = await (await s.browser.context({ width: 390, height: 844 })).newPage();
    // By keyboard alone: the token field has the focus, Enter signs in.
    await page.goto(s.base);
    await page.getByLabel('访问令牌').waitFor();
    expect(await page.evaluate('document.activeElement.id')).toBe('token');
    await page.keyboard.type(inspector);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: '退出登录' }).waitFor();
    await page.goto(`${s.base}/#/c/${CAMPAIGN}/o/${BRANCH}/page`);
    const row = page.locator('tr[data-problem="p-console"]');
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toMatch(/已整改待核验/);
    // No forms, no way to them: an inspector does not act for the branch.
    expect(await page.getByRole('form').count()).toBe(0);
    expect(await page.getByRole('link', { name: /填报/ }).count()).toBe(0);
    await row.getByRole('button', { name: '核验销号 p-console' }).click();
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toMatch(/已销号/);
  });
});
