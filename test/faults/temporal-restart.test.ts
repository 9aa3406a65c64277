/**
 * Faults, for real: the Temporal dev server (SQLite persistence) is stopped in the
 * middle of a cascade and started again on the same file and port. The worker process
 * and the client keep their connections and reconnect by themselves; everything
 * completes; every stream's events are stored once each, in order; the read models equal
 * a rebuild.
 *
 * This file runs a Temporal server of its own (the suite's shared one must stay up for
 * the other files); the worker is `worker/main.ts` in a child process.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { orgHandle, startCampaign } from '../../client/campaigns.js';
import { randomTree } from '../../domain/generate-tree.js';
import { orgStatusQuery } from '../../workflows/messages.js';
import { startTemporalServer, type RunningTemporalServer } from '../../scripts/temporal-server.js';
import { testSpec } from '../support/campaign.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { countEvents, expectReadModelsEqualRebuild, expectStreamsIntact, killAllPrograms, sleep, startProgram } from '../support/faults.js';
import { seedOrgs } from '../support/orgs.js';

const ORGS = randomTree(300, 37, 'tj');
const taskQueue = `faults-temporal-${randomBytes(4).toString('hex')}`;
let dir: string;
let temporal: RunningTemporalServer;
let db: TestDatabase;
let client: Client;
let connection: Connection;

const startTemporal = (port?: number) =>
  startTemporalServer({
    port,
    uiPort: false,
    dbFile: path.join(dir, 'temporal.sqlite'),
    logLevel: 'warn',
    dynamicConfig: { 'matching.numTaskqueueReadPartitions': 1, 'matching.numTaskqueueWritePartitions': 1 },
  });

beforeAll(async () => {
  dir = await mkdtemp(path.resolve(process.env.DATA_DIR || '.data', 'test', 'temporal-faults-'));
  temporal = await startTemporal();
  db = await freshDatabase();
  if (!db.url) throw new Error('the fault tests need a PostgreSQL server (the global setup starts one)');
  await seedOrgs(db.kysely, ORGS);
  connection = await Connection.connect({ address: temporal.address });
  client = new Client({ connection, namespace: 'default' });
}, 120_000);

afterAll(async () => {
  await killAllPrograms();
  await connection?.close().catch(() => undefined);
  await temporal?.stop();
  await db?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

test('the Temporal server stopped mid-cascade and started again: nothing lost, nothing stored twice', { timeout: 600_000 }, async () => {
  const worker = startProgram('worker/main.ts', { TASK_QUEUE: taskQueue, DATABASE_URL: db.url!, TEMPORAL_ADDRESS: temporal.address });
  const spec = testSpec({ rules: { autoMobiliseLevels: ['city', 'district', 'unit', 'branch'], progressReportSeconds: 1 } });
  await startCampaign(client, taskQueue, spec);
  const root = orgHandle(client, spec.id, 'tj');
  const started = () => countEvents(db.kysely, 'OrgStarted');
  const atStop = await vi.waitFor(
    async () => {
      const value = await started();
      expect(value, 'a tenth of the orgs started').toSatisfy((n: typeof value) => n >= ORGS.length / 10);
      return value;
    },
    { timeout: 180_000, interval: 200 },
  );
  expect(atStop).toBeLessThan(ORGS.length);

  const port = Number(temporal.address.split(':').pop());
  await temporal.stop();
  // With no server, nothing is decided: the few activities already running finish, then the store stops growing.
  await sleep(2_000);
  const stalled = await started();
  await sleep(3_000);
  expect(await started()).toBe(stalled);
  expect(stalled).toBeLessThan(ORGS.length);

  temporal = await startTemporal(port);
  const done = await vi.waitFor(
    async () => {
      const value = await root.query(orgStatusQuery);
      expect(value, 'every org mobilised and counted at the root').toSatisfy((s: typeof value) => s.subtree.mobilised === ORGS.length);
      return value;
    },
    { timeout: 300_000, interval: 200 },
  );
  expect(done.subtree.orgs).toBe(ORGS.length);
  // The same worker process carried on: it reconnected rather than died.
  expect(worker.exitCode, worker.output()).toBeNull();

  await expect.poll(started, { timeout: 120_000, message: 'every OrgStarted stored' }).toSatisfy((n) => n === ORGS.length);
  await expectStreamsIntact(db.kysely, ORGS.length + 1);
  await expectReadModelsEqualRebuild(db.kysely);
});
