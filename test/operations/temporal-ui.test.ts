/**
 * The tree in the Temporal UI: a small campaign cascades; every org's current details (what the
 * workflow answers to the built-in `__temporal_workflow_metadata` query, which the UI shows) link
 * up to its parent's workflow and down to the list query of its children, and that query, run
 * through the client, lists exactly those children. Then a real browser walks the real UI from
 * the city down to a branch and back up by clicking those links, never typing an id.
 *
 * This file runs a Temporal dev server of its own with the UI on (the suite's shared server is
 * headless), and its own worker on it.
 */
import { Client, Connection } from '@temporalio/client';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { startCampaign } from '../../client/campaigns.js';
import { generateTree } from '../../domain/generate-tree.js';
import { campaignLinks, childOrgsQuery, orgLinks, workflowLink, workflowListPath, workflowPagePath } from '../../domain/temporal-ui-links.js';
import { campaignWorkflowId, orgWorkflowId } from '../../domain/workflow-ids.js';
import { startBrowser, type Browser } from '../../scripts/lib/chromium.js';
import { startTemporalServer, type RunningTemporalServer } from '../../scripts/temporal-server.js';
import { testSpec } from '../support/campaign.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { seedOrgs } from '../support/orgs.js';
import { startTestWorker, type TestTemporal } from '../support/temporal.js';

const ORGS = generateTree('small');
const spec = testSpec({ rules: { autoMobiliseLevels: ['city', 'district', 'unit', 'branch'] } });
const childrenOf = (id: string) => ORGS.filter((o) => o.parentId === id).map((o) => o.id);
const orgId = (level: string, under: string | null) => ORGS.find((o) => o.level === level && o.parentId === under)!.id;

let temporal: RunningTemporalServer;
let db: TestDatabase;
let t: TestTemporal;
let client: Client;
let connection: Connection;
let browser: Browser | undefined;

beforeAll(async () => {
  temporal = await startTemporalServer({
    logLevel: 'warn',
    dynamicConfig: { 'matching.numTaskqueueReadPartitions': 1, 'matching.numTaskqueueWritePartitions': 1 },
  });
  db = await freshDatabase();
  await seedOrgs(db.kysely, ORGS);
  t = await startTestWorker(db.kysely, { address: temporal.address });
  connection = await Connection.connect({ address: temporal.address });
  client = new Client({ connection, namespace: 'default' });
  await startCampaign(client, t.taskQueue, spec);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t?.stop();
  await connection?.close().catch(() => undefined);
  await db?.close();
  await temporal?.stop();
}, 60_000);

/** What the UI shows as a workflow's current details. */
async function currentDetails(workflowId: string): Promise<string> {
  const metadata = await client.workflow.getHandle(workflowId).query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return metadata.currentDetails ?? '';
}

