/**
 * The API on its own (docker-compose runs it so): talks to Temporal at TEMPORAL_ADDRESS
 * and to the database at DATABASE_URL; closes cleanly on SIGINT/SIGTERM.
 */
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config/env.js';
import { openDatabase } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { buildApp } from './app.js';

const config = loadConfig();
if (!config.TEMPORAL_ADDRESS) throw new Error('TEMPORAL_ADDRESS is required for a standalone API');
const db = await openDatabase({ url: config.DATABASE_URL, pgliteDir: path.join(config.DATA_DIR, 'pglite') });
await migrateToLatest(db.kysely);
const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
const app = await buildApp({ db: db.kysely, temporal: { client, taskQueue: config.TASK_QUEUE }, adminToken: config.ADMIN_TOKEN, logger: { level: config.LOG_LEVEL } });
await app.listen({ port: config.PORT, host: '0.0.0.0' });

const close = async () => {
  await app.close();
  await connection.close();
  await db.close();
  process.exit(0);
};
process.on('SIGINT', close);
process.on('SIGTERM', close);
