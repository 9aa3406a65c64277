/**
 * `npm run rebuild-projections`: empties the read models and replays every stored event
 * into them, in one transaction. Against `DATABASE_URL`, or the embedded database under
 * `DATA_DIR` (stop `npm start` first: PGlite has one user at a time).
 */
import path from 'node:path';
import { loadConfig } from '../config/env.js';
import { openDatabase } from '../db/connect.js';
import { rebuildProjections } from '../db/event-store.js';
import { migrateToLatest } from '../db/migrate.js';

const config = loadConfig();
const db = await openDatabase({ url: config.DATABASE_URL, pgliteDir: path.join(config.DATA_DIR, 'pglite') });
await migrateToLatest(db.kysely);
const started = performance.now();
const { events } = await rebuildProjections(db.kysely, (n) => process.stdout.write(`\r${n} events applied`));
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`\rrebuilt the read models from ${events} events in ${seconds.toFixed(1)} s (${db.engine})\n`);
await db.close();
