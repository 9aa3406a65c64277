/**
 * The spot-check screen's calls (巡回指导组, 暗访抽查, 通报), through the typed client. A
 * refusal that names fields (problem+json `errors[].path`, e.g. `body.orgId`) comes back as a
 * `FieldRefusal`, so a form can show each beside its field.
 */
import { ApiError, client, unwrap } from './api.ts';
import type { paths } from '../../client/api-types.ts';

type Json<P extends keyof paths, M extends keyof paths[P], S extends number = 200> = paths[P][M] extends { responses: infer R }
  ? R extends Record<S, { content: { 'application/json': infer T } }>
    ? T
    : never
  : never;

export type GroupPage = Json<'/campaigns/{id}/orgs/{orgId}/guidance-groups', 'get'>;
export type Group = Json<'/campaigns/{id}/guidance-groups/{groupId}', 'get'>;
export type Round = Json<'/campaigns/{id}/inspection-rounds/{roundId}', 'get'> & { interviews?: number };
export type NoticePage = Json<'/campaigns/{id}/orgs/{orgId}/inspection-notices', 'get'>;
export type Prevention = NonNullable<
  paths['/campaigns/{id}/inspection-rounds/{roundId}/findings']['post']['requestBody']
>['content']['application/json']['prevention'];

/** The API refused, naming fields: `fields` maps each field's last name (`orgId`) to what it said. */
export class FieldRefusal extends ApiError {
  constructor(
    status: number,
    detail: string,
    readonly fields: Record<string, string>,
  ) {
    super(status, detail);
  }
}

/** Like `unwrap`, keeping the fields a refusal names. */
async function send<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    const problem = (error ?? {}) as { detail?: string; errors?: { path?: string; message?: string }[] };
    const fields: Record<string, string> = {};
    for (const e of problem.errors ?? []) if (e.path) fields[e.path.split('.').pop()!] = e.message ?? '';
    throw new FieldRefusal(response.status, problem.detail ?? response.statusText, fields);
  }
  return data as T;
}

export const inspectionsApi = {
  groups: (campaignId: string, orgId: string, query: { limit: number; cursor?: string }) =>
    unwrap(client.GET('/campaigns/{id}/orgs/{orgId}/guidance-groups', { params: { path: { id: campaignId, orgId }, query } })),
  group: (campaignId: string, groupId: string) =>
    unwrap(client.GET('/campaigns/{id}/guidance-groups/{groupId}', { params: { path: { id: campaignId, groupId } } })),
  startRound: (
    campaignId: string,
    groupId: string,
    body: { roundId: string; scopeOrgId?: string; sampleSize: number; stratifyByLevel: boolean; seed?: string },
  ) => send(client.POST('/campaigns/{id}/guidance-groups/{groupId}/inspection-rounds', { params: { path: { id: campaignId, groupId } }, body })),
  round: async (campaignId: string, roundId: string) =>
    (await unwrap(client.GET('/campaigns/{id}/inspection-rounds/{roundId}', { params: { path: { id: campaignId, roundId } } }))) as Round,
  interviews: (campaignId: string, roundId: string, body: { count: number; notes: string }) =>
    send(client.POST('/campaigns/{id}/inspection-rounds/{roundId}/interviews', { params: { path: { id: campaignId, roundId } }, body })),
  finding: (campaignId: string, roundId: string, body: { orgId: string; prevention: Prevention; detail: string }) =>
    send(client.POST('/campaigns/{id}/inspection-rounds/{roundId}/findings', { params: { path: { id: campaignId, roundId } }, body })),
  issue: (campaignId: string, roundId: string) =>
    send(client.POST('/campaigns/{id}/inspection-rounds/{roundId}/issue', { params: { path: { id: campaignId, roundId } }, body: {} })),
  notice: (campaignId: string, roundId: string, title: string) =>
    send(client.POST('/campaigns/{id}/inspection-rounds/{roundId}/notice', { params: { path: { id: campaignId, roundId } }, body: { title } })),
  orgName: async (orgId: string) => (await unwrap(client.GET('/orgs/{id}', { params: { path: { id: orgId } } }))).name,
  notices: (campaignId: string, orgId: string, query: { limit: number; cursor?: string }) =>
    unwrap(client.GET('/campaigns/{id}/orgs/{orgId}/inspection-notices', { params: { path: { id: campaignId, orgId }, query } })),
};

/** A new round's id: the day in China and a few random letters (`r20261206-k3f9`). */
export function newRoundId(now = Date.now()): string {
  const dayPart = new Date(now + 8 * 3600_000).toISOString().slice(0, 10).replaceAll('-', '');
  return `r${dayPart}-${Math.random().toString(36).slice(2, 6)}`;
}
