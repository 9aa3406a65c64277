/**
 * Helpers for campaign tests: a spec with test-friendly defaults, a campaign started with
 * every level mobilised, and sending an org command the way the API does.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { expect, vi } from 'vitest';
import { orgHandle, startCampaign } from '../../client/campaigns.js';
import { CampaignSpec } from '../../domain/campaign.js';
import type { FlatOrg } from '../../domain/generate-tree.js';
import { figuresOf } from './figures.js';
import type { WorkflowFixture } from './fixture.js';
import {
  orgStatusQuery,
  planRectificationUpdate,
  startRectificationUpdate,
  submitRectificationUpdate,
  verifyRectificationUpdate,
} from '../../workflows/messages.js';

export function testSpec(over: Partial<Omit<CampaignSpec, 'rules'>> & { rules?: Partial<CampaignSpec['rules']> } = {}): CampaignSpec {
  return CampaignSpec.parse({
    id: `c-${Math.random().toString(36).slice(2, 8)}`,
    name: '不忘初心、牢记使命主题教育',
    batch: 2,
    rootOrgId: 'tj',
    phaseMode: 'integrated',
    startsOn: '2019-09-01',
    endsOn: '2099-12-31',
    ...over,
    rules: { progressReportSeconds: 1, ...over.rules },
  });
}

type SpecOverrides = Parameters<typeof testSpec>[0];

/**
 * Starts a campaign whose every level mobilises by itself (the cascade needs no meeting)
 * and waits until its root counts every org of the fixture's tree mobilised.
 *
 * @example
 * const f = useWorkflowFixture(() => generateTree('small'));
 * const { spec, org } = await startMobilisedCampaign(f, { rules: { warningDays: 1 } });
 */
export async function startMobilisedCampaign(f: WorkflowFixture, over: SpecOverrides = {}, { timeout = 60_000 } = {}) {
  const spec = testSpec({ ...over, rules: { autoMobiliseLevels: ['city', 'district', 'unit', 'branch'], ...over.rules } });
  await startCampaign(f.t.client, f.t.taskQueue, spec);
  const org = (id: string) => orgHandle(f.t.client, spec.id, id);
  const root = org(spec.rootOrgId);
  await vi.waitFor(async () => expect((await root.query(orgStatusQuery)).subtree.mobilised, 'orgs mobilised').toBe(f.orgs.length), { timeout, interval: 200 });
  return { spec, root, org };
}

/** Every org's descendants (itself included), for brute-force subtree sums. */
export function subtrees(orgs: readonly FlatOrg[]): Map<string, string[]> {
  const children = new Map<string, string[]>();
  for (const o of orgs) if (o.parentId) children.set(o.parentId, [...(children.get(o.parentId) ?? []), o.id]);
  const out = new Map<string, string[]>();
  const walk = (id: string): string[] => {
    const all = [id, ...(children.get(id) ?? []).flatMap(walk)];
    out.set(id, all);
    return all;
  };
  const root = orgs.find((o) => o.parentId === null)!;
  walk(root.id);
  return out;
}

export type { Client };
export { figuresOf };

/** Takes a found problem (or, with `planned`, an already planned one) through to an inspector's verification. */
export async function rectify(org: WorkflowHandle, problemId: string, { deadline = '2099-12-31', planned = false } = {}): Promise<void> {
  const by = 'secretary:test';
  if (!planned) await org.executeUpdate(planRectificationUpdate, { args: [{ problemId, owner: '责任人', measures: '整改措施', deadline, by }] });
  await org.executeUpdate(startRectificationUpdate, { args: [{ problemId, by }] });
  await org.executeUpdate(submitRectificationUpdate, { args: [{ problemId, evidence: '整改材料', by }] });
  await org.executeUpdate(verifyRectificationUpdate, {
    args: [{ problemId, decision: 'verified', by: 'inspector:test', verifierRole: 'inspector', verifierOrgId: 'tj' }],
  });
}
