/**
 * 上题下答 on a real Temporal server: a directive from the city to every branch is
 * relayed level by level (branches started after it inherit it), puts an item in each
 * targeted ledger, comes back up as coverage by level, lists the lagging orgs, and
 * when cancelled is cancelled everywhere below.
 */
import { expect, test, vi } from 'vitest';
import { orgHandle, startCampaign } from '../../client/campaigns.js';
import { rebuildProjections } from '../../db/event-store.js';
import { directiveItemId } from '../../domain/directive.js';
import { generateTree } from '../../domain/generate-tree.js';
import { cancelDirectiveUpdate, issueDirectiveUpdate, mobiliseUpdate, orgStatusQuery } from '../../workflows/messages.js';
import { rectify, testSpec } from '../support/campaign.js';
import { useWorkflowFixture } from '../support/fixture.js';
import { readModels, settledReadModels } from '../support/read-models.js';

const f = useWorkflowFixture(() => generateTree('small'));
const by = 'organiser:tj';

test('a directive reaches every branch, coverage comes back up by level, cancellation reaches everyone', { timeout: 240_000 }, async () => {
  // Units and branches auto-mobilise; district tj-d3 mobilises only after the directive, so its branches inherit it.
  const spec = testSpec({ rules: { autoMobiliseLevels: ['city', 'unit', 'branch'] } });
  await startCampaign(f.t.client, f.t.taskQueue, spec);
  const org = (id: string) => orgHandle(f.t.client, spec.id, id);
  for (const d of ['tj-d1', 'tj-d2']) {
    await expect
      .poll(
        () =>
          org(d)
            .executeUpdate(mobiliseUpdate, { args: [{ date: '2019-09-06', attendance: 50, by }] })
            .then(
              () => true,
              () => false,
            ),
        { timeout: 20_000, message: `${d} mobilised` },
      )
      .toBeTruthy();
  }
  await expect
    .poll(() => org('tj').query(orgStatusQuery), { timeout: 60_000, message: 'two districts cascaded' })
    .toSatisfy((s) => s.subtree.mobilised === 1 + 3 - 1 + 6 + 18);

  await org('tj').executeUpdate(issueDirectiveUpdate, {
    args: [
      {
        directiveId: 'jianfu-2019',
        title: '清理规范督查检查考核',
        instructions: '本周内自查上报的表格并停用重复报表',
        deadline: '2099-12-31',
        targetLevels: ['branch'],
        by,
      },
    ],
  });
  await org('tj-d3').executeUpdate(mobiliseUpdate, { args: [{ date: '2019-09-07', attendance: 40, by }] });

  const coverage = async () =>
    ((await f.db.kysely.selectFrom('rm_org_progress').select('directives').where('campaign_id', '=', spec.id).where('org_id', '=', 'tj').executeTakeFirst())
      ?.directives ?? {}) as Record<string, { targeted: number; done: number; overdue: number; byLevel: Record<string, { targeted: number }> }>;
  const full = await vi.waitFor(
    async () => {
      const value = await coverage();
      expect(value, 'all 27 branches targeted').toSatisfy((c: typeof value) => c['jianfu-2019']?.targeted === 27);
      return value;
    },
    { timeout: 60_000, interval: 200 },
  );
  expect(full['jianfu-2019']).toMatchObject({ targeted: 27, done: 0, overdue: 0, byLevel: { branch: { targeted: 27, done: 0, overdue: 0 } } });
  const items = await f.db.kysely
    .selectFrom('rm_problems')
    .select(['org_id', 'status', 'source'])
    .where('campaign_id', '=', spec.id)
    .where('directive_id', '=', 'jianfu-2019')
    .execute();
  expect(items).toHaveLength(27);
  expect(items.every((i) => i.status === 'planned' && i.source === 'directive' && i.org_id.includes('-b'))).toBe(true);

  for (const b of ['tj-d1-u1-b1', 'tj-d3-u3-b3']) await rectify(org(b), directiveItemId('jianfu-2019'), { planned: true });
  await expect.poll(coverage, { timeout: 60_000, message: 'two done' }).toSatisfy((c) => c['jianfu-2019']?.done === 2);
  const lagging = await f.db.kysely
    .selectFrom('rm_problems')
    .select('org_id')
    .where('campaign_id', '=', spec.id)
    .where('directive_id', '=', 'jianfu-2019')
    .where('status', '!=', 'closed')
    .execute();
  expect(lagging).toHaveLength(25);

  await org('tj').executeUpdate(cancelDirectiveUpdate, { args: [{ directiveId: 'jianfu-2019', by }] });
  await expect
    .poll(
      () =>
        f.db.kysely
          .selectFrom('rm_problems')
          .select('status')
          .where('campaign_id', '=', spec.id)
          .where('directive_id', '=', 'jianfu-2019')
          .where('status', '=', 'cancelled')
          .execute(),
      { timeout: 60_000, message: 'cancelled below' },
    )
    .toSatisfy((rows) => rows.length === 25);
  await expect.poll(coverage, { timeout: 60_000, message: 'no coverage for a cancelled directive' }).toSatisfy((c) => c['jianfu-2019'] === undefined);
  const branch = await org('tj-d2-u2-b2').query(orgStatusQuery);
  expect(branch.own.problems).toBe(0);

  const live = await settledReadModels(f.db.kysely);
  await rebuildProjections(f.db.kysely);
  expect(await readModels(f.db.kysely)).toEqual(live);
});
