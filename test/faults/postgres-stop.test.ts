/**
 * Faults, for real: PostgreSQL is stopped in the middle of a cascade and started again.
 * While it is down, the worker's activities fail and Temporal retries them with backoff,
 * and the API answers 503 problem+json (with Retry-After) to reads and writes alike,
 * never a 500. Once it is back, everything completes and the projections catch up:
 * every stream's events are stored once each, in order, and the read models equal a
 * rebuild.
 *
 * This file runs a PostgreSQL cluster of its own (the suite's shared one must stay up
 * for the other files); the worker is `worker/main.ts` in a child process.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { buildApp, type ApiInstance } from '../../api/app.js';
import { orgHandle, startCampaign } from '../../client/campaigns.js';
import { openDatabase, type OpenDatabase } from '../../db/connect.js';
import { migrateToLatest } from '../../db/migrate.js';
import { randomTree } from '../../domain/generate-tree.js';
import { orgStatusQuery } from '../../workflows/messages.js';
import { startPostgresServer, type RunningPostgresServer } from '../../scripts/postgres-server.js';
import { ADMIN, bearer, expectProblem } from '../support/api.js';
import { testSpec } from '../support/campaign.js';
import { countEvents, expectReadModelsEqualRebuild, expectStreamsIntact, killAllPrograms, sleep, startProgram } from '../support/faults.js';
import { seedOrgs } from '../support/orgs.js';

const ORGS = randomTree(300, 23, 'tj');
const taskQueue = `faults-pg-${randomBytes(4).toString('hex')}`;
let dataDir: string;
let pgServer: RunningPostgresServer;
let port: number;
let db: OpenDatabase;
let app: ApiInstance;
let client: Client;
let connection: Connection;

const startPostgres = (p?: number) => startPostgresServer({ dataDir, port: p, unsafeFast: true, maxConnections: 50 });

beforeAll(async () => {
  dataDir = await mkdtemp(path.resolve(process.env.DATA_DIR || '.data', 'test', 'pg-faults-'));
  pgServer = await startPostgres();
  port = Number(new URL(pgServer.url).port);
  db = await openDatabase({ url: pgServer.url });
  await migrateToLatest(db.kysely);
  await seedOrgs(db.kysely, ORGS);
  connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  client = new Client({ connection, namespace: 'default' });
  app = await buildApp({ db: db.kysely, temporal: { client, taskQueue }, adminToken: ADMIN });
}, 120_000);

afterAll(async () => {
  await killAllPrograms();
  await app?.close();
  await connection?.close();
  await db?.close().catch(() => undefined);
  await pgServer?.stop().catch(() => undefined);
  if (pgServer) await rm(pgServer.dataDir, { recursive: true, force: true });
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

test('PostgreSQL stopped mid-cascade: 503s meanwhile, then everything completes with nothing lost or doubled', { timeout: 600_000 }, async () => {
  const worker = startProgram('worker/main.ts', { TASK_QUEUE: taskQueue, DATABASE_URL: pgServer.url, TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS! });
  const spec = testSpec({ rules: { autoMobiliseLevels: ['city', 'district', 'unit', 'branch'], progressReportSeconds: 1 } });
  await startCampaign(client, taskQueue, spec);
  const root = orgHandle(client, spec.id, 'tj');
  const atStop = await vi.waitFor(
    async () => {
      const value = await countEvents(db.kysely, 'OrgStarted');
      expect(value, 'a tenth of the orgs started').toSatisfy((n: typeof value) => n >= ORGS.length / 10);
      return value;
    },
    { timeout: 180_000, interval: 200 },
  );
  expect(atStop).toBeLessThan(ORGS.length);

  await pgServer.stop();
  const admin = bearer(ADMIN);
  const read = await app.inject({ method: 'GET', url: `/campaigns/${spec.id}/orgs/tj`, headers: admin });
  expectProblem(read, 503);
  expect(read.headers['retry-after']).toBe('5');
  const list = await app.inject({ method: 'GET', url: `/campaigns/${spec.id}/orgs/tj/children`, headers: admin });
  expectProblem(list, 503);
  const write = await app.inject({
    method: 'POST',
    url: `/campaigns/${spec.id}/orgs/tj/study-sessions`,
    headers: { ...admin, 'idempotency-key': 'while-down' },
    payload: { date: '2019-09-10', kind: 'concentrated', hours: 3, attendance: 50 },
  });
  expectProblem(write, 503);
  expectProblem(await app.inject({ method: 'GET', url: '/readyz' }), 503);
  // The workflows keep going without the database only as far as their activities let them:
  // what they decide is held in workflow state and history until the store answers again.
  await sleep(5_000);

  pgServer = await startPostgres(port);
  // The worker rode out the outage: it is the same process.
  expect(worker.exitCode, worker.output()).toBeNull();
  const done = await vi
    .waitFor(
      async () => {
        const value = await root.query(orgStatusQuery);
        expect(value, 'every org mobilised and counted at the root').toSatisfy((s: typeof value) => s.subtree.mobilised === ORGS.length);
        return value;
      },
      { timeout: 300_000, interval: 200 },
    )
    .catch((error: Error) => {
      throw new Error(`${error.message}\nworker (exit ${worker.exitCode}):\n${worker.output().slice(-4000)}`);
    });
  expect(done.subtree.orgs).toBe(ORGS.length);
  // The write refused while the database was down goes through now, under the same key.
  const retried = await app.inject({
    method: 'POST',
    url: `/campaigns/${spec.id}/orgs/tj/study-sessions`,
    headers: { ...admin, 'idempotency-key': 'while-down' },
    payload: { date: '2019-09-10', kind: 'concentrated', hours: 3, attendance: 50 },
  });
  expect(retried.statusCode, retried.body).toBe(200);

  await expect.poll(() => countEvents(db.kysely, 'OrgStarted'), { timeout: 120_000, message: 'every OrgStarted stored' }).toSatisfy((n) => n === ORGS.length);
  await expect
    .poll(() => countEvents(db.kysely, 'StudySessionRecorded'), { timeout: 60_000, message: 'the study session stored once' })
    .toSatisfy((n) => n === 1);
  await expectStreamsIntact(db.kysely, ORGS.length + 1);
  await expectReadModelsEqualRebuild(db.kysely);
  const progress = await app.inject({ method: 'GET', url: `/campaigns/${spec.id}/orgs/tj`, headers: admin });
  expect(progress.statusCode).toBe(200);
});
