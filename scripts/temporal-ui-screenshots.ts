/**
 * `npm run screenshots:temporal-ui`: what an operator sees of a campaign in the Temporal UI, for
 * the README. It starts the whole system with its demo campaign as `npm start` does, in a data
 * folder of its own (`.data/temporal-ui-screenshots`, free ports; scripts/lib/demo-system.ts),
 * dresses the demo like `npm run screenshots` (an overdue item in tj-d1) and adds one public
 * message no org is routed to; then
 * - prints each list query of `operatorQueries` (domain/temporal-ui-links.ts) with the number of
 *   workflows it matches (or the server's refusal) and its link for the README (on
 *   http://localhost:8233, `npm start`'s UI);
 * - drives Debian's Chromium (scripts/lib/chromium.ts) to a district's workflow page, its "User
 *   Metadata" tab (summary, details and the links up and down), and writes
 *   `docs/screenshots/temporal-ui-org.png`, then follows its children link and writes
 *   `docs/screenshots/temporal-ui-children.png`; and stops what it started.
 *
 * @example
 * npm run screenshots:temporal-ui
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Page } from 'playwright-core';
import { operatorQueries, workflowListPath, workflowPagePath } from '../domain/temporal-ui-links.js';
import { orgWorkflowId } from '../domain/workflow-ids.js';
import { startBrowser } from './lib/chromium.js';
import { CAMPAIGN, scenery, startSystem } from './lib/demo-system.js';

const OUT = path.resolve('docs/screenshots');
/** The district photographed: the demo's scenery gives it an overdue item. */
const ORG = 'tj-d1';
/** Where `npm start` serves the UI by default: the README's links open there. */
const README_UI = 'http://localhost:8233';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function shoot(page: Page, name: string): Promise<void> {
  const file = path.join(OUT, name);
  await page.screenshot({ path: file });
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

/** Opens the page's "User Metadata" tab and waits until the current details (with their links) are rendered. */
async function showMetadata(page: Page): Promise<void> {
  await page.getByText('User Metadata', { exact: true }).click();
  for (let i = 0; i < 60; i++) {
    for (const frame of page.frames()) if ((await frame.getByRole('link', { name: /children of/ }).count()) > 0) return;
    await sleep(500);
  }
  throw new Error(`no children link in the details of ${page.url()}`);
}

await mkdir(OUT, { recursive: true });
const system = await startSystem('temporal-ui-screenshots');
const connection = await Connection.connect({ address: system.temporalAddress });
const client = new Client({ connection, namespace: 'default' });
const browser = startBrowser();
try {
  const { url, token } = system;
  await scenery(url, token);
  // A citizen's message in an area no routing rule names: it waits for the office's triage.
  const sent = await fetch(`${url}/campaigns/${CAMPAIGN}/public-messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ category: '其他', area: '未注明区域', text: '小区门口路灯坏了一个月，不知道该找哪里。' }),
  });
  console.log(`public message: ${sent.status}`);
  await sleep(3000);

  console.log('\nList queries on the demo campaign (count: workflows matched now):\n');
  for (const { name, query } of operatorQueries(CAMPAIGN)) {
    const counted = await client.workflowService.countWorkflowExecutions({ namespace: 'default', query }).then(
      ({ count }) => String(Number(count)),
      (error: unknown) => `not answered: ${(error as Error).message}`,
    );
    console.log(`- ${name}: ${counted}\n  [\`${query}\`](${README_UI}${workflowListPath('default', query)})`);
  }
  console.log('');

  const page = await (await browser.context({ width: 1366, height: 900 })).newPage();
  await page.goto(`${system.uiUrl}${workflowPagePath('default', orgWorkflowId(CAMPAIGN, ORG))}`);
  await showMetadata(page);
  await sleep(1000);
  await shoot(page, 'temporal-ui-org.png');

  const frame = page.frames().find((f) => f.url().includes('children%20of'));
  if (!frame) throw new Error('no details frame with the children link');
  const [list] = await Promise.all([page.context().waitForEvent('page'), frame.getByRole('link', { name: /children of/ }).click()]);
  await list.getByRole('link', { name: orgWorkflowId(CAMPAIGN, `${ORG}-u1`), exact: true }).waitFor();
  await sleep(1000);
  await shoot(list, 'temporal-ui-children.png');
} finally {
  await browser.close();
  await connection.close();
  const exited = new Promise((r) => system.child.once('exit', r));
  system.child.kill('SIGINT');
  await exited;
}
