/**
 * `npm start`: the whole system in one terminal — the Temporal dev server (SQLite under
 * DATA_DIR, Web UI on), the embedded PostgreSQL (PGlite under DATA_DIR), a worker and
 * the API — plus, on first start, a small demo campaign on a Tianjin-shaped tree.
 * Ctrl-C stops everything; the next `npm start` resumes with all data intact.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { buildApp } from '../api/app.js';
import { builtConsole } from '../api/console.js';
import { serveMetrics } from '../api/metrics.js';
import { httpTimeouts, loadConfig, metricsAddress } from '../config/env.js';
import { openDatabase } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { createWorker, tuningFromConfig } from '../worker/create-worker.js';
import { runDemo } from './demo.js';
import { startTemporalServer } from './temporal-server.js';

const config = loadConfig();
await mkdir(config.DATA_DIR, { recursive: true });
// Prometheus metrics on loopback unless set otherwise (or set empty: none): the SDK's for the
// worker, the API's own beside them (README: "What to watch").
const workerMetrics = metricsAddress(config.WORKER_METRICS_ADDRESS, '127.0.0.1:9464');
const apiMetrics = metricsAddress(config.API_METRICS_ADDRESS, '127.0.0.1:9465');
Runtime.install({ logger: new DefaultLogger('WARN'), ...(workerMetrics && { telemetryOptions: { metrics: { prometheus: { bindAddress: workerMetrics } } } }) });

const step = (what: string) => process.stdout.write(`• ${what}\n`);

process.stdout.write(`campaign-engine: the console will be at http://localhost:${config.PORT}/ (API docs at /docs) once everything is up\n`);
step('Temporal…');
const temporal = config.TEMPORAL_ADDRESS
  ? undefined
  : await startTemporalServer({
      port: config.TEMPORAL_PORT,
      uiPort: config.TEMPORAL_UI_PORT,
      dbFile: path.join(config.DATA_DIR, 'temporal', 'temporal.db'),
      namespace: config.TEMPORAL_NAMESPACE,
    });
const address = config.TEMPORAL_ADDRESS ?? temporal!.address;

step(config.DATABASE_URL ? 'PostgreSQL…' : `embedded PostgreSQL (PGlite) in ${path.join(config.DATA_DIR, 'pglite')}…`);
const db = await openDatabase({ url: config.DATABASE_URL, pgliteDir: path.join(config.DATA_DIR, 'pglite') });
await migrateToLatest(db.kysely);

step('worker…');
const connection = await Connection.connect({ address });
const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
const { worker, close: closeWorker } = await createWorker({
  address,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TASK_QUEUE,
  db: db.kysely,
  clientConnection: connection,
  tuning: tuningFromConfig(config),
});
const workerRun = worker.run();

step('API…');
const adminToken = config.ADMIN_TOKEN ?? (await persistentAdminToken(config.DATA_DIR));
const app = await buildApp({
  db: db.kysely,
  temporal: { client, taskQueue: config.TASK_QUEUE },
  adminToken,
  logger: { level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL },
  // The console (`npm start` builds it first, prestart) and where it links each org's workflow.
  timeouts: httpTimeouts(config),
  console: builtConsole(),
  temporalUiUrl: temporal?.uiUrl ? `${temporal.uiUrl}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}` : undefined,
});
await app.listen({ port: config.PORT, host: '127.0.0.1' });
const apiMetricsUrl = apiMetrics && (await serveMetrics(app, apiMetrics));

const api = `http://localhost:${config.PORT}`;
const demo = await runDemo(app, adminToken);

process.stdout.write(`
campaign-engine is running.

  Console       ${builtConsole() ? `${api}/   (sign in with the admin token below, or any token POST /tokens issued)` : '(not built: npm run build:console)'}
  API docs      ${api}/docs
  Temporal UI   ${temporal?.uiUrl ?? '(external Temporal at ' + address + ')'}
  Metrics       ${workerMetrics ? `worker http://${workerMetrics}/metrics` : 'worker off'} · ${apiMetricsUrl ? `API ${apiMetricsUrl}` : 'API off'}   (Prometheus text; README: "What to watch")
  Admin token   ${config.ADMIN_TOKEN ? '(from ADMIN_TOKEN)' : `${adminToken}  (kept in ${path.join(config.DATA_DIR, 'admin-token')})`}
  Data          ${config.DATA_DIR}

  ${demo}
  Try:  curl -H "Authorization: Bearer ${config.ADMIN_TOKEN ? '$ADMIN_TOKEN' : adminToken}" ${api}/campaigns/demo-2019/orgs/tj

Ctrl-C stops everything; npm start again resumes where it was.
`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  step('stopping…');
  await app.close();
  // The worker reacts to SIGINT itself; it may already be draining.
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await workerRun.catch(() => undefined);
  await closeWorker();
  await connection.close();
  await db.close();
  await temporal?.stop();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());

/** A local admin token made once and kept under DATA_DIR, so the printed token stays valid across restarts. */
async function persistentAdminToken(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'admin-token');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const token = `admin_${randomBytes(24).toString('base64url')}`;
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return token;
}
