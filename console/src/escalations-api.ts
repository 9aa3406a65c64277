/**
 * 下题上答's calls (the escalations screen): an org's inbox and outbox, one escalation's
 * chain, and the writes (raise from a ledger item, claim as a new item or into an existing
 * one, forward to the parent). A refusal keeps the fields the API named (`errors[].path`),
 * so the screen shows it beside the field.
 */
import type { paths } from '../../client/api-types.ts';
import { ApiError, client } from './api.ts';

type Json<T> = T extends { responses: { 200: { content: { 'application/json': infer J } } } } ? J : never;

export type EscalationPage = Json<paths['/campaigns/{id}/orgs/{orgId}/escalations']['get']>;
export type EscalationRow = EscalationPage['items'][number];
export type Chain = Json<paths['/campaigns/{id}/escalations/{escalationId}']['get']>;
export type Hop = Chain['hops'][number];
export type LedgerPage = Json<paths['/campaigns/{id}/orgs/{orgId}/problems']['get']>;
export type LedgerItem = LedgerPage['items'][number];
export type Direction = 'received' | 'outbox';

/** A refusal with the fields it names (`body.reason` → its message). */
export class Refusal extends ApiError {
  constructor(
    status: number,
    detail: string,
    /** Field name (without `body.`) → the API's message about it. */
    readonly fields: Record<string, string>,
    readonly currentStatus: string | undefined,
  ) {
    super(status, detail);
  }
}

async function answer<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    const e = (error ?? {}) as { detail?: string; errors?: { path?: string; message?: string }[]; currentStatus?: string };
    const fields: Record<string, string> = {};
    for (const f of e.errors ?? []) if (f.path) fields[f.path.replace(/^(body|querystring|params)\./, '')] = f.message ?? '';
    throw new Refusal(response.status, e.detail ?? response.statusText, fields, e.currentStatus);
  }
  return data as T;
}

const at = (campaignId: string, orgId: string) => ({ id: campaignId, orgId });

export const escalationsApi = {
  list: (campaignId: string, orgId: string, direction: Direction, cursor: string | undefined, limit = 10) =>
    answer(
      client.GET('/campaigns/{id}/orgs/{orgId}/escalations', {
        params: { path: at(campaignId, orgId), query: { direction, limit, ...(cursor ? { cursor } : {}) } },
      }),
    ),
  chain: (campaignId: string, escalationId: string) =>
    answer(client.GET('/campaigns/{id}/escalations/{escalationId}', { params: { path: { id: campaignId, escalationId } } })),
  /** The org's own ledger (not the subtree's), for choosing an item to raise or to merge into. */
  ledger: (campaignId: string, orgId: string) =>
    answer(client.GET('/campaigns/{id}/orgs/{orgId}/problems', { params: { path: at(campaignId, orgId), query: { limit: 200 } } })),
  raise: (campaignId: string, orgId: string, problemId: string, body: { targetLevel: 'city' | 'district' | 'unit'; reason: string }) =>
    answer(client.POST('/campaigns/{id}/orgs/{orgId}/problems/{problemId}/escalation', { params: { path: { ...at(campaignId, orgId), problemId } }, body })),
  /** A claim names the new item's id itself, so sending it again is answered with the first claim. */
  claim: (campaignId: string, orgId: string, escalationId: string, body: { problemId: string } | { intoProblemId: string }) =>
    answer(
      client.POST('/campaigns/{id}/orgs/{orgId}/escalations/{escalationId}/claim', { params: { path: { ...at(campaignId, orgId), escalationId } }, body }),
    ),
  forward: (campaignId: string, orgId: string, escalationId: string, reason: string) =>
    answer(
      client.POST('/campaigns/{id}/orgs/{orgId}/escalations/{escalationId}/forward', {
        params: { path: { ...at(campaignId, orgId), escalationId } },
        body: { reason },
      }),
    ),
};
