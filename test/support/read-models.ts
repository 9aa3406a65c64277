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
