/**
 * Whom an org the cascade has not reached waits for (`cascadeWaitsFor` in db/models/org-progress.ts),
 * read from the directory and the read models of a real PostgreSQL, built here by the
 * projections from the events the workflows would record. Every case the walk up decides:
 * an ancestor that has not mobilised, one that has (the cascade under way), a campaign
 * whose root has not started, and an org outside the campaign. The same answers through
 * the API on a running campaign are in test/cross-level/office-views.test.ts.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { cascadeWait } from '../../api/problem.js';
import { cascadeWaitsFor } from '../../db/models/org-progress.js';
import { applyEvent } from '../../db/projections.js';
import type { DomainEventBody } from '../../domain/events.js';
import { generateTree } from '../../domain/generate-tree.js';
import { testSpec } from '../support/campaign.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { seedOrgs } from '../support/orgs.js';

const tree = generateTree('small');
const org = (id: string) => tree.find((o) => o.id === id)!;
let db: TestDatabase;

beforeAll(async () => {
  db = await freshDatabase();
  await seedOrgs(db.kysely, tree);
});
afterAll(async () => {
  await db?.close();
});

let seq = 0;
async function record(campaignId: string, orgId: string | null, body: DomainEventBody) {
  seq += 1;
  const streamId = orgId ? `campaign/${campaignId}/org/${orgId}` : `campaign/${campaignId}`;
  const event = { ...body, id: `${streamId}:${seq}`, streamId, seq, campaignId, orgId, occurredAt: new Date().toISOString() };
  await db.kysely.transaction().execute((trx) => applyEvent(trx, event));
}
const started = async (campaignId: string, id: string) => {
  const o = org(id);
  const { path } = await db.kysely.selectFrom('orgs').select('path').where('id', '=', id).executeTakeFirstOrThrow();
  return record(campaignId, id, { type: 'OrgStarted', parentOrgId: o.parentId, level: o.level, name: o.name, path });
};
const mobilised = (campaignId: string, id: string) =>
  record(campaignId, id, { type: 'OrgMobilised', date: '2019-09-05', attendance: 30, auto: false, by: 'test' });

test('the nearest started ancestor: not mobilised, or mobilised with the cascade under way; the root not started; an org outside', async () => {
  const spec = testSpec({ rootOrgId: 'tj-d1' });
  const c = spec.id;
  expect(await cascadeWaitsFor(db.kysely, c, 'tj-d1-u1-b1')).toBeNull(); // no such campaign in the read models

  await record(c, null, { type: 'CampaignStarted', spec });
  // Nothing started yet: the campaign is starting at its root.
  const starting = await cascadeWaitsFor(db.kysely, c, 'tj-d1-u1-b1');
  expect(starting).toEqual({ kind: 'ancestor', orgId: 'tj-d1', name: org('tj-d1').name, level: 'district', mobilised: false, relation: 'root' });
  expect(cascadeWait('tj-d1-u1-b1', starting as never).detail).toBe(
    `org tj-d1-u1-b1 is not reached by the cascade yet: the campaign is starting at the campaign’s root tj-d1 (${org('tj-d1').name}); try again in a moment`,
  );

  await started(c, 'tj-d1');
  expect(await cascadeWaitsFor(db.kysely, c, 'tj-d1-u1-b1')).toMatchObject({ orgId: 'tj-d1', mobilised: false, relation: 'ancestor' });
  expect(await cascadeWaitsFor(db.kysely, c, 'tj-d1-u1')).toMatchObject({ orgId: 'tj-d1', mobilised: false, relation: 'parent' });

  // Mobilised, its units not yet started: the cascade is under way below it.
  await mobilised(c, 'tj-d1');
  const underWay = await cascadeWaitsFor(db.kysely, c, 'tj-d1-u1-b1');
  expect(underWay).toMatchObject({ orgId: 'tj-d1', mobilised: true, relation: 'ancestor' });
  expect(cascadeWait('tj-d1-u1-b1', underWay as never)).toEqual({
    detail: `org tj-d1-u1-b1 is not reached by the cascade yet: its ancestor tj-d1 (${org('tj-d1').name}) has mobilised and the cascade is starting the orgs below it; try again in a moment`,
    waitingFor: { orgId: 'tj-d1', name: org('tj-d1').name, level: 'district', mobilised: true },
  });

  await started(c, 'tj-d1-u1');
  expect(await cascadeWaitsFor(db.kysely, c, 'tj-d1-u1-b1')).toMatchObject({ orgId: 'tj-d1-u1', mobilised: false, relation: 'parent' });

  // The campaign covers tj-d1: an org of another district is never reached, and is told so.
  expect(await cascadeWaitsFor(db.kysely, c, 'tj-d2-u1-b1')).toEqual({ kind: 'outside', rootOrgId: 'tj-d1' });
  expect(await cascadeWaitsFor(db.kysely, c, 'tj')).toEqual({ kind: 'outside', rootOrgId: 'tj-d1' });
});
