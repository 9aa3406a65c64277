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
  /** Stops the worker and closes connections. */
  stop(): Promise<void>;
}

/** `address`: another Temporal server than the run's (a file that runs its own, e.g. with the UI on). */
export async function startTestWorker(db: Kysely<Database>, { address = process.env.TEMPORAL_ADDRESS } = {}): Promise<TestTemporal> {
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: run the tests with `npm test` (its global setup starts Temporal)');
  if (!runtimeInstalled) {
    // Worker state changes at INFO would drown the test output.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const taskQueue = `test-${randomBytes(4).toString('hex')}`;
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  const { worker, close } = await createWorker({
    address,
    namespace: 'default',
    taskQueue,
    db,
    clientConnection: connection,
    workflowBundle: await workflowBundle(),
  });
  const running = worker.run();
  return {
    client,
    taskQueue,
    worker,
    async stop() {
      worker.shutdown();
      await running;
      await close();
      await connection.close();
    },
  };
}

/** The bundler's warnings and errors; its progress lines are noise in a test run. */
const quietLogger = new DefaultLogger('WARN', ({ level, message }) => (level === 'ERROR' ? console.error(message) : console.warn(message)));
