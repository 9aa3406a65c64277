/**
 * Everything a benchmark runs on: a Temporal server, a PostgreSQL server, a fresh
 * database holding the org tree, and the engine's worker processes (bench/workers.ts).
 *
 * Each run starts its own servers on free ports (as the test global setup does) unless
 * `--temporal-address` / `--database-url` point at running ones, so a figure never
 * depends on what an earlier run left behind. The database is always a new one, even on
 * a given server. Everything started here is stopped in reverse order on the way out,
 * on Ctrl-C too.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import { loadConfig } from '../config/env.js';
import { MAX_IN_FLIGHT_UPDATES, SINGLE_PARTITION_CONFIG } from '../config/temporal-server.js';
import type { OpenDatabase } from '../db/connect.js';
import { createMigratedDatabase } from '../db/fresh.js';
import { seedOrgs } from '../test/support/orgs.js';
import type { Database } from '../db/schema.js';
import type { FlatOrg } from '../domain/generate-tree.js';
import { findPostgresBinaries, startPostgresServer } from '../scripts/postgres-server.js';
import { startTemporalServer } from '../scripts/temporal-server.js';
import { DEFAULT_TUNING, tuningFromConfig, type WorkerTuning } from '../worker/create-worker.js';
import type { BenchArgs } from './args.js';
import { say } from './live.js';
import { startPostgresTemporal } from './temporal-postgres.js';
import { startWorkerProcesses, type WorkerProcesses } from './workers.js';

export interface Infra {
  address: string;
  client: Client;
  connection: Connection;
  db: Kysely<Database>;
  databaseUrl: string;
  /** The engine's task queue for this run. */
  taskQueue: string;
  /** The engine's worker processes (their crashes and memory go into the result). */
  workers: WorkerProcesses;
  /** What those processes run with; the baseline's worker takes the same. */
  workerTuning: WorkerTuning;
  /** What the figures were taken on, for the result file. */
  servers: Record<string, string>;
  /** Registers something to undo on the way out (run last-in, first-out). */
  onStop(fn: () => Promise<void>): void;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

/** Worker overload signs seen during the run (reported in the result). */
export const workerWarnings = { slowWorkflowTasks: 0, workflowTaskTimedOut: 0, other: 0 };

function workerLog(line: string): void {
  const slow = /exceeded 5 seconds/.test(line);
  const lost = /Task not found when completing/.test(line);
  const key = slow ? 'slowWorkflowTasks' : lost ? 'workflowTaskTimedOut' : 'other';
  workerWarnings[key] += 1;
  if (workerWarnings[key] <= 3) say(`worker: ${line.slice(0, 300)}${workerWarnings[key] === 3 ? ' (further ones counted, not shown)' : ''}`);
}

