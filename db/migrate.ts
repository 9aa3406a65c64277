/**
 * Applies the migrations in `db/migrations/` in name order. The list is static, so a
 * bundled or compiled build finds them without reading the directory.
 */
import type { Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import * as initial from './migrations/2026-11-25T0700-initial.js';
import * as ledger from './migrations/2026-11-25T0900-ledger.js';
import * as escalations from './migrations/2026-11-25T1000-escalations.js';
import * as directives from './migrations/2026-11-25T1100-directives.js';
import * as jointAnswers from './migrations/2026-11-25T1200-joint-answers.js';
import * as escalationLookup from './migrations/2026-11-25T1300-escalation-lookup.js';
import * as publicMessages from './migrations/2026-11-25T1400-public-messages.js';
import * as inspections from './migrations/2026-11-25T1500-inspections.js';
import * as informationRequests from './migrations/2026-12-01T1000-information-requests.js';
import * as reports from './migrations/2026-12-01T0900-reports.js';
import * as sessions from './migrations/2026-12-06T1000-sessions.js';
import * as escalationOverdue from './migrations/2026-12-06T1100-escalation-overdue.js';
import * as rateLimits from './migrations/2026-12-06T1200-rate-limits.js';
import * as orgReached from './migrations/2026-12-06T1300-org-reached.js';
import * as ledgerSubtree from './migrations/2026-12-06T1310-ledger-subtree.js';

const MIGRATIONS: Record<string, Migration> = {
  '2026-11-25T0700-initial': initial,
  '2026-11-25T0900-ledger': ledger,
  '2026-11-25T1000-escalations': escalations,
  '2026-11-25T1100-directives': directives,
  '2026-11-25T1200-joint-answers': jointAnswers,
  '2026-11-25T1300-escalation-lookup': escalationLookup,
  '2026-11-25T1400-public-messages': publicMessages,
  '2026-11-25T1500-inspections': inspections,
  '2026-12-01T1000-information-requests': informationRequests,
  '2026-12-01T0900-reports': reports,
  '2026-12-06T1000-sessions': sessions,
  '2026-12-06T1100-escalation-overdue': escalationOverdue,
  '2026-12-06T1200-rate-limits': rateLimits,
  '2026-12-06T1300-org-reached': orgReached,
  '2026-12-06T1310-ledger-subtree': ledgerSubtree,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

export async function migrateToLatest(db: Kysely<any>): Promise<void> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`);
  }
}
