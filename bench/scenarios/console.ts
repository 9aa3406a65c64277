/**
 * B6, the console's time to first meaningful paint: in Chromium (Debian's, through
 * playwright-core, as the console's browser tests drive it), a signed-in organiser opens
 *   - the overview at the root,
 *   - the overview at the org with the most children (the shape's widest node: 25 in
 *     `district`, the unit with 3,000 branches in `tianjin`),
 *   - an org's own page (a branch under that widest node),
 * and the time from the navigation's start until the first meaningful content is on screen
 * is taken from the browser's own clock (`performance.now()`, whose zero is the navigation's
 * start): the first row of the children's table (the overview) or the five components (the
 * org page), in the animation frame after it was inserted, i.e. when it is painted. Each
 * page is opened `--visits` times cold (a fresh browser profile: nothing cached, signed in
 * by cookie) and as many times warm (a reload: the hashed scripts cached, the reads
 * revalidated by ETag). Beside it: the browser's first contentful paint, and the overview
 * read's size on the wire and its time.
 *
 * The read models are written straight into the database, one `rm_org_progress` row per org
 * of the shape with figures drawn from the seed (some orgs red, some yellow, most green), and
 * no workflow runs: what is measured is the API's reads and the browser, not the cascade
 * (B1 measures that). The API runs as its own process (`api/main.ts`), serving the built
 * console. Nothing here asserts a time.
 */
import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { ensureConsoleBuilt, startBrowser } from '../../scripts/lib/chromium.js';
import type { RunContext, ScenarioOutput } from '../context.js';
import { say } from '../live.js';
import { round1, summarise } from '../stats.js';
import { startApi } from './reads.js';

const SELECTOR = { overview: 'table.children tbody tr', page: 'ol.components li' } as const;

interface Visit {
  meaningfulMs: number;
  fcpMs: number | null;
  overviewBytes: number | null;
  overviewMs: number | null;
}

