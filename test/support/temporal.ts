/**
 * A worker on its own task queue for one test file, against the test Temporal server
 * (`TEMPORAL_ADDRESS`, started by the global setup) and the file's own database.
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { createWorker, WORKFLOW_BUNDLER_OPTIONS, WORKFLOWS_PATH } from '../../worker/create-worker.js';

let bundle: Promise<{ code: string }> | undefined;
let runtimeInstalled = false;

/** The workflow bundle, built once per test file process. */
export function workflowBundle(): Promise<{ code: string }> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, ...WORKFLOW_BUNDLER_OPTIONS, logger: quietLogger });
  return bundle;
}

export interface TestTemporal {
  client: Client;
  taskQueue: string;
  worker: Worker;
  /** Shuts the worker down gracefully (the tasks it holds finish) and waits until it has stopped; the client stays open. */
  stopWorker(): Promise<void>;
  /** Stops the worker and closes connections. */
  stop(): Promise<void>;
}

/**
 * A worker on a fresh task queue with today's workflows. `taskQueue` and `workflowBundle` put
 * another build on an existing queue beside it (the upgrade drill, test/operations/upgrade.test.ts);
 * `address` is another Temporal server than the run's (a file that runs its own, e.g. with the UI on).
 */
export async function startTestWorker(
  db: Kysely<Database>,
  {
    taskQueue = `test-${randomBytes(4).toString('hex')}`,
    workflowBundle: bundled,
    address = process.env.TEMPORAL_ADDRESS,
  }: { taskQueue?: string; workflowBundle?: { code: string }; address?: string } = {},
): Promise<TestTemporal> {
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: run the tests with `npm test` (its global setup starts Temporal)');
  if (!runtimeInstalled) {
    // Worker state changes at INFO would drown the test output.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  const { worker, close } = await createWorker({
    address,
    namespace: 'default',
    taskQueue,
    db,
    clientConnection: connection,
    workflowBundle: bundled ?? (await workflowBundle()),
  });
  const running = worker.run();
  let stopped: Promise<void> | undefined;
  const stopWorker = () => {
    if (!stopped) {
      worker.shutdown();
      stopped = running;
    }
    return stopped;
  };
  return {
    client,
    taskQueue,
    worker,
    stopWorker,
    async stop() {
      await stopWorker();
      await close();
      await connection.close();
    },
  };
}

/** The bundler's warnings and errors; its progress lines are noise in a test run. */
const quietLogger = new DefaultLogger('WARN', ({ level, message }) => (level === 'ERROR' ? console.error(message) : console.warn(message)));
