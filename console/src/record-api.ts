/**
 * The 填报 screen's calls: what its forms send (each write with a fresh `Idempotency-Key`, so a
 * retry of one click records nothing twice) and what it reads. A refusal comes back as a
 * {@link Refusal}, which keeps the fields problem+json names, so a form can show each beside
 * its input.
 */
import { ApiError, client, type StudySession } from './api.ts';
import type { Topic } from './record-rules.ts';
import { todayInChina } from './time.ts';

/** A refusal and the fields it names (`errors[].path`, e.g. `body.reason`). */
export class Refusal extends ApiError {
  constructor(
    status: number,
    detail: string,
    readonly errors: { path: string; message: string }[],
  ) {
    super(status, detail);
  }
}

async function send<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    const problem = (error ?? {}) as { detail?: string; errors?: { path?: unknown; message?: unknown }[] };
    const errors = (problem.errors ?? [])
      .filter((e) => typeof e.path === 'string')
      .map((e) => ({ path: String(e.path), message: typeof e.message === 'string' ? e.message : '' }));
    throw new Refusal(response.status, problem.detail ?? response.statusText, errors);
  }
  return data as T;
}

/**
 * An id a person can read in the ledger and a key for one submission: `P-20261206-k3x9q2ma`.
 * Each click gets a new one: a refusal is kept by the workflow under its update id, so a
 * corrected form must go out under a new key.
 */
export function newKey(prefix: string): string {
  const random = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => (b % 36).toString(36)).join('');
  return `${prefix}-${todayInChina().replace(/-/g, '')}-${random}`;
}

const at = (campaignId: string, orgId: string, key: string) => ({ path: { id: campaignId, orgId }, header: { 'idempotency-key': key } });

export interface StudyAnswer {
  sessionId: string;
  counted: boolean;
  reason: string | null;
  daysCounted: number;
  minDays: number;
}

export const recordApi = {
  topics: async (campaignId: string, orgId: string) =>
    (await send(client.GET('/campaigns/{id}/orgs/{orgId}/topics', { params: { path: { id: campaignId, orgId }, query: { limit: 200 } } }))) as unknown as {
      items: Topic[];
      nextCursor: string | null;
    },
  mobilise: (campaignId: string, orgId: string, body: { date: string; attendance: number }) =>
    send(client.POST('/campaigns/{id}/orgs/{orgId}/mobilisation', { params: at(campaignId, orgId, newKey('M')), body })),
  recordStudy: async (campaignId: string, orgId: string, body: { date: string; kind: StudySession['kind']; hours: number; attendance: number }) =>
    (await send(client.POST('/campaigns/{id}/orgs/{orgId}/study-sessions', { params: at(campaignId, orgId, newKey('S')), body }))) as unknown as StudyAnswer,
  proposeTopic: async (campaignId: string, orgId: string, body: { title: string; leader: string }) =>
    (await send(client.POST('/campaigns/{id}/orgs/{orgId}/topics', { params: at(campaignId, orgId, newKey('T')), body }))) as unknown as {
      topicId: string;
      status: string;
      similarTo: string[];
    },
  vetTopic: (campaignId: string, orgId: string, topicId: string, body: { decision: 'approved' | 'returned'; reason?: string }) =>
    send(
      client.POST('/campaigns/{id}/orgs/{orgId}/topics/{topicId}/vetting', {
        params: { path: { id: campaignId, orgId, topicId }, header: { 'idempotency-key': newKey('V') } },
        body,
      }),
    ),
  submitReport: async (campaignId: string, orgId: string, body: { topicId: string; title: string; policyMeasures: number }) =>
    (await send(client.POST('/campaigns/{id}/orgs/{orgId}/reports', { params: at(campaignId, orgId, newKey('R')), body }))) as unknown as {
      reportId: string;
      topicReports: number;
    },
  recordProblem: (
    campaignId: string,
    orgId: string,
    body: { source: 'self_inspection' | 'research'; category: string; description: string; immediate?: boolean },
  ) => send(client.POST('/campaigns/{id}/orgs/{orgId}/problems', { params: at(campaignId, orgId, newKey('P')), body })),
  democraticLifeMeeting: async (
    campaignId: string,
    orgId: string,
    body: { date: string; attendance: number; criticisms: number; problems: { category: string; description: string }[] },
  ) => {
    const meetingId = newKey('DLM');
    const problems = body.problems.map((p, i) => ({ problemId: `${meetingId}-${i + 1}`, ...p }));
    return (await send(
      client.POST('/campaigns/{id}/orgs/{orgId}/democratic-life-meetings', {
        params: at(campaignId, orgId, meetingId),
        body: { ...body, meetingId, problems },
      }),
    )) as unknown as { meetingId: string; problemsFound: number };
  },
  concludeReview: async (campaignId: string, orgId: string) =>
    (await send(client.POST('/campaigns/{id}/orgs/{orgId}/review/conclusion', { params: at(campaignId, orgId, newKey('C')), body: {} }))) as unknown as {
      problems: number;
    },
};
