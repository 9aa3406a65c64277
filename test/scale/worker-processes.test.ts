/**
 * Four worker processes on one task queue, as `docker compose up --scale worker=4` runs them,
 * through an escalation storm: every branch escalates one problem to the city and another to
 * its district, all at once, so the deliveries of four processes (each keeping up to 4 updates
 * in flight to one target) meet at the same few workflows. The server's limit on updates in
 * flight per workflow (config/temporal-server.ts, raised in every launcher) must admit them
 * all: nothing stalls, every escalation arrives exactly once, every origin hears back, and the
 * read models equal a rebuild from the events.
 *
 * The workers are `worker/main.ts` in child processes (test/support/faults.ts), not the
 * in-process test worker.
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { countPollers } from '../../bench/workers.js';
import { orgHandle, startCampaign } from '../../client/campaigns.js';
import { randomTree, type FlatOrg } from '../../domain/generate-tree.js';
import { orgStatusQuery } from '../../workflows/messages.js';
import { testSpec } from '../support/campaign.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { expectReadModelsEqualRebuild, expectStreamsIntact, killAllPrograms, startProgram } from '../support/faults.js';
import { seedOrgs } from '../support/orgs.js';
import { expectEscalationsDeliveredOnce, raiseEscalations, type StormEscalation } from '../support/storm.js';

const PROCESSES = 4;
const ORGS = randomTree(200, 18, 'tj');
const taskQueue = `scale-${randomBytes(4).toString('hex')}`;
let db: TestDatabase;
let client: Client;
let connection: Connection;
const workers: ReturnType<typeof startProgram>[] = [];

beforeAll(async () => {
  db = await freshDatabase();
  if (!db.url) throw new Error('the worker processes need a PostgreSQL server (the global setup starts one)');
  await seedOrgs(db.kysely, ORGS);
  connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  client = new Client({ connection, namespace: 'default' });
  for (let i = 0; i < PROCESSES; i++)
    workers.push(startProgram('worker/main.ts', { TASK_QUEUE: taskQueue, DATABASE_URL: db.url, TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS! }));
  // Every process polls before the first task, so the storm is spread over all four.
  await vi.waitFor(async () => expect(await countPollers(client, taskQueue)).toBe(PROCESSES), { timeout: 180_000, interval: 500 });
}, 240_000);

afterAll(async () => {
  await killAllPrograms();
  await connection?.close();
  await db?.close();
});

/** The district above an org. */
function districtOf(org: FlatOrg): string {
  const byId = new Map(ORGS.map((o) => [o.id, o]));
  let at = org;
  while (at.level !== 'district') at = byId.get(at.parentId!)!;
  return at.id;
}

test(
  '4 worker processes carry a storm to the city and the districts: each escalation arrives once, every origin hears back',
  { timeout: 600_000 },
  async () => {
    const spec = testSpec({ rules: { autoMobiliseLevels: ['city', 'district', 'unit', 'branch'], progressReportSeconds: 1 } });
    await startCampaign(client, taskQueue, spec);
    const org = (id: string) => orgHandle(client, spec.id, id);
    await expect
      .poll(() => org('tj').query(orgStatusQuery), { timeout: 240_000, interval: 500, message: 'every org mobilised and counted at the root' })
      .toSatisfy((s) => s.subtree.mobilised === ORGS.length);

    const branches = ORGS.filter((o) => o.level === 'branch');
    const storm: StormEscalation[] = branches.flatMap((b) => [
      { branch: b.id, problemId: 'p0', targetOrgId: 'tj' },
      { branch: b.id, problemId: 'p1', targetOrgId: districtOf(b) },
    ]);
    expect(storm.length).toBeGreaterThan(300);
    const stormStarted = Date.now();
    // All at once: one sender per escalation, so the deliveries pile up at the city and the districts.
    const ids = await raiseEscalations(org, storm, storm.length);
    const answered = Date.now();

    await expectEscalationsDeliveredOnce(
      db.kysely,
      ids.map((escalationId, i) => ({ escalationId, targetOrgId: storm[i]!.targetOrgId })),
    );
    console.log(
      `${PROCESSES} worker processes, ${ORGS.length} orgs: ${storm.length} escalations from ${branches.length} branches escalated in ${Math.round((answered - stormStarted) / 1000)} s, ` +
        `all received and acknowledged ${Math.round((Date.now() - stormStarted) / 1000)} s after the first`,
    );
    const toCity = storm.filter((s) => s.targetOrgId === 'tj').length;
    expect((await org('tj').query(orgStatusQuery)).own.escalationsReceived).toBe(toCity);
    // No process died on the way: the four carried it to the end.
    expect(workers.map((w) => w.exitCode ?? w.signalCode)).toEqual(Array.from({ length: PROCESSES }, () => null));
    await expectStreamsIntact(db.kysely, ORGS.length + 1);
    await expectReadModelsEqualRebuild(db.kysely);
  },
);
