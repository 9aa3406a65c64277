/**
 * All I/O the workflows need, built from injected dependencies (the worker passes a
 * database and a Temporal client), held to the contract the workflows proxy
 * (`workflows/activity-contract.ts`); the workflows import nothing from here.
 *
 * @example
 * const worker = await Worker.create({ activities: createActivities({ db, client, taskQueue }), … });
 */
import type { Activities } from '../workflows/activity-contract.js';
import type { ActivityDeps } from './deps.js';
import { recordEvents } from './record-events.js';
import { deliverSignals, loadEscalation } from './deliver-signals.js';
import { signalChildOrgs, startChildOrgs } from './org-fanout.js';
import { loadPublicMessageRoutes } from './public-messages.js';
import { loadInspectedOrgStates, loadInspectionCandidates } from './inspections.js';
import { compileReport, scheduleReports, unscheduleReports } from './reports.js';

export type { ActivityDeps };

export function createActivities(deps: ActivityDeps): Activities {
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
