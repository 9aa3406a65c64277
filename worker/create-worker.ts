/**
 * Builds a worker: the workflows (bundled from `workflows/index.ts`, or a bundle built
 * beforehand) and the activities wired to the database and a Temporal client. Run
 * more worker processes to scale out; they share the task queue.
 */
import { fileURLToPath } from 'node:url';
import { Client, type Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import { createActivities } from '../activities/index.js';
import type { Database } from '../db/schema.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface WorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  db: Kysely<Database>;
  /** A client for activities that start and signal workflows; made from `address` when absent. */
  clientConnection?: Connection;
  /** A prebuilt bundle (tests build one per run); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkflowBundleOption;
}

export async function createWorker(opts: WorkerOptions): Promise<{ worker: Worker; close(): Promise<void> }> {
  const { Connection } = await import('@temporalio/client');
  const clientConnection = opts.clientConnection ?? (await Connection.connect({ address: opts.address }));
  const client = new Client({ connection: clientConnection, namespace: opts.namespace });
  const connection = await NativeConnection.connect({ address: opts.address });
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities({ db: opts.db, client, taskQueue: opts.taskQueue }),
    maxConcurrentActivityTaskExecutions: 50,
    maxConcurrentWorkflowTaskExecutions: 50,
    maxCachedWorkflows: 2000,
  });
  return {
    worker,
    async close() {
      await connection.close();
      if (!opts.clientConnection) await clientConnection.close();
    },
  };
}