export async function startInfra(args: BenchArgs, orgs: readonly FlatOrg[]): Promise<Infra> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async (): Promise<void> => {
    while (stops.length) {
      const fn = stops.pop()!;
      await fn().catch((error: unknown) => say(`cleanup: ${String(error)}`));
    }
  };
  const servers: Record<string, string> = {};
  try {
    const dataDir = path.resolve(process.env.DATA_DIR || '.data', 'bench');
    await mkdir(dataDir, { recursive: true });

    // PostgreSQL first: the PostgreSQL-backed Temporal server needs it too.
    let serverUrl = args.databaseUrl;
    if (!serverUrl) {
      if (!findPostgresBinaries()) throw new Error('no PostgreSQL binaries (apt-get install -y postgresql), and no --database-url given');
      const requested = await mkdtemp(path.join(dataDir, 'pg-'));
      // fsync off: the benchmarks measure the engine, not this VM's disk; BENCHMARKS.md says so.
      const postgres = await startPostgresServer({ dataDir: requested, unsafeFast: true, maxConnections: 300 });
      stops.push(async () => {
        await postgres.stop();
        await rm(postgres.dataDir, { recursive: true, force: true });
        await rm(requested, { recursive: true, force: true });
      });
      serverUrl = postgres.url;
      servers.postgres = `PostgreSQL started by the harness (${postgres.url}, fsync off)`;
    } else {
      servers.postgres = `given: ${redactUrl(serverUrl)}`;
    }

    let address = args.temporalAddress;
    if (!address) {
      if (args.temporalServer === 'postgres') {
        const temporal = await startPostgresTemporal({ postgresUrl: serverUrl, shards: args.historyShards, dataDir });
        stops.push(temporal.stop);
        address = temporal.address;
        servers.temporal = temporal.description;
      } else {
        const temporal = await startTemporalServer({
          uiPort: false,
          logLevel: 'warn',
          // The same as the test run's: one partition per task queue, and (with every server) the
          // per-workflow update limit that several worker processes need (config/temporal-server.ts).
          dynamicConfig: SINGLE_PARTITION_CONFIG,
          logFile: path.join(dataDir, `temporal-${process.pid}.log`),
        });
        stops.push(temporal.stop);
        address = temporal.address;
        servers.temporal = `temporal server start-dev (CLI v1.5.1, in-memory SQLite, 1 history shard, 1 task-queue partition, ${MAX_IN_FLIGHT_UPDATES} updates in flight per workflow)`;
      }
    } else {
      servers.temporal = `given: ${address}`;
    }

    const database = await freshDatabase(serverUrl);
    stops.push(database.close);
    const db = database.kysely;
    say(`database ${redactUrl(database.url)}: seeding ${orgs.length} orgs`);
    await seedOrgs(db, orgs);

    if (!runtimeInstalled) {
      // The worker's INFO lines would bury the live counters, and the SDK core writes to
      // stdout unless forwarded: stdout must end with the RESULT line, so core logs come
      // through here, to stderr, and the two warnings that say the worker is overloaded
      // are counted for the result (after a few examples) instead of flooding the log.
      Runtime.install({
        logger: new DefaultLogger('WARN', (entry) => workerLog(`${entry.level} ${entry.message}`)),
        telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
        // Ctrl-C is main.ts's to handle (stop everything, then exit); left to the SDK it only
        // drains the worker while the scenario waits on, and the servers' own exit hooks
        // stand aside because someone else listens.
        shutdownSignals: [],
      });
      runtimeInstalled = true;
    }
    const connection = await Connection.connect({ address });
    stops.push(() => connection.close());
    const client = new Client({ connection, namespace: 'default' });

    const taskQueue = `bench-${randomBytes(4).toString('hex')}`;
    say(`starting ${args.workerProcesses} worker process(es), ${args.cachedWorkflows} cached workflows each`);
    const workers = await startWorkerProcesses({
      count: args.workerProcesses,
      client,
      taskQueue,
      profileDir: args.profileWorkers ? path.resolve(args.profileWorkers) : undefined,
      onLine: (line) => {
        if (/WARN|ERROR/.test(line)) workerLog(line);
      },
      env: {
        DATABASE_URL: database.url,
        TEMPORAL_ADDRESS: address,
        TEMPORAL_NAMESPACE: 'default',
        TASK_QUEUE: taskQueue,
        WORKER_MAX_CACHED_WORKFLOWS: String(args.cachedWorkflows),
      },
    });
    stops.push(workers.stop);
    // What the processes run with: DEFAULT_TUNING, any WORKER_* set in the bench's environment (they inherit it), and --cached-workflows.
    const tuning = { ...DEFAULT_TUNING, ...tuningFromConfig(loadConfig()), maxCachedWorkflows: args.cachedWorkflows };
    servers.workers =
      `${args.workerProcesses} × worker/main.ts (${tuning.maxCachedWorkflows} cached workflows, ${tuning.workflowTaskSlots} workflow and ` +
      `${tuning.activityTaskSlots} activity slots, ${tuning.workflowTaskPollers} workflow-task polls, a share of ${tuning.nonStickyPollRatio} of them on the task queue itself)`;

    return {
      address,
      client,
      connection,
      db,
      databaseUrl: database.url,
      taskQueue,
      workers,
      workerTuning: tuning,
      servers,
      onStop: (fn) => stops.push(fn),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A new database on the server, migrated: the run's rows never mix with another's. */
function freshDatabase(serverUrl: string): Promise<OpenDatabase & { url: string }> {
  return createMigratedDatabase(serverUrl, 'bench');
}

/** The tree goes into the org directory straight through SQL, as the tests seed it: the import route is not what is measured. */
export { seedOrgs };

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
}

/** For `bundleWorkflowCode` and the like: warnings and errors on the live view, progress lines dropped. */
export const quietLogger = new DefaultLogger('WARN', ({ message }) => say(message));
