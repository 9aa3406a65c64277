/**
 * The API on its own (docker-compose runs it so): the database at DATABASE_URL (or the
 * embedded PGlite under DATA_DIR), migrated on start, and Temporal at TEMPORAL_ADDRESS.
 * Without TEMPORAL_ADDRESS it still serves the directory, tokens and reads, and answers
 * 503 to anything that needs a workflow. SIGINT/SIGTERM stop taking requests, let the
 * ones in flight finish, then close the connections.
 */
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { httpTimeouts, loadConfig, metricsAddress } from '../config/env.js';
import { openDatabase } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { buildApp } from './app.js';
import { builtConsole } from './console.js';
import { serveMetrics } from './metrics.js';

const config = loadConfig();
const db = await openDatabase({ url: config.DATABASE_URL, pgliteDir: path.join(config.DATA_DIR, 'pglite') });
await migrateToLatest(db.kysely);
const connection = config.TEMPORAL_ADDRESS ? await Connection.connect({ address: config.TEMPORAL_ADDRESS }) : undefined;
const temporal = connection && { client: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }), taskQueue: config.TASK_QUEUE };
const app = await buildApp({
  db: db.kysely,
  temporal,
  adminToken: config.ADMIN_TOKEN,
  logger: { level: config.LOG_LEVEL },
  timeouts: httpTimeouts(config),
  console: builtConsole(),
});
if (!temporal) app.log.warn('TEMPORAL_ADDRESS is unset: workflow routes will answer 503');
await app.listen({ port: config.PORT, host: '0.0.0.0' });
const metrics = metricsAddress(config.API_METRICS_ADDRESS);
if (metrics) app.log.info({ metrics: await serveMetrics(app, metrics) }, 'serving Prometheus metrics');

let closing = false;
const close = async (signal: string) => {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, 'shutting down');
  try {
    await app.close();
    await connection?.close();
    await db.close();
    process.exit(0);
  } catch (err) {
    app.log.error({ err }, 'shutdown failed');
    process.exit(1);
  }
};
process.on('SIGINT', () => void close('SIGINT'));
process.on('SIGTERM', () => void close('SIGTERM'));
