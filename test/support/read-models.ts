import type { Kysely } from 'kysely';
import { READ_MODEL_TABLES, type Database } from '../../db/schema.js';

/** Every read-model row, in a fixed order, for "rebuilt equals live" comparisons. */
export async function readModels(db: Kysely<Database>): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of READ_MODEL_TABLES) {
    const rows = await db.selectFrom(table).selectAll().execute();
    out[table] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return out;
}

/**
 * The read models once they stop changing (the same two reads `quietMs` apart): progress
 * reports and notices keep landing for a moment after the last command a test awaits, and
 * a "rebuilt equals live" comparison taken mid-flight would race them.
 */
export async function settledReadModels(db: Kysely<Database>, { quietMs = 1500, timeoutMs = 60_000 } = {}): Promise<Record<string, unknown[]>> {
  const until = Date.now() + timeoutMs;
  let last = JSON.stringify(await readModels(db));
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    const now = await readModels(db);
    const json = JSON.stringify(now);
    if (json === last) return now;
    if (Date.now() > until) throw new Error(`read models still changing after ${timeoutMs} ms`);
    last = json;
  }
}
