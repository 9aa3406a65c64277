/**
 * All I/O the workflows need, built from injected dependencies (the worker passes a
 * database and a Temporal client). Workflows import only the type.
 *
 * @example
 * const worker = await Worker.create({ activities: createActivities({ db, client, taskQueue }), … });
 */
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { recordEvents } from './record-events.js';
import { deliverSignals, loadEscalation } from './deliver-signals.js';
import { signalChildOrgs, startChildOrgs } from './org-fanout.js';
import { loadPublicMessageRoutes } from './public-messages.js';
import { loadInspectedOrgStates, loadInspectionCandidates } from './inspections.js';
import { compileReport, scheduleReports, unscheduleReports } from './reports.js';

export interface ActivityDeps {
  db: Kysely<Database>;
  client: Client;
  taskQueue: string;
}

export function createActivities(deps: ActivityDeps) {
  return {
    recordEvents: recordEvents(deps),
    startChildOrgs: startChildOrgs(deps),
    signalChildOrgs: signalChildOrgs(deps),
    deliverSignals: deliverSignals(deps),
    loadEscalation: loadEscalation(deps),
    loadPublicMessageRoutes: loadPublicMessageRoutes(deps),
    loadInspectionCandidates: loadInspectionCandidates(deps),
    loadInspectedOrgStates: loadInspectedOrgStates(deps),
    compileReport: compileReport(deps),
    scheduleReports: scheduleReports(deps),
    unscheduleReports: unscheduleReports(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