export async function runConsole(ctx: RunContext): Promise<ScenarioOutput> {
  const { orgs, args, infra } = ctx;
  ensureConsoleBuilt();
  const campaignId = `bench-console-${Date.now().toString(36)}`;
  const root = orgs.find((o) => o.parentId === null)!;
  const children = new Map<string, number>();
  for (const o of orgs) if (o.parentId) children.set(o.parentId, (children.get(o.parentId) ?? 0) + 1);
  const widest = [...children.entries()].sort((a, b) => b[1] - a[1])[0]![0];
  const leaf = orgs.find((o) => o.parentId === widest && !children.has(o.id)) ?? orgs.find((o) => !children.has(o.id))!;

  say(`console: writing the read models of ${orgs.length} orgs (campaign ${campaignId})`);
  const t0 = Date.now();
  await infra.db
    .insertInto('rm_campaigns')
    .values({
      id: campaignId,
      name: '主题教育 console benchmark',
      batch: 2,
      root_org_id: root.id,
      phase_mode: 'integrated',
      rules: JSON.stringify({ minStudyDays: 6, warningDays: 3, mobiliseWithinDays: 4 }),
      starts_on: '2019-09-01',
      ends_on: '2099-12-31',
      status: 'running',
      started_at: new Date(Date.now() - 10 * 86_400_000),
      ended_at: null,
      summary: null,
    })
    .execute();
  // Figures drawn from the org's id and the seed: about 5 % not mobilised (half of them past the
  // deadline: red), 5 % with an overdue item (red), 10 % with items due soon (yellow), the rest green.
  await sql`insert into rm_org_progress (campaign_id, org_id, parent_id, level, path, name, status, mobilised_on, reached_at, components, own, subtree, details, last_stream_seq, updated_at)
    select ${campaignId}, o.id, o.parent_id, o.level, o.path, o.name, 'running',
      case when r.v < 5 then null else date '2019-09-05' end,
      now() - case when r.v < 2 then interval '2 days' else interval '9 days' end,
      '{"study":"done","research":"open","review":"open","rectification":"open"}'::jsonb,
      jsonb_build_object('orgs', 1, 'mobilised', (r.v >= 5)::int, 'studyDone', 1, 'studyDays', 6, 'problems', r.v % 7, 'closed', r.v % 3,
        'overdue', (r.v between 5 and 9)::int, 'dueSoon', (r.v between 10 and 19)::int, 'complete', 0),
      jsonb_build_object('orgs', 1, 'mobilised', 1, 'problems', r.v % 7, 'closed', r.v % 3, 'overdue', 0, 'dueSoon', 0, 'complete', 0),
      '', 1, now()
    from orgs o cross join lateral (select abs(hashtext(o.id || ${String(args.seed)})) % 100 as v) r`.execute(infra.db);
  const seedSeconds = (Date.now() - t0) / 1000;

  const api = await startApi(ctx);
  say(`console: API at ${api.url}`);
  const browser = startBrowser();
  ctx.infra.onStop(() => browser.close());
  const targets = [
    { name: 'overview at the root', kind: 'overview' as const, orgId: root.id, children: children.get(root.id) ?? 0 },
    { name: 'overview at the widest node', kind: 'overview' as const, orgId: widest, children: children.get(widest) ?? 0 },
    { name: 'an org’s page', kind: 'page' as const, orgId: leaf.id, children: 0 },
  ];
  const href = (t: (typeof targets)[number]) =>
    `${api.url}/#/c/${encodeURIComponent(campaignId)}/o/${encodeURIComponent(t.orgId)}${t.kind === 'page' ? '/page' : ''}`;

  const measure = async (page: Page, go: () => Promise<unknown>): Promise<Visit> => {
    await go();
    // Run in the page; this file is compiled without the DOM's types, hence `globalThis` as the window.
    await page.waitForFunction(() => (globalThis as { __meaningful?: number }).__meaningful !== undefined, undefined, { timeout: 60_000 });
    return page.evaluate(() => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const g = globalThis as any;
      const fcp = g.performance.getEntriesByName('first-contentful-paint')[0];
      const read = g.performance.getEntriesByType('resource').find((e: { name: string }) => /\/overview\?/.test(e.name));
      return {
        meaningfulMs: g.__meaningful as number,
        fcpMs: fcp ? (fcp.startTime as number) : null,
        overviewBytes: read ? (read.encodedBodySize as number) : null,
        overviewMs: read ? (read.duration as number) : null,
      };
    });
  };

  const results: Record<string, unknown>[] = [];
  for (const target of targets) {
    const cold: Visit[] = [];
    const warm: Visit[] = [];
    for (let i = 0; i < args.visits; i++) {
      const context = await browser.context();
      // The first meaningful content: noted in the animation frame after it is inserted.
      await context.addInitScript({
        content: `(() => {
          const seen = () => {
            if (!document.querySelector(${JSON.stringify(SELECTOR[target.kind])})) return;
            observer.disconnect();
            requestAnimationFrame(() => { window.__meaningful = performance.now(); });
          };
          const observer = new MutationObserver(seen);
          observer.observe(document, { childList: true, subtree: true });
        })();`,
      });
      const signedIn = await context.request.post(`${api.url}/session`, { data: { token: api.token } });
      if (signedIn.status() !== 201) throw new Error(`signing in answered ${signedIn.status()}`);
      const page = await context.newPage();
      cold.push(await measure(page, () => page.goto(href(target))));
      warm.push(await measure(page, () => page.reload()));
      await context.close();
    }
    const figures = {
      name: target.name,
      orgId: target.orgId,
      children: target.children,
      coldMeaningfulMs: summarise(cold.map((v) => v.meaningfulMs)),
      warmMeaningfulMs: summarise(warm.map((v) => v.meaningfulMs)),
      coldFirstContentfulPaintMs: summarise(cold.flatMap((v) => (v.fcpMs === null ? [] : [v.fcpMs]))),
      overviewReadBytes: cold[0]?.overviewBytes ?? null,
      overviewReadMs: summarise(cold.flatMap((v) => (v.overviewMs === null ? [] : [v.overviewMs]))),
    };
    say(
      `console: ${target.name} (${target.orgId}, ${target.children} children): cold p50 ${figures.coldMeaningfulMs.p50} ms (max ${figures.coldMeaningfulMs.max}), warm p50 ${figures.warmMeaningfulMs.p50} ms`,
    );
    results.push(figures);
  }
  await browser.close();
  await api.stop();
  return { figures: { seconds: round1((Date.now() - t0) / 1000), seedSeconds: round1(seedSeconds), visits: args.visits, pages: results }, charts: [] };
}
