/**
 * The determinism guard: histories recorded from representative runs (including a run
 * that continued as new) are replayed against today's workflow code. A change that
 * would break running workflows fails here. Re-record on purpose with
 * `npm run record-histories`.
 */
import { readdir, readFile } from 'node:fs/promises';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { expect, test } from 'vitest';
import { workflowBundle } from './support/temporal.js';

const DIR = new URL('./histories/', import.meta.url);

test('recorded histories replay without nondeterminism', { timeout: 120_000 }, async () => {
  const files = (await readdir(DIR)).filter((f) => f.endsWith('.json')).sort();
  // Each workflow's runs, oldest first; the root always has at least two (it continued as new).
  expect(files).toEqual(
    expect.arrayContaining([
      'campaign-1.json',
      'joint-1.json',
      'org-branch-1.json',
      'org-district-1.json',
      'org-root-1.json',
      'org-root-2.json',
      'public-routed-1.json',
      'public-triaged-1.json',
    ]),
  );
  const histories = await Promise.all(
    files.map(async (f) => ({ workflowId: f.replace(/\.json$/, ''), history: historyFromJSON(JSON.parse(await readFile(new URL(f, DIR), 'utf8'))) })),
  );
  const results = [];
  for await (const r of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) results.push(r);
  expect(results.map((r) => ({ id: r.workflowId, error: r.error?.message }))).toEqual(histories.map((h) => ({ id: h.workflowId, error: undefined })));
});
