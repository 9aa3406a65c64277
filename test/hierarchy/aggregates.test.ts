/**
 * Aggregated progress up: after random work at every org of a random tree of a few
 * hundred nodes, every org's subtree figures (in its workflow and in the read model)
 * equal a brute-force count over its subtree of what the test itself sent.
 */
import { expect, test, vi } from 'vitest';
import { orgHandle } from '../../client/campaigns.js';
import { rebuildProjections } from '../../db/event-store.js';
import { sumFigures, zeroFigures, type Figures } from '../../domain/figures.js';
import { prng, randomTree } from '../../domain/generate-tree.js';
import {
  concludeReviewUpdate,
  orgStatusQuery,
  proposeTopicUpdate,
  recordProblemUpdate,
  recordStudySessionUpdate,
  submitReportUpdate,
} from '../../workflows/messages.js';
import { figuresOf, rectify, startMobilisedCampaign, subtrees } from '../support/campaign.js';
import { readModels, settledReadModels } from '../support/read-models.js';
import { useWorkflowFixture } from '../support/fixture.js';

const orgs = randomTree(250, 42, 'tj');
const f = useWorkflowFixture(() => orgs);

test('every org’s subtree figures equal a brute-force count over its subtree', { timeout: 600_000 }, async () => {
  const minStudyDays = 2;
  const { spec } = await startMobilisedCampaign(f, { rules: { minStudyDays, topicsMustBeVetted: false } }, { timeout: 120_000 });

  // Random work per org; the test keeps its own count of what each org should show.
  const rnd = prng(7);
  const expectedOwn = new Map<string, Figures>();
  const by = 'test';
  await inParallel(orgs, 16, async (org) => {
    const h = orgHandle(f.t.client, spec.id, org.id);
    const own = { ...zeroFigures(), orgs: 1, mobilised: 1 };
    const days = Math.floor(rnd() * (minStudyDays + 2));
    for (let d = 0; d < days; d++) {
      await h.executeUpdate(recordStudySessionUpdate, {
        args: [{ sessionId: `s${d}`, date: `2019-09-${String(10 + d).padStart(2, '0')}`, kind: 'concentrated', hours: 3, attendance: 20, by }],
      });
    }
    own.studyDays = days;
    own.studyDone = days >= minStudyDays ? 1 : 0;
    const topics = Math.floor(rnd() * 3);
    let reportsForAll = topics > 0;
    for (let i = 0; i < topics; i++) {
      await h.executeUpdate(proposeTopicUpdate, { args: [{ topicId: `t${i}`, leader: `领导${i}`, title: `课题${org.id}${i}${'甲乙丙'[i]}`, by }] });
      if (rnd() < 0.7) {
        const measures = Math.floor(rnd() * 4);
        await h.executeUpdate(submitReportUpdate, { args: [{ reportId: `r${i}`, topicId: `t${i}`, title: '报告', policyMeasures: measures, by }] });
        own.reports += 1;
        own.measures += measures;
      } else reportsForAll = false;
    }
    own.topics = topics;
    own.topicsApproved = topics;
    own.researchDone = reportsForAll ? 1 : 0;
    const problems = Math.floor(rnd() * 3);
    for (let i = 0; i < problems; i++) {
      await h.executeUpdate(recordProblemUpdate, { args: [{ problemId: `p${i}`, source: 'self_inspection', category: '作风', description: `问题${i}`, by }] });
    }
    own.problems = problems;
    const concluded = rnd() < 0.6;
    if (concluded) await h.executeUpdate(concludeReviewUpdate, { args: [{ by }] });
    own.reviewDone = concluded ? 1 : 0;
    let closed = 0;
    for (let i = 0; i < problems; i++) {
      if (rnd() < 0.5) {
        await rectify(h, `p${i}`);
        closed++;
      }
    }
    own.problemsClosed = closed;
    const rectified = concluded && closed === problems;
    own.complete = own.studyDone && own.researchDone && own.reviewDone && rectified ? 1 : 0; // own part; children below
    expectedOwn.set(org.id, own);
  });

  // An org is complete only with all its children complete: fix `complete` bottom-up.
  const kids = new Map<string, string[]>();
  for (const o of orgs) if (o.parentId) kids.set(o.parentId, [...(kids.get(o.parentId) ?? []), o.id]);
  const completeOf = (id: string): boolean => expectedOwn.get(id)!.complete === 1 && (kids.get(id) ?? []).every(completeOf);
  for (const o of orgs) expectedOwn.get(o.id)!.complete = completeOf(o.id) ? 1 : 0;
  const sub = subtrees(orgs);
  const expected = new Map(orgs.map((o) => [o.id, sumFigures(sub.get(o.id)!.map((id) => expectedOwn.get(id)!))]));

  const root = await vi.waitFor(
    async () => {
      const value = await orgHandle(f.t.client, spec.id, 'tj').query(orgStatusQuery);
      expect(value, `root figures ${JSON.stringify(expected.get('tj'))}`).toSatisfy(
        (s: typeof value) => JSON.stringify(figuresOf(s.subtree)) === JSON.stringify(expected.get('tj')),
      );
      return value;
    },
    { timeout: 120_000, interval: 200 },
  );
  expect(figuresOf(root.subtree)).toEqual(expected.get('tj'));

  const rows = await vi.waitFor(
    async () => {
      const value = await f.db.kysely.selectFrom('rm_org_progress').select(['org_id', 'subtree', 'own']).where('campaign_id', '=', spec.id).execute();
      expect(value, 'read model at every org').toSatisfy(
        (rs: typeof value) => rs.length === orgs.length && rs.every((r) => JSON.stringify(figuresOf(r.subtree)) === JSON.stringify(expected.get(r.org_id))),
      );
      return value;
    },
    { timeout: 60_000, interval: 200 },
  );
  for (const r of rows) {
    expect(figuresOf(r.subtree), r.org_id).toEqual(expected.get(r.org_id));
    expect(figuresOf(r.own), r.org_id).toEqual({ ...expectedOwn.get(r.org_id)!, complete: figuresOf(r.own).complete });
  }
  for (const o of orgs.filter((_, i) => i % 25 === 0)) {
    expect(figuresOf((await orgHandle(f.t.client, spec.id, o.id).query(orgStatusQuery)).subtree), o.id).toEqual(expected.get(o.id));
  }

  const live = await settledReadModels(f.db.kysely);
  await rebuildProjections(f.db.kysely);
  expect(await readModels(f.db.kysely)).toEqual(live);
});

async function inParallel<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}
