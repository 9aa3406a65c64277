/**
 * Faults, for real: the worker process is killed with SIGKILL in the middle of a
 * cascade, and again in the middle of a storm of escalations, and started again each time. Everything completes; every stream's events are stored
 * once each, in order, with no gap; the read models equal a rebuild from the events.
 *
 * The worker here is `worker/main.ts` in a child process (the one docker-compose runs),
 * not the in-process test worker, so the kill takes down its workflows, activities and
 * database connections at once.
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { orgHandle, startCampaign } from '../../client/campaigns.js';
import { randomTree } from '../../domain/generate-tree.js';
import { orgStatusQuery } from '../../workflows/messages.js';
import { testSpec } from '../support/campaign.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { countEvents, expectReadModelsEqualRebuild, expectStreamsIntact, killAllPrograms, killHard, sleep, startProgram } from '../support/faults.js';
import { seedOrgs } from '../support/orgs.js';
import { expectEscalationsDeliveredOnce, raiseEscalations } from '../support/storm.js';

const ORGS = randomTree(300, 11, 'tj');
const taskQueue = `faults-${randomBytes(4).toString('hex')}`;
let db: TestDatabase;
let client: Client;
let connection: Connection;

const workers: ReturnType<typeof startProgram>[] = [];
const startWorkerProcess = () => {
  const worker = startProgram('worker/main.ts', { TASK_QUEUE: taskQueue, DATABASE_URL: db.url!, TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS! });
  workers.push(worker);
  return worker;
};

beforeAll(async () => {
  db = await freshDatabase();
  if (!db.url) throw new Error('the fault tests need a PostgreSQL server (the global setup starts one)');
  await seedOrgs(db.kysely, ORGS);
  connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  client = new Client({ connection, namespace: 'default' });
});

afterAll(async () => {
  await killAllPrograms();
  await connection?.close();
  await db?.close();
});

test('a worker killed mid-cascade and started again loses nothing and stores nothing twice', { timeout: 600_000 }, async () => {
  const first = startWorkerProcess();
  const spec = testSpec({ rules: { autoMobiliseLevels: ['city', 'district', 'unit', 'branch'], progressReportSeconds: 1 } });
  await startCampaign(client, taskQueue, spec);
  const root = orgHandle(client, spec.id, 'tj');
  const startedBefore = () => countEvents(db.kysely, 'OrgStarted');
  // Kill it once a part of the tree has started, and before all of it has.
  const atKill = await vi.waitFor(
    async () => {
      const value = await startedBefore();
      expect(value, 'a tenth of the orgs started').toSatisfy((n: typeof value) => n >= ORGS.length / 10);
      return value;
    },
    { timeout: 180_000, interval: 200 },
  );
  expect(atKill).toBeLessThan(ORGS.length);
  expect(await killHard(first)).toBe('SIGKILL');
  // Nothing moves while no worker runs: the kill really stopped the only one.
  const stalled = await startedBefore();
  await sleep(3000);
  expect(await startedBefore()).toBe(stalled);

  startWorkerProcess();
  const done = await vi.waitFor(
    async () => {
      const value = await root.query(orgStatusQuery);
      expect(value, 'every org mobilised and counted at the root').toSatisfy((s: typeof value) => s.subtree.mobilised === ORGS.length);
      return value;
    },
    { timeout: 300_000, interval: 200 },
  );
  expect(done.subtree.orgs).toBe(ORGS.length);
  // The root counts an org from its report, which leaves beside the recording of the org's
  // events, not after it (workflows/org-node.ts, reportToParent): on a loaded machine the last
  // recordings can still be queued. Failed once without this wait, beside a tianjin bench: 299 of 301 streams.
  await expect
    .poll(() => countEvents(db.kysely, 'OrgMobilised'), { timeout: 120_000, message: 'every OrgMobilised stored' })
    .toSatisfy((n) => n === ORGS.length);

  // Every stream holds each of its events once, numbered 1..n without a gap.
  await expectStreamsIntact(db.kysely, ORGS.length + 1); // every org and the campaign
  const started = await startedBefore();
  expect(started).toBe(ORGS.length);

  await expectReadModelsEqualRebuild(db.kysely);
});

test('a worker killed mid-storm of escalations and started again delivers each once, and every origin hears back', { timeout: 900_000 }, async () => {
  // Runs on the campaign the first test mobilised.
  const [campaign] = await db.kysely.selectFrom('rm_campaigns').select('id').execute();
  const org = (id: string) => orgHandle(client, campaign!.id, id);
  const branches = ORGS.filter((o) => o.level === 'branch').map((o) => o.id);
  const storm = branches.map((b) => ({ branch: b, problemId: 'p0', targetOrgId: 'tj' }));
  const total = storm.length;
  expect(total).toBeGreaterThan(200);
  // Every branch records its problem and escalates it to the city, 50 branches at a time. An update cut
  // off by the kill is sent again under its id, which Temporal answers once: a caller's retry, not a second escalation.
  const raising = raiseEscalations(org, storm);
  const received = () => countEvents(db.kysely, 'EscalationReceived');
  const atKill = await vi.waitFor(
    async () => {
      const value = await received();
      expect(value, 'a fifth of the escalations received').toSatisfy((n: typeof value) => n >= total / 5);
      return value;
    },
    { timeout: 300_000, interval: 200 },
  );
  expect(await killHard(workers.at(-1)!)).toBe('SIGKILL');
  await sleep(3_000);
  const stalled = await received();
  console.log(`storm kill: ${total} escalations; ${atKill} received when the kill was ordered, ${stalled} stored 3 s after it`);
  expect(stalled).toBeLessThan(total);

  startWorkerProcess();
  const escalationIds = await raising;
  await expect
    .poll(() => org('tj').query(orgStatusQuery), { timeout: 300_000, message: 'every escalation received at the city' })
    .toSatisfy((s) => s.own.escalationsReceived === total);
  // Received once each, at the city, and every origin acknowledged.
  await expectEscalationsDeliveredOnce(
    db.kysely,
    escalationIds.map((escalationId) => ({ escalationId, targetOrgId: 'tj' })),
  );
  await expectStreamsIntact(db.kysely, ORGS.length + 1);
  await expectReadModelsEqualRebuild(db.kysely);
});
