/**
 * A worker process on its own (docker-compose runs several): polls the task queue,
 * runs workflows and activities until SIGINT/SIGTERM, then drains and exits.
 */
import { Runtime } from '@temporalio/worker';
import { loadConfig, metricsAddress } from '../config/env.js';
import { openDatabase } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { createWorker, tuningFromConfig } from './create-worker.js';

const config = loadConfig();
if (!config.TEMPORAL_ADDRESS) throw new Error('TEMPORAL_ADDRESS is required for a standalone worker');
// The SDK's own metrics (task latencies, failures, the sticky cache) at http://<address>/metrics;
// the runtime is installed once per process, before the worker connects.
const metrics = metricsAddress(config.WORKER_METRICS_ADDRESS);
if (metrics) Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: metrics } } } });
const db = await openDatabase({ url: config.DATABASE_URL, pgliteDir: `${config.DATA_DIR}/pglite` });
await migrateToLatest(db.kysely);
const { worker, close } = await createWorker({
  address: config.TEMPORAL_ADDRESS,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TASK_QUEUE,
  db: db.kysely,
  tuning: tuningFromConfig(config),
});
await worker.run();
await close();
await db.close();
