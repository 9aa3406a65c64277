/**
 * The ledger screen's calls (整改台账): the subtree's items, an item with its history, and
 * the actions on an item (org-action routes). A refusal keeps the fields the API named, so
 * the screen can say it beside the field, in plain words (`refusalZh`).
 */
import type { paths } from '../../client/api-types.ts';
import { client } from './api.ts';

type Get<P extends keyof paths> = paths[P] extends { get: { responses: { 200: { content: { 'application/json': infer T } } } } } ? T : never;
export type LedgerPage = Get<'/campaigns/{id}/orgs/{orgId}/ledger'>;
export type LedgerRow = LedgerPage['items'][number];
export type LedgerQuery = NonNullable<paths['/campaigns/{id}/orgs/{orgId}/ledger']['get']['parameters']['query']>;
export type ItemHistory = Get<'/campaigns/{id}/orgs/{orgId}/problems/{problemId}/history'>;
export type HistoryEntry = ItemHistory['events'][number];

/** A refusal: its status, the API's detail, and a message per body field it named (`deadline`, `reason`, …). */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly fields: Record<string, string>,
  ) {
    super(detail);
  }
}

async function answer<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  const problem = (error ?? {}) as { detail?: string; errors?: { path?: string; message?: string }[] };
  const fields: Record<string, string> = {};
  for (const e of problem.errors ?? []) if (e.path?.startsWith('body.')) fields[e.path.slice(5).split('.')[0]!] = e.message ?? '';
  throw new Refusal(response.status, problem.detail ?? response.statusText, fields);
}

const at = (campaignId: string, orgId: string) => ({ id: campaignId, orgId });
const key = () => ({ 'idempotency-key': crypto.randomUUID() });

export const ledgerApi = {
  list: (campaignId: string, orgId: string, query: LedgerQuery) =>
    answer(client.GET('/campaigns/{id}/orgs/{orgId}/ledger', { params: { path: at(campaignId, orgId), query } })),
  history: (campaignId: string, orgId: string, problemId: string) =>
    answer(client.GET('/campaigns/{id}/orgs/{orgId}/problems/{problemId}/history', { params: { path: { ...at(campaignId, orgId), problemId } } })),
  plan: (campaignId: string, orgId: string, problemId: string, body: { owner: string; measures: string; deadline: string }) =>
    answer(
      client.POST('/campaigns/{id}/orgs/{orgId}/problems/{problemId}/plan', { params: { path: { ...at(campaignId, orgId), problemId }, header: key() }, body }),
    ),
  start: (campaignId: string, orgId: string, problemId: string) =>
    answer(
      client.POST('/campaigns/{id}/orgs/{orgId}/problems/{problemId}/start', {
        params: { path: { ...at(campaignId, orgId), problemId }, header: key() },
        body: {},
      }),
    ),
  submit: (campaignId: string, orgId: string, problemId: string, body: { evidence: string; attachments?: string[] }) =>
    answer(
      client.POST('/campaigns/{id}/orgs/{orgId}/problems/{problemId}/rectification', {
        params: { path: { ...at(campaignId, orgId), problemId }, header: key() },
        body,
      }),
    ),
  verify: (campaignId: string, orgId: string, problemId: string, body: { decision: 'verified' | 'returned'; reason?: string }) =>
    answer(
      client.POST('/campaigns/{id}/orgs/{orgId}/problems/{problemId}/verification', {
        params: { path: { ...at(campaignId, orgId), problemId }, header: key() },
        body,
      }),
    ),
  extend: (campaignId: string, orgId: string, problemId: string, body: { deadline: string; reason: string }) =>
    answer(
      client.POST('/campaigns/{id}/orgs/{orgId}/problems/{problemId}/extension', {
        params: { path: { ...at(campaignId, orgId), problemId }, header: key() },
        body,
      }),
    ),
  csvHref: (campaignId: string, orgId: string, status?: string) =>
    `/campaigns/${encodeURIComponent(campaignId)}/orgs/${encodeURIComponent(orgId)}/problems.csv?scope=subtree${status ? `&status=${encodeURIComponent(status)}` : ''}`,
};