describe('the tree in the Temporal UI', () => {
  test("every org's details link to its parent and its children; the children's query lists exactly them", { timeout: 180_000 }, async () => {
    // Every org started, and its details set (they are set once its first task has run).
    for (const org of ORGS) {
      await vi.waitFor(async () => expect(await currentDetails(orgWorkflowId(spec.id, org.id))).toContain('Up: '), { timeout: 90_000, interval: 500 });
    }
    expect(await currentDetails(campaignWorkflowId(spec.id))).toContain(
      campaignLinks({ namespace: 'default', rootOrgWorkflowId: orgWorkflowId(spec.id, spec.rootOrgId) }),
    );
    for (const org of ORGS) {
      const parentWorkflowId = org.parentId ? orgWorkflowId(spec.id, org.parentId) : campaignWorkflowId(spec.id);
      const children = childrenOf(org.id);
      const details = await currentDetails(orgWorkflowId(spec.id, org.id));
      expect(details, org.id).toContain(orgLinks({ namespace: 'default', campaignId: spec.id, orgId: org.id, parentWorkflowId, childCount: children.length }));
      expect(details, org.id).toContain(`](${workflowPagePath('default', parentWorkflowId)})`);
      // The first run's static details (set by the fan-out) link to the parent as well.
      const described = await client.workflow.getHandle(orgWorkflowId(spec.id, org.id)).describe();
      expect(await described.staticDetails(), org.id).toContain(`Reports progress to ${workflowLink('default', parentWorkflowId)}.`);
      if (children.length === 0) continue;
      expect(details, org.id).toContain(`](${workflowListPath('default', childOrgsQuery(spec.id, org.id))})`);
      // Search attributes reach the visibility store a moment after the start.
      await vi.waitFor(
        async () => {
          const listed: string[] = [];
          for await (const w of client.workflow.list({ query: childOrgsQuery(spec.id, org.id) })) listed.push(w.workflowId);
          expect(listed.sort(), org.id).toEqual(children.map((c) => orgWorkflowId(spec.id, c)).sort());
        },
        { timeout: 30_000, interval: 500 },
      );
    }
  });

  test('an operator walks city → district → unit → branch and back up by clicking in the real UI', { timeout: 240_000 }, async () => {
    const uiUrl = temporal.uiUrl!;
    const city = spec.rootOrgId;
    const district = orgId('district', city);
    const unit = orgId('unit', district);
    const branch = orgId('branch', unit);
    browser = startBrowser();
    const context = await browser.context({ width: 1400, height: 1000 });
    context.setDefaultTimeout(30_000);

    let page = await context.newPage();
    await page.goto(`${uiUrl}${workflowPagePath('default', orgWorkflowId(spec.id, city))}`);
    await expectWorkflowPage(page, city);
    // Down: the children link opens the list; the child's id in it opens the child.
    for (const [from, to] of [
      [city, district],
      [district, unit],
      [unit, branch],
    ] as const) {
      const list = await follow(context, page, new RegExp(`children of ${from}`));
      await expect.poll(() => new URL(list.url()).searchParams.get('query')).toBe(childOrgsQuery(spec.id, from));
      await list.getByRole('link', { name: orgWorkflowId(spec.id, to), exact: true }).click();
      await page.close();
      page = list;
      await expectWorkflowPage(page, to);
    }
    // Up: the parent link opens the parent.
    for (const [, to] of [
      [branch, unit],
      [unit, district],
      [district, city],
    ] as const) {
      const parent = await follow(context, page, new RegExp(`^org ${to}$`));
      await page.close();
      page = parent;
      await expectWorkflowPage(page, to);
    }
  });
});

/** The page shows this org's workflow: the heading names it, and the URL is its (latest run's). */
async function expectWorkflowPage(page: Page, org: string): Promise<void> {
  const workflowId = orgWorkflowId(spec.id, org);
  await expect.poll(() => page.url(), { timeout: 30_000 }).toContain(`/workflows/${encodeURIComponent(workflowId)}/`);
  await expect.poll(() => page.locator('[data-testid="workflow-id-heading"]').textContent(), { timeout: 30_000 }).toContain(workflowId);
}

/**
 * Clicks a link in the workflow's details (its "User Metadata" tab; the UI renders the markdown
 * in an iframe whose links open a new tab) and returns the new tab.
 */
async function follow(context: BrowserContext, page: Page, name: RegExp): Promise<Page> {
  await page.getByText('User Metadata', { exact: true }).click();
  // Summary, static details and current details each have an iframe: the link is in one of them.
  const link = await vi.waitFor(
    async () => {
      for (const frame of page.frames()) {
        const found = frame.getByRole('link', { name });
        if ((await found.count()) === 1) return found;
      }
      throw new Error(`no link ${String(name)} in the details of ${page.url()}`);
    },
    { timeout: 30_000, interval: 250 },
  );
  const [opened] = await Promise.all([context.waitForEvent('page'), link.click()]);
  await opened.waitForLoadState();
  return opened;
}
