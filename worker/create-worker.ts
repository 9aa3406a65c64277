/**
 * Builds a worker: the workflows (bundled from `workflows/index.ts`, or a bundle built
 * beforehand) and the activities wired to the database and a Temporal client. Run
 * more worker processes to scale out; they share the task queue.
 */
import { fileURLToPath } from 'node:url';
import { Client, type Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions as SdkWorkerOptions, type WorkflowBundleOption } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import { createActivities } from '../activities/index.js';
import type { Config } from '../config/env.js';
import type { Database } from '../db/schema.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * How the workflows are bundled, wherever a bundle is built (here and in the tests).
 *
 * The SDK's reusable V8 context evaluates the bundle's modules again for every workflow it
 * instantiates, except the modules it preloads: those are evaluated once per worker thread,
 * deep-frozen and shared. zod is stateless once loaded, so it is preloaded
 * (`workflows/preloaded.ts`) and no workflow evaluates it again. The domain's own schemas
 * cannot be shared this way (zod schemas fill in internals on first use, which a frozen
 * schema refuses: `bench/probes/frozen-schemas.ts`); they are built on first use instead
 * (`domain/lazy-schema.ts`). Measured in BENCHMARKS.md, "What bounds the big shapes".
 */
export const WORKFLOW_BUNDLER_OPTIONS = { preloadModules: [fileURLToPath(new URL('../workflows/preloaded.ts', import.meta.url))] };

export interface WorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  db: Kysely<Database>;
  /** A client for activities that start and signal workflows; made from `address` when absent. */
  clientConnection?: Connection;
  /** A prebuilt bundle (tests build one per run); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkflowBundleOption;
  /** How much this process takes on; `WORKER_*` in config/env.ts, the defaults below otherwise. */
  tuning?: Partial<WorkerTuning>;
}

export interface WorkerTuning {
  maxCachedWorkflows: number;
  workflowTaskSlots: number;
  activityTaskSlots: number;
  /** Workflow-task polls open at once (the SDK's `maxConcurrentWorkflowTaskPolls`). */
  workflowTaskPollers: number;
  /** The share of those that may poll the task queue itself (`nonStickyToStickyPollRatio`); the rest poll this worker's sticky queue. */
  nonStickyPollRatio: number;
}

/**
 * Measured in BENCHMARKS.md:
 * - Cache: a worker with 2,000 cached workflows peaked at 1.6 GB in the district cascade
 *   (4.7 GB before zod was preloaded and the schemas built on first use). A campaign with
 *   more orgs than that replays each one that wakes after it was evicted.
 * - Pollers: the SDK's defaults (10 polls, a fifth of them on the task queue itself) left
 *   two polls to bring up every new or evicted workflow, and a cascade's first workflow
 *   tasks waited in the backlog for them (dispatched at ~5.7/s in tianjin). 20 polls, half
 *   on the task queue, took the district cascade from 17.7 to 21.6 orgs/s; the sticky half
 *   serves the workflows this worker has cached ("Pollers").
 */
export const DEFAULT_TUNING: WorkerTuning = {
  maxCachedWorkflows: 2000,
  workflowTaskSlots: 50,
  activityTaskSlots: 50,
  workflowTaskPollers: 20,
  nonStickyPollRatio: 0.5,
};

/** The variable of config/env.ts that sets each tuning field. */
const TUNING_VARIABLES = {
  maxCachedWorkflows: 'WORKER_MAX_CACHED_WORKFLOWS',
  workflowTaskSlots: 'WORKER_WORKFLOW_TASK_SLOTS',
  activityTaskSlots: 'WORKER_ACTIVITY_TASK_SLOTS',
  workflowTaskPollers: 'WORKER_WORKFLOW_TASK_POLLERS',
  nonStickyPollRatio: 'WORKER_NON_STICKY_POLL_RATIO',
} as const satisfies Record<keyof WorkerTuning, keyof Config>;

/** The `WORKER_*` variables that are set; createWorker fills the rest from DEFAULT_TUNING. */
export function tuningFromConfig(config: Config): Partial<WorkerTuning> {
  const tuning: Partial<WorkerTuning> = {};
  for (const field of Object.keys(TUNING_VARIABLES) as (keyof WorkerTuning)[]) {
    const value = config[TUNING_VARIABLES[field]];
    if (value !== undefined) tuning[field] = value;
  }
  return tuning;
}

/** The SDK's worker options for a tuning: the engine's worker and the bench's baseline worker both take them from here. */
export function sdkTuning(tuning: WorkerTuning) {
  return {
    maxConcurrentActivityTaskExecutions: tuning.activityTaskSlots,
    maxConcurrentWorkflowTaskExecutions: tuning.workflowTaskSlots,
    maxCachedWorkflows: tuning.maxCachedWorkflows,
    maxConcurrentWorkflowTaskPolls: tuning.workflowTaskPollers,
    nonStickyToStickyPollRatio: tuning.nonStickyPollRatio,
  } satisfies Partial<SdkWorkerOptions>;
}

export async function createWorker(opts: WorkerOptions): Promise<{ worker: Worker; close(): Promise<void> }> {
  const { Connection } = await import('@temporalio/client');
  const clientConnection = opts.clientConnection ?? (await Connection.connect({ address: opts.address }));
  const client = new Client({ connection: clientConnection, namespace: opts.namespace });
  const connection = await NativeConnection.connect({ address: opts.address });
  const tuning = { ...DEFAULT_TUNING, ...opts.tuning };
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: WORKFLOW_BUNDLER_OPTIONS }),
    activities: createActivities({ db: opts.db, client, taskQueue: opts.taskQueue }),
    ...sdkTuning(tuning),
  });
  return {
    worker,
    async close() {
      await connection.close();
      if (!opts.clientConnection) await clientConnection.close();
    },
  };
}
