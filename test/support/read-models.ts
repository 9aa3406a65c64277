import type { Kysely } from 'kysely';
import { expect, vi } from 'vitest';
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
 * a "rebuilt equals live" comparison taken mid-flight would race them. vitest's `vi.waitFor`
 * reads every `quietMs` (skipping a beat while a read is still running); the first read only
 * sets the mark, so two reads compared are always at least `quietMs` apart.
 */
export async function settledReadModels(db: Kysely<Database>, { quietMs = 1500, timeoutMs = 60_000 } = {}): Promise<Record<string, unknown[]>> {
  let last: string | undefined;
  return vi.waitFor(
    async () => {
      const now = await readModels(db);
      const json = JSON.stringify(now);
      const changed = json !== last;
      last = json;
      if (changed) throw new Error(`read models still changing after ${timeoutMs} ms`);
      return now;
    },
    { timeout: timeoutMs, interval: quietMs },
  );
}

/**
 * Waits until `count` orgs of the campaign(s) show mobilised in the read model (`rm_org_progress`), as
 * the API reads them; answers their rows. For a campaign started through the API with every level
 * auto-mobilised (`startMobilisedCampaign` waits on the workflows instead).
 */
export function untilMobilised(
  db: Kysely<Database>,
  campaignIds: string | readonly string[],
  count: number,
  { timeout = 90_000, what = 'every org mobilised' } = {},
): Promise<Array<{ org_id: string; mobilised_on: string | null }>> {
  const ids = typeof campaignIds === 'string' ? [campaignIds] : [...campaignIds];
  return vi.waitFor(
    async () => {
      const rows = await db
        .selectFrom('rm_org_progress')
        .select(['org_id', 'mobilised_on'])
        .where('campaign_id', 'in', ids)
        .where('mobilised_on', 'is not', null)
        .execute();
      expect(rows.length, what).toBe(count);
      return rows;
    },
    { timeout, interval: 200 },
  );
}
