/**
 * The org workflows' search attributes (what the operator filters on in the Temporal UI:
 * CampaignPhase, OpenProblems, OverdueItems) are upserted only when one of them changes: every
 * upsert in every history changes a value the workflow showed before. Before, each pass of the
 * org's loop upserted all three, 2.3 times per org in a district cascade (BENCHMARKS.md, "Search
 * attributes only when they change"), each an event and a write to the visibility store.
 *
 * On the real Temporal server and PostgreSQL: a small campaign mobilised, a problem recorded and
 * closed at a branch (OpenProblems 0 → 1 → 0 there), then every org's history read.
 */
import { randomBytes } from 'node:crypto';
import { expect, test } from 'vitest';
import { generateTree } from '../../domain/generate-tree.js';
import { orgStatusQuery } from '../../workflows/messages.js';
import { orgCommands } from '../../workflows/org-node-messages.js';
import { rectify, startMobilisedCampaign } from '../support/campaign.js';
import { useWorkflowFixture } from '../support/fixture.js';

const f = useWorkflowFixture(() => generateTree('small'));

test('every search-attribute upsert changes a value; a problem opened and closed shows in OpenProblems', { timeout: 180_000 }, async () => {
  const { org } = await startMobilisedCampaign(f);
  const branch = org(f.orgs.find((o) => o.level === 'branch')!.id);
  const problemId = `sa-${randomBytes(3).toString('hex')}`;
  await branch.executeUpdate(orgCommands.recordProblem.update, {
    args: [{ problemId, source: 'self_inspection', category: '形式主义', description: '台账重复填报', by: 'test' }],
  });
  await expect.poll(async () => (await branch.describe()).searchAttributes.OpenProblems, { timeout: 30_000 }).toEqual([1]);
  await rectify(branch, problemId);
  await expect.poll(async () => (await branch.query(orgStatusQuery)).own.problemsClosed, { timeout: 30_000 }).toBe(1);
  await expect.poll(async () => (await branch.describe()).searchAttributes.OpenProblems, { timeout: 30_000 }).toEqual([0]);

  let upserts = 0;
  for (const o of f.orgs) {
    const { events } = await org(o.id).fetchHistory();
    const shown = new Map<string, string>();
    for (const e of events ?? []) {
      const fields = (e.workflowExecutionStartedEventAttributes ?? e.upsertWorkflowSearchAttributesEventAttributes)?.searchAttributes?.indexedFields ?? {};
      const values = Object.entries(fields).map(([key, p]) => [key, Buffer.from(p.data ?? []).toString()] as const);
      if (e.upsertWorkflowSearchAttributesEventAttributes) {
        upserts += 1;
        const changes = values.filter(([key, value]) => shown.get(key) !== value).map(([key]) => key);
        expect(changes, `${o.id} event ${String(e.eventId)}: an upsert that changes nothing`).not.toEqual([]);
      }
      for (const [key, value] of values) shown.set(key, value);
    }
  }
  // At least the mobilisation of each org (its phase) and the branch's problem.
  expect(upserts).toBeGreaterThanOrEqual(f.orgs.length + 2);
});
