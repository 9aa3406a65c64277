/**
 * The usual setup of a workflow test file: a fresh database holding `orgs`, and a
 * worker on its own task queue, both torn down after the file.
 *
 * @example
 * const f = useWorkflowFixture(() => generateTree('small'));
 * test('…', async () => { await startCampaign(f.t.client, f.t.taskQueue, spec); });
 */
import { afterAll, beforeAll } from 'vitest';
import type { FlatOrg } from '../../domain/generate-tree.js';
import { freshDatabase, type TestDatabase } from './db.js';
import { seedOrgs } from './orgs.js';
import { startTestWorker, type TestTemporal } from './temporal.js';

export interface WorkflowFixture {
  db: TestDatabase;
  t: TestTemporal;
  /** The orgs seeded into `db`. */
  orgs: readonly FlatOrg[];
}

export function useWorkflowFixture(orgs: () => readonly FlatOrg[]): WorkflowFixture {
  const f = {} as WorkflowFixture;
  beforeAll(async () => {
    f.db = await freshDatabase();
    f.orgs = orgs();
    await seedOrgs(f.db.kysely, f.orgs);
    f.t = await startTestWorker(f.db.kysely);
  });
  afterAll(async () => {
    await f.t?.stop();
    await f.db?.close();
  });
  return f;
}
