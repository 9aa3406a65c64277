/**
 * Faults, for real: the worker process is killed with SIGKILL in the middle of a
 * cascade and started again. Everything completes; every stream's events are stored
 * once each, in order, with no gap; the read models equal a rebuild from the events.
 *
 * The worker here is `worker/main.ts` in a child process (the one docker-compose runs),
 * not the in-process test worker, so the kill takes down its workflows, activities and
 * database connections at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { orgHandle, startCampaign } from '../../client/campaigns.js';
import { rebuildProjections } from '../../db/event-store.js';
import { randomTree } from '../../domain/generate-tree.js';
import { orgStatusQuery } from '../../workflows/messages.js';
import { testSpec } from '../support/campaign.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { seedOrgs } from '../support/orgs.js';
import { readModels, settledReadModels } from '../support/read-models.js';
import { waitFor } from '../support/wait.js';

const ORGS = randomTree(300, 11, 'tj');
const taskQueue = `faults-${randomBytes(4).toString('hex')}`;
let db: TestDatabase;
let client: Client;
let connection: Connection;
const workers: ChildProcess[] = [];

/** Starts `worker/main.ts` as its own process on this file's task queue and database. */
function startWorkerProcess(): ChildProcess {
  // Node itself with tsx's loader: one process, so SIGKILL takes the worker down (the `tsx` CLI would
  // run it in a grandchild that outlives a kill of its parent).
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('worker/main.ts')], {
    env: { ...process.env, TASK_QUEUE: taskQueue, DATABASE_URL: db.url!, TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS! },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', () => undefined); // drained, so a chatty worker never blocks on a full pipe
  workers.push(child);
  return child;
}

beforeAll(async () => {
  db = await freshDatabase();
  if (!db.url) throw new Error('the fault tests need a PostgreSQL server (the global setup starts one)');
  await seedOrgs(db.kysely, ORGS);
  connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  client = new Client({ connection, namespace: 'default' });
});

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  await connection?.close();
  await db?.close();
});

test('a worker killed mid-cascade and started again loses nothing and stores nothing twice', { timeout: 600_000 }, async () => {
  const first = startWorkerProcess();
  const spec = testSpec({ rules: { autoMobiliseLevels: ['city', 'district', 'unit', 'branch'], progressReportSeconds: 1 } });
  await startCampaign(client, taskQueue, spec);
  const root = orgHandle(client, spec.id, 'tj');
  const startedBefore = async () => Number((await db.kysely.selectFrom('events').select((eb) => eb.fn.countAll<string>().as('n')).where('type', '=', 'OrgStarted').executeTakeFirstOrThrow()).n);
  // Kill it once a part of the tree has started, and before all of it has.
  const atKill = await waitFor(startedBefore, (n) => n >= ORGS.length / 10, 180_000, 'a tenth of the orgs started');
  expect(atKill).toBeLessThan(ORGS.length);
  const exited = new Promise<NodeJS.Signals | null>((resolve) => first.once('exit', (_code, signal) => resolve(signal)));
  first.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  // Nothing moves while no worker runs: the kill really stopped the only one.
  const stalled = await startedBefore();
  await new Promise((resolve) => setTimeout(resolve, 3000));
  expect(await startedBefore()).toBe(stalled);

  startWorkerProcess();
  const done = await waitFor(() => root.query(orgStatusQuery), (s) => s.subtree.mobilised === ORGS.length, 300_000, 'every org mobilised and counted at the root');
  expect(done.subtree.orgs).toBe(ORGS.length);

  // Every stream holds each of its events once, numbered 1..n without a gap.
  const streams = await db.kysely
    .selectFrom('events')
    .select(['stream_id', (eb) => eb.fn.countAll<string>().as('n'), (eb) => eb.fn.max('stream_seq').as('last'), (eb) => eb.fn.count<string>('id').distinct().as('ids')])
    .groupBy('stream_id')
    .execute();
  expect(streams.length).toBe(ORGS.length + 1); // every org and the campaign
  for (const s of streams) {
    expect(Number(s.n), s.stream_id).toBe(Number(s.last));
    expect(Number(s.ids), s.stream_id).toBe(Number(s.n));
  }
  const started = await startedBefore();
  expect(started).toBe(ORGS.length);

  const live = await settledReadModels(db.kysely);
  await rebuildProjections(db.kysely);
  expect(await readModels(db.kysely)).toEqual(live);
});
