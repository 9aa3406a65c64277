/**
 * Runs the baseline cascade (see ./workflows.ts) on the run's server: its own task queue
 * and its own worker, in this process, with the same concurrency settings as the
 * engine's worker (worker/create-worker.ts), stopped before the engine's cascade starts
 * so the two never compete for the two cores.
 */
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import type { Infra } from '../infra.js';
import { sdkTuning } from '../../worker/create-worker.js';
import { quietLogger } from '../infra.js';
import { monitor, say, type Sample } from '../live.js';
import { baselineCounters, createBaselineActivities } from './activities.js';
import type { baselineOrgWorkflow } from './workflows.js';

export interface BaselineResult {
  seconds: number;
  orgsPerSecond: number;
  counted: number;
  samples: Sample[];
  /** The baseline's own task queue: its workflows are listed by it (`TaskQueue="…"`) to count what they cost. */
  taskQueue: string;
}

/**
 * A worker for a baseline's workflows (`workflowsFile`, next to this module) on a task queue of
 * its own, with the engine worker's settings (WORKER_* from the bench's environment and
 * --cached-workflows included), so a comparison is of the workflows, not the worker. (The
 * engine's worker is a process of its own, this one runs in the harness: the harness's
 * polling then shares the baseline's event loop, not the engine's.)
 */
export async function baselineWorker(
  infra: Infra,
  workflowsFile: string,
  activities: (taskQueue: string) => object = () => ({}),
): Promise<{ taskQueue: string; worker: Worker; connection: NativeConnection }> {
  const taskQueue = `bench-baseline-${randomBytes(4).toString('hex')}`;
  const bundle = await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL(workflowsFile, import.meta.url)), logger: quietLogger });
  const connection = await NativeConnection.connect({ address: infra.address });
  const worker = await Worker.create({
    connection,
    namespace: 'default',
    taskQueue,
    workflowBundle: bundle,
    activities: activities(taskQueue),
    ...sdkTuning(infra.workerTuning),
  });
  return { taskQueue, worker, connection };
}

export async function runBaseline(infra: Infra, rootOrgId: string, orgs: number, timeoutSeconds: number): Promise<BaselineResult> {
  const prefix = `baseline/${randomBytes(3).toString('hex')}`;
  const { taskQueue, worker, connection } = await baselineWorker(infra, './workflows.ts', (tq) => createBaselineActivities(infra.db, infra.client, tq));
  const running = worker.run();
  try {
    say(`baseline: ${orgs} orgs on task queue ${taskQueue}`);
    baselineCounters.started = 0;
    const t0 = Date.now();
    const handle = await infra.client.workflow.start<typeof baselineOrgWorkflow>('baselineOrgWorkflow', {
      workflowId: `${prefix}/${rootOrgId}`,
      taskQueue,
      args: [{ orgId: rootOrgId, prefix, parentWorkflowId: null }],
    });
    let completed = 0;
    const m = monitor('baseline', t0, async () => {
      // Visibility lags a little behind; it is only the live view and the plot's curve.
      completed = (await infra.client.workflow.count(`TaskQueue="${taskQueue}" AND ExecutionStatus="Completed"`).catch(() => ({ count: completed }))).count;
      return { started: baselineCounters.started + 1, completed, orgs };
    });
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`baseline did not finish within ${timeoutSeconds} s`)), timeoutSeconds * 1000).unref(),
    );
    const counted = await Promise.race([handle.result(), timeout]);
    const seconds = (Date.now() - t0) / 1000;
    await m.stop();
    if (counted !== orgs) throw new Error(`baseline counted ${counted} orgs, the tree has ${orgs}`);
    say(`baseline: ${orgs} orgs counted at the root in ${seconds.toFixed(1)} s (${(orgs / seconds).toFixed(1)} orgs/s)`);
    return { seconds, orgsPerSecond: orgs / seconds, counted, samples: m.samples, taskQueue };
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
  }
}
