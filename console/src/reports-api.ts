/**
 * The reports screen's calls (例会: weekly and fortnightly reports), through the typed client.
 * A report's figures are declared loosely by the API (`looseObject`), so their shape is read
 * through domain/report.ts's own `ReportFigures` (a type-only import: nothing of domain/ is bundled).
 */
import { ApiError, client, unwrap } from './api.ts';
import type { paths } from '../../client/api-types.ts';
import type { LevelProgress, ReportFigures, ReportKind } from '../../domain/report.ts';

export type { LevelProgress, ReportFigures, ReportKind };

export type ListedReport = paths['/campaigns/{id}/reports']['get']['responses'][200]['content']['application/json']['items'][number];
type ReportAnswer = paths['/campaigns/{id}/reports/{reportId}']['get']['responses'][200]['content']['application/json'];

export type Report = Omit<ReportAnswer, 'figures'> & { figures: ReportFigures };

/** A report of the API's answer to a compilation: done (201/200), or still compiling (202). */
export type Compiled = { done: true; reportId: string } | { done: false; periodTo: string };

export const reportsApi = {
  list: (campaignId: string, query: { limit: number; cursor?: string; kind?: ReportKind }) =>
    unwrap(client.GET('/campaigns/{id}/reports', { params: { path: { id: campaignId }, query } })),
  get: async (campaignId: string, reportId: string) =>
    (await unwrap(client.GET('/campaigns/{id}/reports/{reportId}', { params: { path: { id: campaignId, reportId } } }))) as unknown as Report,
  compile: async (campaignId: string, kind: ReportKind): Promise<Compiled> => {
    const { data, error, response } = await client.POST('/campaigns/{id}/reports', { params: { path: { id: campaignId } }, body: { kind } });
    if (!response.ok) throw new ApiError(response.status, (error as { detail?: string } | undefined)?.detail ?? response.statusText);
    if (response.status === 202) return { done: false, periodTo: (data as { periodTo: string }).periodTo };
    return { done: true, reportId: (data as { reportId: string }).reportId };
  },
};

/** The report's own page (self-contained HTML), opened beside the console. */
export const reportPageHref = (campaignId: string, reportId: string) =>
  `/campaigns/${encodeURIComponent(campaignId)}/reports/${encodeURIComponent(reportId)}/page`;
